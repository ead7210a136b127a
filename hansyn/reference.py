"""The reference lists of the dbt seeds, read for the loaders, the quality suites and the sample
city: the seeds in `dbt_project/seeds/` are the lists' only copy, so a value the project office
adds there is accepted from the next load on.

Every function reads the seed's file when it changed since it was last read (its size and
modification time), so a long-lived process sees the office's edits without a restart. The
folder is `config.seeds_dir()` (`HANSYN_SEEDS_DIR`, for tests; dbt itself reads the project's
`seed-paths`) unless a function is given another."""

from __future__ import annotations

import csv
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from .config import seeds_dir


class SeedError(ValueError):
    """A seed that is missing or lacks a column the code reads."""


def seed_path(seed: str, folder: Path | None = None) -> Path:
    return (folder or seeds_dir()) / f"{seed}.csv"


@functools.lru_cache(maxsize=64)
def _read(path: str, size: int, mtime_ns: int) -> tuple[bytes, tuple[dict[str, str], ...]]:
    data = Path(path).read_bytes()
    text = data.decode("utf-8-sig")
    rows = tuple(
        {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        for row in csv.DictReader(text.splitlines())
    )
    return data, rows


def _file(seed: str, folder: Path | None) -> tuple[bytes, tuple[dict[str, str], ...]]:
    path = seed_path(seed, folder)
    try:
        stat = path.stat()
    except OSError as e:
        raise SeedError(f"seed {seed!r} not found: {path}") from e
    return _read(str(path), stat.st_size, stat.st_mtime_ns)


def rows(seed: str, folder: Path | None = None) -> tuple[dict[str, str], ...]:
    """The seed's rows, column → text (trimmed), in file order."""
    return _file(seed, folder)[1]


def values(seed: str, column: str, folder: Path | None = None) -> tuple[str, ...]:
    """One column of a seed: its non-empty values, each once, in file order."""
    found = rows(seed, folder)
    if found and column not in found[0]:
        raise SeedError(f"seed {seed!r} has no column {column!r}")
    return tuple(dict.fromkeys(r[column] for r in found if r[column] != ""))


def content(seeds: Iterable[str], folder: Path | None = None) -> bytes:
    """A digest of these seeds' files: what a parse that read them depends on."""
    digest = hashlib.sha256()
    for seed in sorted(set(seeds)):
        digest.update(seed.encode("utf-8") + b"\0" + _file(seed, folder)[0] + b"\0")
    return digest.digest()


# --- the lists, one function each ------------------------------------------------------------


def placement_types(folder: Path | None = None) -> tuple[str, ...]:
    """Insatstyp of the suppliers' reports (seed `placement_types`)."""
    return values("placement_types", "placement_type", folder)


def target_groups(folder: Path | None = None) -> tuple[str, ...]:
    """Målgrupp of the target-group register (seed `target_groups`)."""
    return values("target_groups", "target_group", folder)


def stadsomraden(folder: Path | None = None) -> dict[str, str]:
    """Stadsområde code → name (seed `stadsomraden`)."""
    return {r["stadsomrade"]: r["stadsomrade_namn"] for r in rows("stadsomraden", folder)}


def primaromraden(folder: Path | None = None) -> dict[str, str]:
    """Primärområde code → name, 199 (unknown) included (seed `geography`)."""
    return {r["primaromrade"]: r["primaromrade_namn"] for r in rows("geography", folder)}


def geography(folder: Path | None = None) -> tuple[dict[str, str], ...]:
    """Every primärområde with its mellanområde and stadsområde (seed `geography`)."""
    return rows("geography", folder)


def criteria_levels(folder: Path | None = None) -> tuple[int, ...]:
    """The levels of Social hänsyn nivå (seed `social_criteria_levels`)."""
    return tuple(int(v) for v in values("social_criteria_levels", "social_level", folder))


def survey_items(folder: Path | None = None) -> dict[str, str]:
    """Survey item (column F1, F2, …) → the dimension it measures (seed `survey_items`)."""
    return {r["item"]: r["dimension"] for r in rows("survey_items", folder)}


def survey_dimensions(folder: Path | None = None) -> tuple[str, ...]:
    """The dimensions of indicator 4 (seed `survey_dimensions`)."""
    return values("survey_dimensions", "dimension", folder)


def survey_roles(folder: Path | None = None) -> tuple[str, ...]:
    """Roll of the stakeholder survey (seed `survey_roles`)."""
    return values("survey_roles", "role", folder)


def procurement_types(folder: Path | None = None) -> tuple[str, ...]:
    """Upphandlingsslag (seed `procurement_types`)."""
    return values("procurement_types", "procurement_type", folder)


def city_organisations(folder: Path | None = None) -> dict[str, str]:
    """Organisationsnummer → name of the organisations that make up the city."""
    return {r["org_number"]: r["name"] for r in rows("city_organisations", folder)}
