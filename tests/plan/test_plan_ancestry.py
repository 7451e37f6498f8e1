"""The reachability index (pure) against a plain walk of ancestor sets, on random histories."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_rollback.plan import Ancestry, Commit, side_commits
from ai_rollback.plan.ancestry import mask, members


def random_dag(seed: int, size: int) -> list[list[int]]:
    """Parents of each commit, oldest first: chains, forks from far back, merges, roots."""
    rng = random.Random(seed)
    parents: list[list[int]] = []
    tips: list[int] = []
    for c in range(size):
        roll = rng.random()
        if c == 0 or roll < 0.03:
            mine: list[int] = []  # a root (or a parent outside the history)
        elif roll < 0.25 and len(tips) > 1:
            mine = rng.sample(tips, min(len(tips), rng.choice((2, 2, 3))))  # a merge (octopus now and then)
        elif roll < 0.4:
            mine = [rng.randrange(c)]  # a fork from anywhere before
        else:
            mine = [tips[-1] if tips else c - 1]
        parents.append(mine)
        tips = [*(t for t in tips if t not in mine)][-6:]
        tips.append(c)
    return parents


def walked(parents: list[list[int]], c: int) -> set[int]:
    found: set[int] = set()
    stack = list(parents[c])
    while stack:
        p = stack.pop()
        if p not in found:
            found.add(p)
            stack.extend(parents[p])
    return found


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), size=st.integers(1, 80))
def test_reaches_is_the_ancestor_walk(seed: int, size: int) -> None:
    parents = random_dag(seed, size)
    index = Ancestry.of(list(enumerate(parents)))
    for y in range(size):
        ancestors = walked(parents, y)
        assert set(members(index.closure(y))) == ancestors | {y}
        for x in range(size):
            assert index.reaches(y, x) == (x in ancestors or x == y)
            assert index.related(x, y) == (x in ancestors or y in walked(parents, x) or x == y)


def test_merges_bring_in_their_branch() -> None:
    # 0 - 1 - 2 - 5 (merge of 4)   3 forks from 0: 0 - 3 - 4
    parents = [[], [0], [1], [0], [3], [2, 4]]
    index = Ancestry.of(list(enumerate(parents)))
    assert set(members(index.brought_in([2, 4]))) == {3, 4}
    assert index.brought_in([None, 4]) == 0 and index.brought_in([]) == 0
    commits = [
        Commit(i, f"{i:040x}", [f"{p:040x}" for p in ps], "s", "human", "r") for i, ps in enumerate(parents)
    ]
    assert side_commits(commits) == {5: {3, 4}}


def test_unknown_commits_and_order() -> None:
    index = Ancestry()
    index.add(0, [None])
    index.add(1, [0, 7])  # 7: outside the history
    index.add(1, [0])  # added once
    assert index.reaches(1, 0) and not index.reaches(1, 7) and not index.reaches(0, -1)
    assert 1 in index and 7 not in index and index.closure(7) == 0
    assert not index.reaches(9, 0)
    index.add(5, [1])
    with pytest.raises(ValueError, match="topological"):
        index.add(3, [5])


def test_masks_and_members() -> None:
    assert mask([]) == 0 and mask([-1]) == 0
    assert mask([0, 3, 9]) == 0b1000001001
    many = set(range(0, 3000, 7))
    assert set(members(mask(many))) == many
    assert list(members(0)) == []


@pytest.mark.parametrize(
    "indices",
    [
        [0, 5, 4095],  # a few: big-integer steps
        list(range(0, 3000, 7)),  # dense: byte by byte
        [0, 63, 64, 127, 4096, 49_999, *range(10_000, 10_640, 10)],  # sparse: 64-bit words
        [*range(100), 50_000 * 64],  # a dense run in a long, sparse set
    ],
)
def test_members_lists_every_bit_in_order_whatever_the_density(indices: list[int]) -> None:
    assert list(members(mask(indices))) == sorted(set(indices))


def test_the_history_index_is_built_again_for_a_list_grown_since() -> None:
    """plan.ancestry keeps the last list's index; the same list grown since gets a new one."""
    from ai_rollback.plan import ancestry

    commits = [Commit(0, f"{0:040x}", [], "s", "human", "r")]
    first = ancestry(commits)
    assert ancestry(commits) is first  # the same history: built once
    commits.append(Commit(1, f"{1:040x}", [f"{0:040x}"], "s", "human", "r"))
    grown = ancestry(commits)
    assert grown is not first and grown.reaches(1, 0)
