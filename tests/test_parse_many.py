"""Many supplier reports parsed in one go give each file exactly what parsing it alone gives:
its good rows, its rejected rows with reasons, its row count, a refused file refused alone."""

from __future__ import annotations

import pandas as pd

from hansyn.sampledata import generate
from hansyn.sources import SOURCES
from hansyn.sources.contract import FileRefused, LoadContext

CTX = LoadContext(pseudonym_key=b"test-key")


def test_parse_many_equals_each_file_alone(tmp_path):
    generate(tmp_path, seed=9, scale=0.2)
    source = SOURCES["leverantorsrapporter"]
    paths = source.files(tmp_path)

    together = source.parse_many(paths, CTX)

    assert sorted(together) == sorted(p.name for p in paths)
    refused = {n for n, r in together.items() if isinstance(r, FileRefused)}
    # The two files in the wrong shape, and the one supplier quarter whose only file is in the
    # old template (the sample's "underkänd" quarter, of the supplier 5560000001).
    assert refused == {
        "rapport_gammal_mall.xlsx",
        "rapport_utan_omfattning.xlsx",
        "rapport_5560000001_2021-Q3.xlsx",
    }
    rejected_total = 0
    for path in paths:
        try:
            alone = source.parse(path, CTX)
        except FileRefused as e:
            assert together[path.name].reason == e.reason
            continue
        both = together[path.name]
        assert both.rows_read == alone.rows_read
        pd.testing.assert_frame_equal(both.rows, alone.rows, check_dtype=False)
        pd.testing.assert_frame_equal(both.rejected, alone.rejected, check_dtype=False)
        rejected_total += len(both.rejected)
    # The sample plants three bad rows in each of six reports (one of them also corrected).
    assert rejected_total >= 18
