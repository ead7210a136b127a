"""Loader for `enkat/`: the stakeholder survey's exports, one row per respondent and wave.

A respondent's answers are kept as one JSON object, item → answer (`{"F1": "4", "F2": "Vet ej",
"F3": ""}`), so that an item the project office adds to the survey (a column F10, … and a row in
the seed `survey_items`) needs no code change; staging unpacks it. Every row keeps its file and
line: dbt applies "the same Svars-ID twice in a wave counts once, the row from the newest file,
last in it" from them. Roll is one of the seed `survey_roles`; the items F1–F9 are the export's
columns by contract (the seed `survey_items` says what each measures)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import reference
from .contract import LoadContext, ParsedFile, Source
from .readers import read_csv
from .validation import RowValidator, whole_numbers

CONTRACT_ITEMS = tuple(f"F{i}" for i in range(1, 10))
# Items beyond F9 are accepted when a file has them (the office may add questions).
EXTRA_ITEMS = tuple(f"F{i}" for i in range(10, 100))
DONT_KNOW = "Vet ej"

REQUIRED = {
    "Svars-ID": "response_id",
    "Omgång": "wave",
    "Roll": "role",
    **{item: item for item in CONTRACT_ITEMS},
}
OPTIONAL = {item: item for item in EXTRA_ITEMS}

COLUMNS = {
    "response_id": "varchar",
    "wave": "varchar",
    "role": "varchar",
    "answers": "varchar",
    "_file": "varchar",
    "_row": "bigint",
}

_WAVE = re.compile(r"(\d{4})-[hH]([12])")


def _answers(v: RowValidator, frame: pd.DataFrame, items: list[str]) -> pd.Series:
    """The row's answers as a JSON object item → "1"…"5", "Vet ej" or "" (empty).

    An answer that is none of these rejects the row, naming the first such item."""
    json_text = pd.Series("{", index=frame.index, dtype=object)
    for n, item in enumerate(items):
        raw = frame[item]
        dont_know = raw.str.casefold() == DONT_KNOW.casefold()
        # "4" and "4,0" are a four; "4.0" is not read (a dot is never guessed, spec).
        number, _ = whole_numbers(raw)
        v.reject(
            (raw != "") & ~dont_know & number.isna(),
            raw.map(lambda a, item=item: f"'{item}' is not an answer 1–5, empty or Vet ej: {a!r}"),
        )
        in_range = number.between(1, 5)
        v.reject(
            number.notna() & ~in_range,
            raw.map(lambda a, item=item: f"'{item}' is outside 1–5: {a!r}"),
        )
        value = raw.where(~dont_know, DONT_KNOW)
        value = value.where(~in_range, number.where(in_range).astype("Int64").astype(str))
        # Values are digits, "Vet ej" or empty here (others are rejected): no escaping needed.
        json_text = json_text + ("," if n else "") + f'"{item}":"' + value.astype(object) + '"'
    return json_text + "}"


def parse(path: Path, ctx: LoadContext) -> ParsedFile:
    frame = read_csv(path, REQUIRED, OPTIONAL)
    items = [c for c in [*CONTRACT_ITEMS, *EXTRA_ITEMS] if c in frame.columns]
    labels = {out: header for header, out in {**REQUIRED, **OPTIONAL}.items()}
    v = RowValidator(frame, SOURCE.name, path.name, labels=labels)
    rows = pd.DataFrame(index=frame.index)
    rows["response_id"] = v.text("response_id", "Svars-ID", required=True)
    wave_ok = frame["wave"].str.fullmatch(_WAVE.pattern)
    v.reject(frame["wave"] == "", "'Omgång' is empty")
    v.reject(
        ~wave_ok, frame["wave"].map(lambda w: f"'Omgång' is not a wave YYYY-H1 or YYYY-H2: {w!r}")
    )
    rows["wave"] = frame["wave"].str.upper().where(wave_ok, None)
    rows["role"] = v.choice("role", "Roll", reference.survey_roles())
    rows["answers"] = _answers(v, frame, items)
    return v.result(rows)


SOURCE = Source(
    name="enkat",
    table="enkat__responses",
    patterns=("*.csv",),
    parse=parse,
    columns=COLUMNS,
    seeds=("survey_roles",),
)
