"""The effect estimates' declared relations, solved by the publication's guard: a hidden target
group that Alla gives back is found, one protected by a complementary cell is not, and
i2_benefit_effects' individuals (the same persons as the treated) must be hidden with them."""

from hansyn.publishing.privacy import declared_privacy, relation_equations, solve_relations


def _estimates(treated: dict, matched: dict) -> list[dict]:
    return [
        {
            "cohort_year": 2024,
            "benefit_type": "försörjningsstöd",
            "target_group": group,
            "treated": treated[group],
            "matched": matched[group],
        }
        for group in treated
    ]


def _benefits(individuals: dict) -> list[dict]:
    return [
        {
            "cohort_year": 2024,
            "benefit_type": "försörjningsstöd",
            "target_group": group,
            "individuals": n,
        }
        for group, n in individuals.items()
        if group != "Alla"
    ]


def _found(tables: dict) -> list[str]:
    equations, values = relation_equations(tables, declared_privacy())
    return sorted(f"{cell[0]}.{cell[2]}" for _, cell, _ in solve_relations(equations, values))


def test_a_target_group_alla_gives_back_is_found():
    treated = {"Alla": 25, "Nyanländ": 8, "Långtidsarbetslös": None, "Ung 16–29": 14}
    matched = {"Alla": 15, "Nyanländ": 7, "Långtidsarbetslös": None, "Ung 16–29": 5}
    tables = {"i2_effect_estimates": _estimates(treated, matched)}
    assert _found(tables) == ["i2_effect_estimates.matched", "i2_effect_estimates.treated"]


def test_complementary_cells_leave_nothing_to_work_out():
    # As the model publishes it: Ung 16–29's matched hidden with Långtidsarbetslös's, and its
    # treated too (Nyanländ's 8 would be the smallest; any second part protects).
    treated = {"Alla": 25, "Nyanländ": None, "Långtidsarbetslös": None, "Ung 16–29": 14}
    matched = {"Alla": 15, "Nyanländ": 7, "Långtidsarbetslös": None, "Ung 16–29": None}
    individuals = {"Nyanländ": None, "Långtidsarbetslös": None, "Ung 16–29": 14}
    tables = {
        "i2_effect_estimates": _estimates(treated, matched),
        "i2_benefit_effects": _benefits(individuals),
    }
    assert _found(tables) == []


def test_individuals_shown_where_the_treated_are_hidden_give_them_back():
    treated = {"Alla": 25, "Nyanländ": None, "Långtidsarbetslös": None, "Ung 16–29": 14}
    matched = {"Alla": 15, "Nyanländ": 7, "Långtidsarbetslös": None, "Ung 16–29": None}
    # i2_benefit_effects shows Nyanländ's 8 persons: Alla − 8 − 14 gives Långtidsarbetslös.
    individuals = {"Nyanländ": 8, "Långtidsarbetslös": None, "Ung 16–29": 14}
    tables = {
        "i2_effect_estimates": _estimates(treated, matched),
        "i2_benefit_effects": _benefits(individuals),
    }
    assert "i2_effect_estimates.treated" in _found(tables)
