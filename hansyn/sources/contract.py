"""The contract every loader fulfils: a source's folder, files and table, and what parsing a file
returns (good rows, rejected rows with reasons) or raises (the file refused)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import night_date

REJECTED_COLUMNS = ["source", "file_name", "row_number", "reason", "raw_values"]


class FileRefused(Exception):
    """The whole file does not fit its contract and is left out."""

    def __init__(self, file_name: str, reason: str):
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason


@dataclass
class LoadContext:
    """What a loader needs besides the file: the pseudonymisation key, and the night a file
    arrived (a snapshot cannot be dated after it)."""

    pseudonym_key: bytes
    # The night's date in Göteborg (today there, when not given).
    night: dt.date | None = None
    # A file whose content was first seen on an earlier night: that night's date, by file name.
    first_seen: dict[str, dt.date] = field(default_factory=dict)

    def arrived(self, file_name: str) -> dt.date:
        """The date of the night the file's content was first seen: a file refused for a date
        after it stays refused while it is unchanged, however many nights pass."""
        return self.first_seen.get(file_name) or self.night or night_date()


@dataclass
class ParsedFile:
    """A loaded file: rows that fit the contract, and the rejected ones with their reasons."""

    rows: pd.DataFrame
    rejected: pd.DataFrame
    rows_read: int
    # Cells whose personnummer was masked, per delivered header (RowValidator.masked_cells).
    masked_cells: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """One folder of `data/raw/`: its files, its warehouse table and how to parse a file.

    `parse_many`, when a loader has it, parses several files in one go (their rows validated
    together, then split by file): a source of many small files, such as the suppliers'
    quarterly reports, then pays pandas' fixed cost per operation once, not once per file.

    `seeds` names the reference lists (dbt seeds, read through `hansyn.reference`) the loader
    checks values against: their content is part of the parser version, so an edited list
    parses the files already loaded again."""

    name: str
    table: str
    patterns: tuple[str, ...]
    parse: Callable[[Path, LoadContext], ParsedFile]
    columns: dict[str, str] = field(default_factory=dict)  # output column -> duckdb type
    parse_many: Callable[[list[Path], LoadContext], dict[str, ParsedFile | FileRefused]] | None = (
        None
    )
    seeds: tuple[str, ...] = ()

    def files(self, raw_dir: Path) -> list[Path]:
        folder = raw_dir / self.name
        if not folder.is_dir():
            return []
        # Symbolic links are listed too, so that ingestion can refuse them with a message
        # (they may point outside the raw zone).
        found = {
            p
            for pattern in self.patterns
            for p in folder.glob(pattern)
            if p.is_symlink() or p.is_file()
        }
        # Newest file = last in file-name order (spec): keep that order everywhere.
        return sorted(found, key=lambda p: p.name)


def empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECTED_COLUMNS)


def split_by_file(
    parsed: ParsedFile,
    files: pd.Series,
    names: list[str],
    masked_cells: dict[str, dict[str, int]] | None = None,
) -> dict[str, ParsedFile]:
    """Several files parsed together (their rows' files in `files`) as one ParsedFile each;
    `masked_cells`, the cells masked per file."""
    rows = dict(tuple(parsed.rows.groupby("_file", sort=False)))
    rejected = dict(tuple(parsed.rejected.groupby("file_name", sort=False)))
    read = files.value_counts()
    return {
        name: ParsedFile(
            rows=rows.get(name, parsed.rows.iloc[0:0]).reset_index(drop=True),
            rejected=rejected.get(name, parsed.rejected.iloc[0:0]).reset_index(drop=True),
            rows_read=int(read.get(name, 0)),
            masked_cells=(masked_cells or {}).get(name, {}),
        )
        for name in names
    }
