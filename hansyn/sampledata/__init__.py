"""`hansyn sample-data`: a synthetic city's deliveries for every source, in their formats."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from . import (
    sample_avtalsregister,
    sample_enkat,
    sample_ersattningar,
    sample_leverantorsrapporter,
    sample_malgruppsregister,
    sample_omradesstatistik,
    sample_upphandlingsmyndigheten,
)
from .world import World, build_world

# One writer module per source folder, sample_<source>.py; each has
# write(world, folder, rng) -> list[Path].
WRITERS = {
    "upphandlingsmyndigheten": sample_upphandlingsmyndigheten,
    "avtalsregister": sample_avtalsregister,
    "leverantorsrapporter": sample_leverantorsrapporter,
    "malgruppsregister": sample_malgruppsregister,
    "enkat": sample_enkat,
    "omradesstatistik": sample_omradesstatistik,
    "ersattningar": sample_ersattningar,
}


def generate(out: Path, seed: int = 2026, scale: float = 1.0) -> dict[str, list[Path]]:
    """Deterministic for a seed: the same seed and scale write the same bytes."""
    world = build_world(seed=seed, scale=scale)
    written: dict[str, list[Path]] = {}
    for name, module in WRITERS.items():
        folder = Path(out) / name
        folder.mkdir(parents=True, exist_ok=True)
        written[name] = module.write(world, folder, random.Random(f"{seed}-{name}"))
    settle(path for paths in written.values() for path in paths)
    return written


def settle(paths) -> None:
    """The sample city's files are deliveries that arrived long ago: dated an hour back, so
    that a run right after `hansyn sample-data` does not wait for them to settle."""
    past = time.time() - 3600
    for path in paths:
        os.utime(path, (past, past))


__all__ = ["World", "build_world", "generate"]
