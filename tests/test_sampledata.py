"""The sample city: deterministic for a seed, scaled by --scale, in the delivery formats."""

import hashlib

from hansyn.sampledata import WRITERS, generate


def _digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate(tmp_path / "a", seed=7, scale=0.5)
    generate(tmp_path / "b", seed=7, scale=0.5)
    generate(tmp_path / "c", seed=8, scale=0.5)
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c
    # every source folder gets deliveries
    assert {name.split("/")[0] for name in a} == set(WRITERS)


def test_scale_multiplies_volumes(tmp_path):
    generate(tmp_path / "s1", seed=7, scale=1)
    generate(tmp_path / "s3", seed=7, scale=3)

    def lines(folder):
        return sum(
            len(p.read_bytes().splitlines()) for p in (folder / "avtalsregister").glob("*.csv")
        )

    ratio = lines(tmp_path / "s3") / lines(tmp_path / "s1")
    assert 2.5 < ratio < 3.5


def test_awkward_cases_of_the_contracts_are_present(tmp_path):
    generate(tmp_path, seed=2026, scale=1)
    register = sorted((tmp_path / "avtalsregister").glob("*.csv"))
    oldest = register[0].read_bytes()
    assert not oldest.startswith(b"\xef\xbb\xbf")
    oldest.decode("cp1252")  # the old system's Windows-1252
    try:
        oldest.decode("utf-8")
        raise AssertionError("the oldest snapshot should not be valid UTF-8")
    except UnicodeDecodeError:
        pass
    assert register[-1].read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    agency = tmp_path / "upphandlingsmyndigheten"
    xlsx = sorted(agency.glob("*.xlsx"))
    assert len(xlsx) == 2 and xlsx[0].read_bytes() == xlsx[1].read_bytes()  # delivered twice
    assert "Uppgift saknas" in (agency / "antal_upphandlingar_2021-2023.csv").read_text("utf-8-sig")
