"""Loading one source folder into the warehouse: good rows, rejected rows and the load log.

Loads are incremental by file: a file whose content, loader code and pseudonymisation key are
unchanged since it was last loaded keeps its rows and is not parsed again, so the nightly cost
follows the new deliveries, not the history. A file that is gone or changed loses its rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import inspect
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .. import reference
from ..config import Settings, city_date, pseudonym_key
from ..warehouse import warehouse
from . import contract, personnummer, readers, validation
from .contract import FileRefused, LoadContext, Source, empty_rejected
from .readers import file_sha256

log = personnummer.masked_logger("hansyn.ingest")


@dataclass
class FileReport:
    source: str
    file_name: str
    file_sha256: str
    loaded_at: dt.datetime
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = "loaded"  # loaded | refused | duplicate | waiting (still being written)
    message: str = ""
    reused: bool = False  # unchanged since an earlier load: not parsed again
    size: int | None = None
    mtime_ns: int | None = None


@dataclass
class SourceReport:
    source: str
    table: str
    files: list[FileReport] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=empty_rejected)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def with_status(self, status: str) -> list[FileReport]:
        return [f for f in self.files if f.status == status]


def parser_version(source: Source, key: bytes) -> str:
    """Changes when the loader's code, the shared parsing code, the reference lists the loader
    reads (its seeds) or the key changes."""
    digest = hashlib.sha256()
    shared = (contract, readers, personnummer, validation, reference)
    for module in (sys.modules[source.parse.__module__], *shared):
        digest.update(inspect.getsource(module).encode("utf-8"))
    digest.update(repr(sorted(source.columns.items())).encode("utf-8"))
    digest.update(reference.content(source.seeds))
    digest.update(hmac.new(key, b"hansyn-key-fingerprint", hashlib.sha256).digest())
    return digest.hexdigest()[:16]


def _registry(con: duckdb.DuckDBPyConnection, source: Source) -> dict[str, dict]:
    frame = con.execute(
        "select * from audit.file_registry where source = ?", [source.name]
    ).fetchdf()
    return {r["file_name"]: r for r in frame.to_dict("records")}


def _log_rejections(source: Source, report: FileReport, rejected: pd.DataFrame) -> None:
    reasons = rejected["reason"].value_counts()
    report.message = "; ".join(f"{n} × {r}" for r, n in reasons.head(5).items())
    log.warning(
        "%s/%s: %d of %d rows rejected (%s)",
        source.name,
        report.file_name,
        report.rows_rejected,
        report.rows_read,
        report.message,
    )


def _note_masked(source: Source, report: FileReport, masked: dict[str, int]) -> None:
    """The file's message says how many cells carried a personnummer (masked), per column."""
    cells = sum(masked.values())
    where = ", ".join(f"{label} {n}" for label, n in masked.items())
    note = f"{cells} {'cell' if cells == 1 else 'cells'} masked ([personnummer]): {where}"
    report.message = "; ".join(m for m in (report.message, note) if m)
    log.warning("%s/%s: %s", source.name, report.file_name, note)


def parse_source(
    source: Source,
    settings: Settings,
    loaded_at: dt.datetime,
    registry: dict[str, dict] | None = None,
    version: str = "",
):
    """Parse the new or changed files of a source.

    Returns the report (every file, in file-name order), the good rows of the parsed files, and
    the names of the files whose earlier rows stay as they are.

    A file's content counts as delivered only once a file with it has been accepted: files with
    the same bytes are tried in name order, and the first one that loads makes the later ones
    duplicates (a copy refused for its name never hides the real file). A symbolic link or a
    file outside the raw zone is refused unread; a file changed within the settle time, or while
    it was read, is left for the next run."""
    registry = registry or {}
    report = SourceReport(source=source.name, table=source.table)
    key = pseudonym_key(settings)
    # The night is that of the load's time, in Göteborg.
    ctx = LoadContext(pseudonym_key=key, night=city_date(loaded_at))
    frames, rejected, kept = [], [], []
    # Candidates per content, in file-name order: (path, report, registry row, stat).
    by_content: dict[str, list[tuple[Path, FileReport, dict | None, os.stat_result]]] = {}
    now_ns = time.time_ns()
    for path in source.files(settings.raw_dir):
        # A sole trader's number in a file name never enters the warehouse: its token does.
        name = personnummer.mask_numbers_in_text(readable_name(path.name), key)
        outside = undecodable_name(path.name) or outside_raw_zone(path, settings.raw_dir)
        if outside:
            file_report = FileReport(source.name, name, "", loaded_at, status="refused")
            file_report.message = outside
            report.files.append(file_report)
            log.error("%s/%s refused: %s", source.name, name, outside)
            continue
        stat = path.stat()
        known = registry.get(name)
        unchanged_on_disk = (
            known is not None
            and bool(known["file_sha256"])
            and known["size"] == stat.st_size
            and known["mtime_ns"] == stat.st_mtime_ns
        )
        age = (now_ns - stat.st_mtime_ns) / 1e9
        if not unchanged_on_disk and age < settings.settle_seconds:
            file_report = FileReport(
                source.name, name, "", loaded_at, size=stat.st_size, mtime_ns=stat.st_mtime_ns
            )
            _wait(
                source,
                file_report,
                f"changed {max(age, 0):.0f} s before the run, less than "
                f"the settle time of {settings.settle_seconds:g} s (HANSYN_SETTLE_SECONDS)",
            )
            report.files.append(file_report)
            continue
        sha = known["file_sha256"] if unchanged_on_disk else file_sha256(path)
        if known is not None and sha and known["file_sha256"] == sha:
            ctx.first_seen[path.name] = city_date(pd.Timestamp(known["loaded_at"]).to_pydatetime())
        file_report = FileReport(
            source.name, name, sha, loaded_at, size=stat.st_size, mtime_ns=stat.st_mtime_ns
        )
        report.files.append(file_report)
        by_content.setdefault(sha, []).append((path, file_report, known, stat))

    def accept(candidates, accepted: FileReport) -> None:
        # A file with no rows (a header-only report) carries nothing that could count twice:
        # a file with the same bytes is parsed as a delivery of its own.
        if accepted.rows_read == 0:
            return
        name = accepted.file_name
        for _, other, known, _ in candidates:
            other.status = "duplicate"
            other.message = f"same content as {name}: not counted again"
            # Said the night it arrived; a night after that is no news (--verbose says it).
            told = (
                known is not None
                and known["status"] == "duplicate"
                and known["message"] == other.message
                and known["file_sha256"] == other.file_sha256
            )
            level = logging.DEBUG if told else logging.WARNING
            log.log(level, "%s/%s: %s", source.name, other.file_name, other.message)
        candidates.clear()

    queues = list(by_content.values())
    while True:
        # Unchanged files keep their outcome without being parsed; the first file of each
        # content still undecided is parsed in this round.
        to_parse = []
        for queue in queues:
            while queue:
                path, file_report, known, _ = queue[0]
                if not (
                    known is not None
                    and known["file_sha256"] == file_report.file_sha256
                    and known["parser_version"] == version
                    and known["status"] in ("loaded", "refused")
                ):
                    to_parse.append(queue)
                    break
                queue.pop(0)
                for name in ("rows_read", "rows_loaded", "rows_rejected", "status", "message"):
                    setattr(file_report, name, known[name])
                file_report.reused = True
                if file_report.status == "loaded":
                    kept.append(file_report.file_name)
                    accept(queue, file_report)
        if not to_parse:
            break
        results = _parse_all(source, [queue[0][0] for queue in to_parse], ctx)
        for queue in to_parse:
            path, file_report, _, stat = queue.pop(0)
            parsed = _masked(results[path.name], file_report.file_name, key)
            if isinstance(parsed, FileRefused):
                file_report.status = "refused"
                file_report.message = parsed.reason
                log.error("%s/%s refused: %s", source.name, file_report.file_name, parsed.reason)
                continue
            if _changed(path, stat):
                _wait(source, file_report, "changed while it was being read")
                continue
            file_report.rows_read = parsed.rows_read
            file_report.rows_loaded = len(parsed.rows)
            file_report.rows_rejected = len(parsed.rejected)
            if file_report.rows_rejected:
                _log_rejections(source, file_report, parsed.rejected)
            if parsed.masked_cells:
                _note_masked(source, file_report, parsed.masked_cells)
            frames.append(parsed.rows)
            rejected.append(parsed.rejected)
            accept(queue, file_report)
    if rejected:
        report.rejected = pd.concat(rejected, ignore_index=True)
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return report, rows, kept


def _masked(parsed, name: str, key: bytes):
    """A parsed file as the warehouse may hold it: its stored name (a personnummer in it as
    its token, a sole trader's the same as in their supplier column) on every row, and no
    personnummer in any text cell of a row, a reason or a rejected row's values.

    Every loader masks the cells it reads (validation.RowValidator); this is the one door to
    the warehouse for every source, so a value a loader derives or a column it adds later is
    masked here all the same."""
    if isinstance(parsed, FileRefused):
        return FileRefused(name, personnummer.mask_numbers_in_text(parsed.reason, key))
    rows = parsed.rows.assign(_file=name) if "_file" in parsed.rows.columns else parsed.rows
    masked_cells = dict(parsed.masked_cells)
    # A pseudonym (64 hex digits, one per person: millions) is never a number (a hash).
    for column in [c for c in rows.columns if c not in ("_file", "person_id")]:
        if pd.api.types.is_string_dtype(rows[column].dtype):
            rows[column], hit = validation.mask_cells(rows[column])
            if hit is not None:
                masked_cells[column] = masked_cells.get(column, 0) + int(hit.sum())
    rejected = parsed.rejected.assign(file_name=name)
    for column in ("reason", "raw_values"):
        rejected[column] = rejected[column].map(
            lambda text: personnummer.mask_numbers_in_text(text, key)
        )
    return contract.ParsedFile(
        rows=rows, rejected=rejected, rows_read=parsed.rows_read, masked_cells=masked_cells
    )


def readable_name(name: str) -> str:
    """A file name as text that can be stored and sent: bytes that are not UTF-8 (which Python
    lists as lone surrogates, and the warehouse, pandas and e-mail cannot carry) shown escaped,
    `avtalsregister_\\xff.csv`; any other name as it is."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def undecodable_name(name: str) -> str | None:
    """Why a file is refused unread for its name, or None. A name that is not UTF-8 is not
    guessed at (it may carry the snapshot date, the payer or the quarter): the office renames
    the file, and every other file and the night go on."""
    if readable_name(name) == name:
        return None
    return "the file name is not valid UTF-8: not read (rename the file and deliver it again)"


def outside_raw_zone(path: Path, raw_dir: Path) -> str | None:
    """Why a listed file must not be read, or None: only regular files inside the raw zone are."""
    if path.is_symlink():
        return "a symbolic link, not a delivered file: only regular files in the raw zone are read"
    try:
        inside = path.resolve().is_relative_to(raw_dir.resolve())
    except OSError as e:
        return f"cannot be resolved: {e}"
    if not inside:
        return "lies outside the raw zone (through a linked folder): not read"
    if not path.is_file():
        return "not a regular file"
    return None


def _wait(source: Source, file_report: FileReport, why: str) -> None:
    file_report.status = "waiting"
    file_report.file_sha256 = ""
    file_report.message = f"still being written ({why}): not loaded, left for the next run"
    log.warning("%s/%s: %s", source.name, file_report.file_name, file_report.message)


def _changed(path: Path, before: os.stat_result) -> bool:
    try:
        after = path.stat()
    except OSError:
        return True
    return (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns)


def _parse_all(source: Source, paths: list[Path], ctx: LoadContext) -> dict:
    """Each file's ParsedFile or FileRefused; a loader's unexpected error refuses the file it
    was reading (with the error as reason), never the night."""
    if source.parse_many is not None and len(paths) > 1:
        try:
            return source.parse_many(paths, ctx)
        except Exception as e:  # one bad file among many: find it by parsing them one by one
            log.warning("%s: parsing %d files together failed (%r)", source.name, len(paths), e)
    return {path.name: _parse_one(source, path, ctx) for path in paths}


def _parse_one(source: Source, path: Path, ctx: LoadContext):
    try:
        return source.parse(path, ctx)
    except FileRefused as e:
        return e
    except Exception as e:
        name = personnummer.mask_numbers_in_text(path.name, ctx.pseudonym_key)
        log.exception("%s/%s: unexpected error while parsing", source.name, name)
        return FileRefused(path.name, f"not readable ({type(e).__name__}: {e})")


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "select column_name, lower(data_type) from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return dict(rows)


def write_rows(
    con: duckdb.DuckDBPyConnection, source: Source, rows: pd.DataFrame, kept: list[str]
) -> None:
    """Keep the rows of unchanged files, drop the rest, append this load's rows."""
    cols = source.columns or {c: "varchar" for c in rows.columns}
    existing = _table_columns(con, source.table)
    if list(existing) != list(cols):
        ddl = ", ".join(f'"{c}" {t}' for c, t in cols.items())
        con.execute(f"create or replace table raw.{source.table} ({ddl})")
    if kept:
        con.execute(
            f"delete from raw.{source.table} where _file not in (select unnest(?::varchar[]))",
            [kept],
        )
    else:
        con.execute(f"delete from raw.{source.table}")
    if rows.empty:
        return
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in cols.items())
    frame = rows.reindex(columns=list(cols))
    con.register("_incoming", frame)
    try:
        con.execute(f"insert into raw.{source.table} select {select} from _incoming")
    finally:
        con.unregister("_incoming")


def record_load(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    report: SourceReport,
    kept: list[str],
    version: str,
) -> None:
    files = pd.DataFrame(
        [{"run_id": run_id, "parser_version": version, **asdict(f)} for f in report.files],
        columns=[
            "run_id", "source", "file_name", "file_sha256", "loaded_at", "rows_read",
            "rows_loaded", "rows_rejected", "status", "message", "reused", "parser_version",
            "size", "mtime_ns",
        ],
    )  # fmt: skip
    con.register("_files", files)
    con.execute(
        "insert into audit.load_log (run_id, source, file_name, file_sha256, loaded_at, "
        "rows_read, rows_loaded, rows_rejected, status, message, reused) "
        "select run_id, source, file_name, file_sha256, loaded_at, rows_read, rows_loaded, "
        "rows_rejected, status, message, reused from _files"
    )
    # The registry remembers when each file's current content was first seen (parsed again by
    # a newer loader or not): a snapshot is judged on the night it arrived.
    con.execute(
        "create or replace temp table _previous as "
        "select file_name, file_sha256, loaded_at from audit.file_registry where source = ?",
        [report.source],
    )
    con.execute("delete from audit.file_registry where source = ?", [report.source])
    con.execute(
        "insert into audit.file_registry select f.source, f.file_name, f.file_sha256, "
        "f.parser_version, f.size, f.mtime_ns, "
        "case when f.file_sha256 <> '' then coalesce(p.loaded_at, f.loaded_at) "
        "else f.loaded_at end, "
        "f.rows_read, f.rows_loaded, f.rows_rejected, f.status, f.message from _files f "
        "left join _previous p on p.file_name = f.file_name and p.file_sha256 = f.file_sha256"
    )
    con.unregister("_files")
    # Rejected rows: those of the files as they stand now.
    con.execute(
        "delete from audit.rejected_rows where source = ? "
        "and file_name not in (select unnest(?::varchar[]))",
        [report.source, kept],
    )
    if not report.rejected.empty:
        rej = report.rejected.assign(run_id=run_id, loaded_at=_loaded_at(report))
        con.register("_rej", rej)
        con.execute(
            "insert into audit.rejected_rows select run_id, loaded_at, source, file_name, "
            "row_number, reason, raw_values from _rej"
        )
        con.unregister("_rej")


def _loaded_at(report: SourceReport) -> dt.datetime:
    return report.files[0].loaded_at if report.files else dt.datetime.now()


def ingest_source(
    source: Source, settings: Settings, run_id: str, loaded_at: dt.datetime | None = None
) -> SourceReport:
    """Load the new and changed files of one source folder; refused and duplicate files are
    left out; the rows of unchanged files stay as they were."""
    loaded_at = loaded_at or dt.datetime.now().replace(microsecond=0)
    version = parser_version(source, pseudonym_key(settings))
    with warehouse(settings) as con:
        registry = _registry(con, source)
    report, rows, kept = parse_source(source, settings, loaded_at, registry, version)
    with warehouse(settings) as con:
        con.execute("begin")
        write_rows(con, source, rows, kept)
        record_load(con, run_id, report, kept, version)
        con.execute("commit")
    reused = sum(1 for f in report.files if f.reused)
    # A source with no new or changed file is no news: its line only with --verbose.
    log.log(
        logging.DEBUG
        if reused + len(report.with_status("duplicate")) == len(report.files)
        else logging.INFO,
        "%s: %d files (%d unchanged, %d refused, %d duplicate), %d rows loaded, %d rejected",
        source.name,
        len(report.files),
        reused,
        len(report.with_status("refused")),
        len(report.with_status("duplicate")),
        report.rows_loaded,
        report.rows_rejected,
    )
    return report
