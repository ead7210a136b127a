"""The published marts as versions: each publication a complete folder with a manifest written
last, the marts folder a symbolic link switched to the newest in one step.

Layout, beside the marts folder `<parent>/<name>` (by default `data/marts`):

    <parent>/.<name>-versions/<time>-<id>/   one publication: its files and `.publication.json`
    <parent>/<name> -> .<name>-versions/…    the current one (a relative link: the data folder
                                              can be moved or copied whole)

Why a link and not one `os.replace` per file: a reader must never see tables of two nights
together, and a process killed between two renames left exactly that. Replacing the link is one
rename(2), atomic on POSIX: a reader who resolves the marts folder gets the old publication or
the new one, whole. A file opened before the switch keeps its inode, so an analyst's open
connection (read-only or read-write) is never broken, and nothing here ever opens a published
`indikatorer.duckdb` (a read-write connection locks it): the manifest says what was published.

A version folder without a manifest or a temporary link is what a killed publication left: the
next publication removes it and says so. The previous version is kept after a switch (a reader
may be in the middle of it); older ones are removed."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..sources.personnummer import masked_logger

log = masked_logger("hansyn.publish")

MANIFEST = ".publication.json"
# What pre-versions code left in the marts folder when it was killed.
_OLD_STAGING = ".publishing-"


def versions_dir(marts: Path) -> Path:
    return marts.parent / f".{marts.name}-versions"


def _link_prefix(marts: Path) -> str:
    return f".{marts.name}.link-"


def current_version(marts: Path) -> Path | None:
    """The version folder the marts link points at; None when the marts folder is missing or a
    plain folder (an installation from before versions)."""
    if not marts.is_symlink():
        return None
    return (marts.parent / os.readlink(marts)).resolve()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_entries(folder: Path) -> dict[str, dict]:
    """Each published file of a folder (not work in progress) with its size and SHA-256."""
    return {
        p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def write_manifest(folder: Path, run_id: str) -> dict:
    """The manifest of a complete version, written last: until it is there, the folder is work
    in progress. Each file is on disk before the manifest names it."""
    files = file_entries(folder)
    for name in files:
        _fsync(folder / name)
    manifest = {
        "run_id": run_id,
        "published_at": dt.datetime.now().isoformat(timespec="seconds"),
        "files": files,
    }
    _write_json(folder / MANIFEST, manifest)
    return manifest


def _write_json(path: Path, value: dict) -> None:
    temp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}")
    with temp.open("w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temp, path)


def read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def record_file(folder: Path, name: str) -> None:
    """A file rewritten in place in a published version (`hansyn report` by hand): its manifest
    entry follows, so that the next night does not take it for damage."""
    manifest = read_manifest(folder)
    if manifest is None:
        return
    path = folder / name
    manifest["files"][name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    _write_json(folder / MANIFEST, manifest)


def damage(marts: Path) -> list[str]:
    """What differs between the current publication and its manifest, in words ("x.parquet was
    missing"); [] when every published file is as it was published. A marts folder that is
    missing, or a plain folder from before versions, is named too: it cannot be verified."""
    if not marts.exists():
        return [f"the marts folder {marts} was missing"]
    folder = current_version(marts)
    if folder is None:
        return [f"{marts} was a plain folder without a manifest (from before versions)"]
    manifest = read_manifest(folder)
    if manifest is None:
        return [f"{folder.name} had no manifest"]
    found = []
    for name, entry in sorted(manifest["files"].items()):
        path = folder / name
        if not path.is_file():
            found.append(f"{name} was missing")
        elif path.stat().st_size != entry["bytes"]:
            found.append(
                f"{name} had {path.stat().st_size} bytes instead of the {entry['bytes']} published"
            )
        elif _sha256(path) != entry["sha256"]:
            found.append(f"{name} differed from what was published")
    return found


@contextmanager
def publishing_lock(marts: Path) -> Iterator[Path]:
    """One publication at a time (the lock ends with its process, killed or not): another
    one's folder without a manifest is then always a leftover, never work in progress."""
    versions = versions_dir(marts)
    versions.mkdir(parents=True, exist_ok=True)
    with (versions / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield versions
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def leftovers(marts: Path) -> list[Path]:
    """What killed publications left: version folders without a manifest or complete but
    never switched in (newer than the current one), temporary links, the `.publishing-*`
    folders of the code before versions. Work in progress only while a publication holds
    `publishing_lock`."""
    found: list[Path] = []
    versions = versions_dir(marts)
    current = current_version(marts)
    if versions.is_dir():
        found += [
            p for p in versions.iterdir()
            if p.is_dir() and not p.is_symlink() and (
                not (p / MANIFEST).exists() or (current is not None and p.name > current.name)
            )
        ]  # fmt: skip
    found += [p for p in marts.parent.glob(_link_prefix(marts) + "*") if p.is_symlink()]
    if marts.is_dir():
        found += [p for p in marts.iterdir() if p.name.startswith(_OLD_STAGING) and p.is_dir()]
    return sorted(found)


def remove_leftovers(marts: Path) -> list[str]:
    """Remove the `leftovers` and name each; call under `publishing_lock`."""
    removed = []
    for path in leftovers(marts):
        if path.is_symlink() or path.is_file():
            path.unlink()
        else:
            shutil.rmtree(path)
        where = path.relative_to(marts.parent) if path.is_relative_to(marts.parent) else path
        removed.append(f"{where}, left by a publication that did not finish")
        log.warning("removed %s, left by a publication that did not finish", where)
    return removed


def _moment_of(name: str) -> dt.datetime:
    """The time a version folder's name gives (to the microsecond, or to the second for the
    names of the first versions); the epoch for a name that gives none."""
    for form, width in (("%Y%m%dT%H%M%S.%f", 22), ("%Y%m%dT%H%M%S", 15)):
        try:
            return dt.datetime.strptime(name[:width], form)
        except ValueError:
            continue
    return dt.datetime(1970, 1, 1)


def new_version(marts: Path) -> Path:
    """A new version folder whose name sorts after every existing one: `leftovers` takes a
    complete version that sorts after the current one for a publication never switched in, so
    two publications within one second (or a clock set back) must still sort in order."""
    root = versions_dir(marts)
    root.mkdir(parents=True, exist_ok=True)
    latest = max((p.name for p in root.iterdir()), default="")
    moment = dt.datetime.now()
    if f"{moment:%Y%m%dT%H%M%S.%f}" <= latest:
        moment = _moment_of(latest) + dt.timedelta(microseconds=1)
    folder = root / f"{moment:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    return folder


def switch(marts: Path, version: Path) -> None:
    """Make `version` the current publication in one step. A plain marts folder from before
    versions is first moved among the versions (with a manifest of what it holds): the one
    moment the marts path is missing, once, for the time of a rename."""
    previous = current_version(marts)
    temp = marts.parent / f"{_link_prefix(marts)}{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(version, marts.parent), temp)
    if marts.is_dir() and not marts.is_symlink():
        write_manifest(marts, run_id="before versions")
        # Named to sort before every version: a version newer than the current one is a
        # leftover (`leftovers`).
        previous = version.parent / "00000000T000000-before-versions"
        os.rename(marts, previous)
    os.replace(temp, marts)
    _fsync(marts.parent)
    log.info("the marts folder %s now points at %s", marts, version.name)
    _prune(marts, keep={version.resolve(), *([previous.resolve()] if previous else [])})


def _prune(marts: Path, keep: set[Path]) -> None:
    """Older complete versions go; the current and the previous stay. A reader holding a file
    of a removed version keeps reading it (Linux frees it on close)."""
    for path in versions_dir(marts).iterdir():
        if path.is_dir() and path.resolve() not in keep and (path / MANIFEST).exists():
            shutil.rmtree(path, ignore_errors=True)
