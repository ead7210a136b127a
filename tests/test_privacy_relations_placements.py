"""i3_placements' declared relations, solved by the publication's guard: a year's categories
sum to i3_individuals' placements (matched on the year alone), and the areas' individuals are
geographic_distribution's placed_individuals, hidden in both tables or in neither."""

from hansyn.publishing.privacy import declared_privacy, relation_equations, solve_relations


def _areas(year: int, counts: dict[str, tuple]) -> list[dict]:
    """i3_placements' stadsomrade rows: category → (placements, individuals)."""
    return [
        {"year": year, "dimension": "stadsomrade", "category": c, "placements": p, "individuals": n}
        for c, (p, n) in counts.items()
    ]


def _geography(year: int, placed: dict[str, int | None]) -> list[dict]:
    # expected / key reveals the areas' total: 30 here (key 0.25 each, expected 7.5).
    return [
        {
            "year": year,
            "stadsomrade": area,
            "placed_individuals": n,
            "distribution_key": 0.25,
            "expected_individuals": 7.5,
        }
        for area, n in placed.items()
    ]


def _found(tables: dict) -> list[tuple]:
    equations, values = relation_equations(tables, declared_privacy())
    return sorted(
        (cell[0], tables[cell[0]][cell[1]].get("category"), cell[2])
        for _, cell, _ in solve_relations(equations, values)
    )


def test_one_hidden_category_the_year_gives_back_is_found():
    # 40 placements in 2025: 99 hidden alone, 40 − 12 − 10 − 8 − 6 = 4 (areas shown in both).
    tables = {
        "i3_individuals": [{"year": 2025, "individuals": 30, "placements": 40}],
        "i3_placements": _areas(
            2025, {"01": (12, 9), "02": (10, 8), "03": (8, 7), "04": (6, 6), "99": (None, None)}
        ),
        "geographic_distribution": _geography(2025, {"01": 9, "02": 8, "03": 7, "04": 6}),
    }
    assert _found(tables) == [("i3_placements", "99", "placements")]


def test_an_area_hidden_in_one_table_and_shown_in_the_other_is_found():
    # Centrum and Sydväst hidden together in i3_placements (its relation holds: 18 over two),
    # but geographic_distribution shows both: the same count, so both are given back there.
    tables = {
        "i3_individuals": [{"year": 2025, "individuals": 30, "placements": 40}],
        "i3_placements": _areas(
            2025,
            {"01": (12, 9), "02": (None, None), "03": (None, None), "04": (6, 6), "99": (10, 6)},
        ),
        "geographic_distribution": _geography(2025, {"01": 9, "02": 8, "03": 7, "04": 6}),
    }
    assert _found(tables) == [
        ("i3_placements", "02", "individuals"),
        ("i3_placements", "03", "individuals"),
    ]


def test_areas_hidden_in_step_leave_nothing_to_work_out():
    tables = {
        "i3_individuals": [{"year": 2025, "individuals": 30, "placements": 40}],
        "i3_placements": _areas(
            2025,
            {"01": (12, 9), "02": (None, None), "03": (None, None), "04": (6, 6), "99": (10, 6)},
        ),
        "geographic_distribution": _geography(2025, {"01": 9, "02": None, "03": None, "04": 6}),
    }
    assert _found(tables) == []
