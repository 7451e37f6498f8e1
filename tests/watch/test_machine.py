"""watch's pure core: durations, the breach state machine, the schedule."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from watch_helpers import HIGH, LOW, THRESHOLDS

from ai_rollback.errors import UsageError
from ai_rollback.watch import (
    BLIND,
    BREACHING,
    CONFIRMED,
    HEALTHY,
    UNREADABLE,
    Watchdog,
    next_poll,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("60s", 60), ("0.5s", 0.5), ("250ms", 0.25), ("2h", 7200), ("1d", 86400), ("45", 45)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-5s", "fast", "5 min", "inf", "nan", "1e400s", "5x"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_watchdog_rules() -> None:
    dog = Watchdog(THRESHOLDS, breaches=2, blind_after=2)
    assert dog.observe({**LOW, "error-rate": 0.06}).status == BREACHING
    assert dog.observe({**LOW, "memory-usage": 0.9}).status == BREACHING  # another metric: no streak
    assert dog.observe(None, "down").status == UNREADABLE  # resets every streak
    assert dog.observe({**LOW, "memory-usage": 0.9}).status == BREACHING
    verdict = dog.observe({**LOW, "memory-usage": 0.95, "error-rate": math.nan})
    assert verdict.status == CONFIRMED and verdict.confirmed is not None
    assert (verdict.confirmed.metric, verdict.confirmed.value, verdict.confirmed.streak) == (
        "memory-usage",
        0.95,
        2,
    )
    dog = Watchdog(THRESHOLDS, breaches=1, blind_after=2)
    assert dog.observe({"error-rate": 0.05}).status == HEALTHY  # at the threshold is healthy
    assert dog.observe({"unknown": 9.0}).status == UNREADABLE
    assert dog.observe(None, "down").status == BLIND


def test_every_breach_confirmed_in_the_confirming_poll_is_named() -> None:
    """Issue 14, item 11: two metrics confirmed together are both named; one still building up is not."""
    dog = Watchdog(THRESHOLDS, breaches=2, blind_after=2)
    dog.observe({**LOW, "error-rate": 0.2, "memory-usage": 0.9})
    verdict = dog.observe({**LOW, "error-rate": 0.3, "memory-usage": 0.95, "response-time-ms": 2500.0})
    assert verdict.status == CONFIRMED
    assert [(b.metric, b.value, b.threshold, b.streak) for b in verdict.confirmed_breaches] == [
        ("error-rate", 0.3, 0.05, 2),
        ("memory-usage", 0.95, 0.85, 2),
    ]
    assert [b.metric for b in verdict.breaches] == ["error-rate", "response-time-ms", "memory-usage"]
    assert verdict.confirmed is not None and verdict.confirmed.metric == "error-rate"
    assert dog.observe(None, "down").confirmed_breaches == []


POLL = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={m: st.sampled_from([LOW[m], HIGH[m], math.nan]) for m in THRESHOLDS},
    ),
)


@given(polls=st.lists(POLL, max_size=12), needed=st.integers(1, 4), blind=st.integers(1, 4))
def test_watchdog_acts_exactly_on_n_consecutive_breaches_of_one_metric(
    polls: list[dict[str, float] | None], needed: int, blind: int
) -> None:
    """Against a direct reading of the rules over the whole history."""

    def readable(poll: dict[str, float] | None) -> bool:
        return bool(poll) and any(not math.isnan(v) for v in (poll or {}).values())

    dog = Watchdog(THRESHOLDS, needed, blind)
    for i, poll in enumerate(polls):
        verdict = dog.observe(poll, "x")
        history = polls[: i + 1]
        unread = len(history) - max((k + 1 for k, p in enumerate(history) if readable(p)), default=0)
        if unread:
            assert verdict.status == (BLIND if unread >= blind else UNREADABLE)
            continue
        since = history[max((k + 1 for k, p in enumerate(history) if not readable(p)), default=0) :]
        streak = dict.fromkeys(THRESHOLDS, 0)
        for p in since:
            for m, limit in THRESHOLDS.items():
                value = (p or {}).get(m, math.nan)
                streak[m] = streak[m] + 1 if not math.isnan(value) and value > limit else 0
        if max(streak.values()) >= needed:
            expected = CONFIRMED
        else:
            expected = BREACHING if any(streak.values()) else HEALTHY
        assert verdict.status == expected, (history, needed)
        if expected == CONFIRMED:
            return  # the watch stops here


def test_next_poll() -> None:
    assert next_poll(0.1, 0, 60, 1800) == (1, 60)
    assert next_poll(150, 0, 60, 1800) == (3, 180)
    assert next_poll(1750, 29, 60, 1800) == (30, 1800)
    assert next_poll(1800, 30, 60, 1800) is None
