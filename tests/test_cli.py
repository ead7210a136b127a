"""The command line's thin commands on a hand-made published folder (no pipeline run):
`hansyn report` writes the report or says how to get the published file."""

from __future__ import annotations

from click.testing import CliRunner

from hansyn.cli import main
from hansyn.publishing.swap import PUBLISHED_DB
from hansyn.report.render import REPORT_FILE
from tests.report_fixture import make_published


def test_hansyn_report_writes_the_report_from_the_published_file(tmp_path):
    marts = tmp_path / "marts"
    marts.mkdir()
    make_published(marts / PUBLISHED_DB)
    result = CliRunner().invoke(main, ["report", "--marts", str(marts)])
    assert result.exit_code == 0, result.output
    assert (marts / REPORT_FILE).is_file()
    assert {p.name for p in marts.iterdir()} == {PUBLISHED_DB, REPORT_FILE}  # nothing else


def test_hansyn_report_without_a_published_file_says_to_refresh(tmp_path):
    missing = CliRunner().invoke(main, ["report", "--marts", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0
    assert "hansyn refresh" in missing.output
    assert not (tmp_path / "nowhere" / REPORT_FILE).exists()
