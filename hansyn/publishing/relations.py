"""Whether a hidden count follows from the published ones: every declared relation solved together.

An attacker with the published tables knows every relation (a total and its parts) and that a
hidden count is a whole number of at least 1 (0 is always published). The relations that share a
hidden cell form one system of equations (e.g. a year's geography: the revealed total = Σ
stadsområden, each stadsområde = Σ its mellanområden); for each hidden cell of a system the
smallest and the largest value the system allows are found by integer linear programming
(HiGHS, through scipy). A cell whose smallest and largest value are equal is pinned: published
in all but name. Checking one relation at a time misses pins that need two relations (issue 24,
class 11).

The equations come from `hansyn.publishing.privacy.relation_equations` (the declarations in the
marts' YAML): anything with `total` and `parts` cells (table, row, column), and the published
value of each cell (None: hidden).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp


class Relation(Protocol):
    """One equation of a declared relation: total = Σ parts."""

    table: str
    relation: str
    total: Hashable
    parts: Sequence[Hashable]


@dataclass(frozen=True)
class Pinned:
    """A hidden cell that the published values determine."""

    cell: Hashable
    value: int
    relations: tuple[str, ...]  # table.relation of every equation of the cell's system


def _systems(equations: Iterable[Relation], hidden: set) -> list[list[Relation]]:
    """The equations grouped into connected systems: two share a system when they share a hidden
    cell (a published cell is a constant and links nothing)."""
    parent: dict = {}

    def find(cell):
        parent.setdefault(cell, cell)
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    with_unknowns = []
    for eq in equations:
        unknown = [c for c in (eq.total, *eq.parts) if c in hidden]
        if not unknown:
            continue
        with_unknowns.append((eq, unknown[0]))
        for cell in unknown[1:]:
            parent[find(cell)] = find(unknown[0])
    systems: dict = {}
    for eq, cell in with_unknowns:
        systems.setdefault(find(cell), []).append(eq)
    return list(systems.values())


def _solve(c: np.ndarray, constraint: LinearConstraint, bounds: Bounds) -> np.ndarray | None:
    """A whole-number solution minimising c·x; None when there is none or it is unbounded
    (a system of published tables always has one: the values that were hidden)."""
    result = milp(c, constraints=constraint, integrality=np.ones(len(c)), bounds=bounds)
    return np.round(result.x) if result.status == 0 else None


def pinned_cells(
    equations: Iterable[Relation],
    values: Mapping[Hashable, float | None],
    lower: Mapping[Hashable, float] | None = None,
) -> list[Pinned]:
    """Every hidden cell (value None) that the equations, solved together, allow only one value.

    A hidden cell is at least 1 (the small-number rule hides only non-zero counts; 0 is always
    published) unless `lower` says otherwise (e.g. 0 for a total no column reveals); no cell has
    an upper bound but what the equations give (a complementary cell can be any size).
    """
    lower = lower or {}
    hidden = {cell for cell, value in values.items() if value is None}
    found: list[Pinned] = []
    for system in _systems(equations, hidden):
        cells = sorted({c for eq in system for c in (eq.total, *eq.parts) if c in hidden}, key=repr)
        index = {c: i for i, c in enumerate(cells)}
        rows, rhs = [], []
        for eq in system:
            row = np.zeros(len(cells))
            constant = 0.0
            for sign, cell in [(1.0, eq.total), *((-1.0, p) for p in eq.parts)]:
                if cell in index:
                    row[index[cell]] += sign
                else:
                    constant -= sign * values[cell]
            rows.append(row)
            rhs.append(constant)
        constraint = LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))
        bounds = Bounds(np.array([lower.get(c, 1.0) for c in cells]), np.full(len(cells), np.inf))
        names = tuple(sorted({f"{eq.table}.{eq.relation}" for eq in system}))
        found += [
            Pinned(cells[i], value, names)
            for i, value in _pinned_in_system(constraint, bounds, sum(map(abs, rhs)))
        ]
    return found


def _pinned_in_system(
    constraint: LinearConstraint, bounds: Bounds, scale: float
) -> list[tuple[int, int]]:
    """(index, value) of each variable that has one value in every whole-number solution.

    One solution (the smallest sum) is the reference; a variable that another solution gives
    another value is free. A few solutions with random objectives free some at once; each one
    still undecided is then maximised and minimised on its own (without the box, so that an
    unbounded maximum frees it)."""
    size = len(bounds.lb)
    reference = _solve(np.ones(size), constraint, bounds)
    if reference is None:
        return []
    free = np.zeros(size, dtype=bool)

    def absorb(solution: np.ndarray | None) -> None:
        if solution is not None:
            free[solution != reference] = True

    # Any solution is a witness; the box only keeps the objectives finite. Objectives that pull
    # the undecided variables different ways (seeded: the same check gives the same answer)
    # free most of them in a few solves.
    box = Bounds(bounds.lb, np.full(size, scale + size + 1.0))
    weights = np.random.default_rng(0)
    for _ in range(4):
        undecided = ~free
        if not undecided.any():
            break
        absorb(_solve(np.where(undecided, weights.uniform(-1, 1, size), 0.0), constraint, box))
    pinned = []
    for i in range(size):
        for sense in (-1.0, 1.0):
            if free[i]:
                break
            c = np.zeros(size)
            c[i] = sense
            solution = _solve(c, constraint, bounds)
            if solution is None and sense < 0:
                free[i] = True  # unbounded above
            absorb(solution)
        if not free[i]:
            pinned.append((i, int(reference[i])))
    return pinned
