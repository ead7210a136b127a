"""placement_pipeline and candidate_pool: the privacy guard's reading of candidate_pool's
relation (per dimension, the categories sum to the one Alla row), on rows written in the test.
The marts' rules themselves are dbt unit tests in dbt_project/models/marts/_pipeline__models.yml."""

from __future__ import annotations

from hansyn.publishing.privacy import declared_privacy, relation_equations, solve_relations

TARGET_GROUPS = [
    "Långtidsarbetslös",
    "Nyanländ",
    "Ung 16–29",
    "Person med funktionsnedsättning",
    "Försörjningsstöd",
]


def pool(target_groups: list, areas: list, alla) -> list[dict]:
    """candidate_pool's rows with these candidates (None: hidden); the other counts 0."""
    rows = [("target_group", g, n) for g, n in zip(TARGET_GROUPS, target_groups, strict=True)]
    rows += [
        ("stadsomrade", a, n) for a, n in zip(["01", "02", "03", "04", "99"], areas, strict=True)
    ]
    rows.append(("Alla", "Alla", alla))
    return [
        {"dimension": d, "category": c, "candidates": n, "waiting_over_6_months": 0, "referred": 0}
        for d, c, n in rows
    ]


def test_each_dimension_sums_to_the_alla_row_and_alla_is_no_part():
    """Three relations (candidates, waiting, referred) × two dimensions = six equations, each
    with the Alla row (row 10) as its total and its dimension's five rows as parts; the Alla
    row's own group has no parts and is no equation (it would say Alla = 0)."""
    equations, values = relation_equations(
        {"candidate_pool": pool([2, 6, 7, 0, 5], [5, 5, 9, 0, 1], 20)}, declared_privacy()
    )
    mine = [eq for eq in equations if eq.table == "candidate_pool"]
    assert sorted((eq.relation, eq.group) for eq in mine) == sorted(
        (relation, f"dimension={dimension}")
        for relation in (
            "categories_candidates_sum_to_alla",
            "categories_waiting_sum_to_alla",
            "categories_referred_sum_to_alla",
        )
        for dimension in ("target_group", "stadsomrade")
    )
    for eq in mine:
        assert eq.total == ("candidate_pool", 10, eq.total[2])
        start = 0 if eq.group == "dimension=target_group" else 5
        assert [p[1] for p in eq.parts] == list(range(start, start + 5))
    assert values[("candidate_pool", 10, "candidates")] == 20


def test_a_lone_hidden_category_is_found_and_a_protected_pair_is_not():
    """Långtidsarbetslös hidden alone: 20 − 6 − 7 − 0 − 5 = 2 gives it back. Hidden with
    Försörjningsstöd (the model's complementary cell), the pair sums to 7: any split of 7 into
    two counts of at least 1 fits, so nothing follows. The areas: 99 and 01 hidden, 6 over 2."""
    declared = declared_privacy()
    lone = pool([None, 6, 7, 0, 5], [None, 5, 9, 0, None], 20)
    found = solve_relations(*relation_equations({"candidate_pool": lone}, declared))
    assert [(cell, eq.group) for eq, cell, _ in found] == [
        (("candidate_pool", 0, "candidates"), "dimension=target_group")
    ]

    pair = pool([None, 6, 7, 0, None], [None, 5, 9, 0, None], 20)
    assert solve_relations(*relation_equations({"candidate_pool": pair}, declared)) == []
