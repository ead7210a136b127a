"""The benchmark's floor: `bench/floor.sql` run on a raw folder, and its tables compared with the
pipeline's published ones.

DuckDB reads CSV but not xlsx here (its excel extension cannot be downloaded on this machine), and
its CSV reader takes UTF-8 only. So the runner first prepares the raw folder, and that time
counts in the floor's: each xlsx sheet is read with calamine (the loaders' own reader,
`hansyn.sources.readers.sheet_rows`; the supplier reports' sheet `Rapport`, a workbook without
it, or one the loaders refuse, left out) and the workbooks of a folder are written as one CSV,
`xlsx_sheets.csv`, with each row's file and sheet row in `_file` and `_row`, and listed in
`xlsx_files.txt` (readable or refused, the header); a CSV in Windows-1252 is re-encoded to
UTF-8; a file whose content repeats an earlier one's (in file-name order) is left out, unless
that one was refused or had no rows. Then it runs the SQL, whose tables land in `floor.duckdb`.

    python bench/floor.py --raw DIR --out DIR [--json FILE] [--marts DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from pathlib import Path

import duckdb

# The loaders' own reader and cell-to-text rule, so the floor reads a workbook exactly as they do.
from hansyn.sources.contract import FileRefused
from hansyn.sources.readers import cell_text, sheet_rows

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "dbt_project" / "seeds"
SHEETS = {"leverantorsrapporter": "Rapport"}  # the sheet a source's contract names; else first
FLOAT_DIGITS = 9  # doubles compared after rounding (sums in another order differ in the last bit)


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[list[str], list[dict[str, object]]] | None:
    """The sheet's header and rows as header → cell text, with the sheet row in `_row`; None
    when the workbook has no such sheet or is not readable (the loaders refuse it)."""
    try:
        rows = iter(sheet_rows(path, sheet))
    except FileRefused:
        return None
    header = [cell_text(h).strip() for h in next(rows, ())]
    out = []
    for number, row in enumerate(rows, start=2):
        cells = [cell_text(v) for v in row]
        if any(c.strip() for c in cells):
            out.append({**dict(zip(header, cells, strict=False)), "_file": path.name,
                        "_row": number})  # fmt: skip
    return header, out


def _write_sheets(rows: list[dict[str, object]], path: Path) -> None:
    """Every workbook of a folder as one CSV: the union of their columns, `_file`, `_row`."""
    columns = list(dict.fromkeys(k for r in rows for k in r if k not in ("_file", "_row")))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*columns, "_file", "_row"], delimiter=";", restval="")
        writer.writeheader()
        writer.writerows(rows)


def prepare(raw: Path, prep: Path) -> dict[str, int]:
    """Every source folder as UTF-8 CSV files DuckDB reads, duplicates left out."""
    counts = {"xlsx": 0, "reencoded": 0, "duplicates": 0, "files": 0}
    for folder in sorted(p for p in raw.iterdir() if p.is_dir()):
        target = prep / folder.name
        target.mkdir(parents=True, exist_ok=True)
        seen: set[str] = set()
        sheets: list[dict[str, object]] = []
        workbooks: list[tuple[str, bool, str]] = []
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if not path.is_file():
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                counts["duplicates"] += 1
                continue
            if path.suffix.lower() == ".xlsx":
                read = _xlsx_rows(path, SHEETS.get(folder.name))
                counts["xlsx"] += 1
                workbooks.append((path.name, read is not None, "|".join(read[0] if read else [])))
                if read is not None:
                    sheets += read[1]
                has_rows = bool(read and read[1])
            else:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    data = data.decode("cp1252").encode("utf-8")
                    counts["reencoded"] += 1
                (target / path.name).write_bytes(data)
                has_rows = len([line for line in data.splitlines() if line.strip()]) > 1
            # As the loaders: a refused file or one with no rows (a header-only report) hides
            # no later file with the same bytes, which is then a delivery of its own.
            if has_rows:
                seen.add(digest)
            counts["files"] += 1
        if sheets:
            _write_sheets(sheets, target / "xlsx_sheets.csv")
        if workbooks:
            # .txt: the folders' `*.csv` patterns in floor.sql do not read it as a delivery.
            with (target / "xlsx_files.txt").open("w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, delimiter=";")
                writer.writerows([("_file", "readable", "header"), *workbooks])
    return counts


def run_sql(prep: Path, database: Path) -> list[str]:
    sql = (HERE / "floor.sql").read_text(encoding="utf-8")
    sql = sql.replace("@PREP@", prep.as_posix()).replace("@SEEDS@", SEEDS.as_posix())
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute(sql)
        return [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where not temporary order by 1"
            ).fetchall()
        ]
    finally:
        con.close()


def compare(floor_db: Path, marts: Path) -> dict[str, str]:
    """Per floor table: 'same' when its rows equal the published Parquet file's (doubles
    rounded), else what differs."""
    out: dict[str, str] = {}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{floor_db.as_posix()}' as floor (read_only)")
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'floor' order by 1"
        ).fetchall()]  # fmt: skip
        for table in tables:
            parquet = marts / f"{table}.parquet"
            if not parquet.exists():
                out[table] = "not published"
                continue
            published = f"read_parquet('{parquet.as_posix()}')"
            columns = [
                (r[0], r[1]) for r in con.execute(f"describe select * from {published}").fetchall()
            ]
            floor_cols = {r[0] for r in con.execute(f"describe floor.{table}").fetchall()}
            missing = [c for c, _ in columns if c not in floor_cols]
            if missing:
                out[table] = f"columns missing: {', '.join(missing)}"
                continue
            select = ", ".join(
                f'round("{c}", {FLOAT_DIGITS}) as "{c}"' if t in ("DOUBLE", "FLOAT")
                else f'cast("{c}" as {t}) as "{c}"' for c, t in columns
            )  # fmt: skip
            only_floor, only_published = con.execute(
                f"select (select count(*) from (select {select} from floor.{table} except all "
                f"select {select} from {published})), (select count(*) from (select {select} "
                f"from {published} except all select {select} from floor.{table}))"
            ).fetchone()
            out[table] = (
                "same" if only_floor == only_published == 0
                else f"{only_floor} rows only in the floor, {only_published} only published"
            )  # fmt: skip
    finally:
        con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--marts", type=Path, help="compare with these published marts")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = prepare(args.raw, args.out / "prepared")
    prepared = time.perf_counter()
    tables = run_sql(args.out / "prepared", args.out / "floor.duckdb")
    done = time.perf_counter()
    summary = {
        "xlsx_seconds": round(prepared - started, 2),
        "sql_seconds": round(done - prepared, 2),
        "prepared": counts,
        "tables": tables,
    }
    if args.marts:
        summary["compare"] = compare(args.out / "floor.duckdb", args.marts)
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
