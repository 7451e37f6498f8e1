"""The pure core of ``watch``: durations, the schedule, and the breach state machine.

:class:`Watchdog` turns samples (plain numbers, or "could not read") into
verdicts (:class:`Verdict`); :func:`next_poll` says when the next poll falls.  Nothing
here reads a clock, a socket or a process.

Rules:

* A metric breaches when its value is **above** its threshold.  A breach is
  confirmed when the same metric breaches in ``breaches`` consecutive polls:
  one noisy sample never rolls anything back.  Every metric confirmed in the
  confirming poll is named (:attr:`Verdict.confirmed_breaches`).
* A poll that cannot be read resets every streak (no evidence is not
  evidence), and ``blind_after`` unreadable polls in a row end the watch
  (exit 3) with an alert and **no** rollback: a blind watchdog does not act.
* A metric missing from a sample (an empty Prometheus result, NaN) breaks
  its own streak: a breach is confirmed only by consecutive polls that saw
  it.  A sample with none of the metrics is unreadable.
* Polls fall every ``interval`` and at the end of the period; a slow poll
  makes the next ones skip their slots rather than run back to back.  A
  period that ends on an unreadable poll is not called healthy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from ai_rollback.errors import UsageError

#: The metrics, with their default thresholds (also in config.WATCH_METRICS).
METRICS = ("error-rate", "response-time-ms", "memory-usage")

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds in ``30m``, ``60s``, ``0.5s``, ``250ms``, ``2h``, ``1d`` (a bare number is seconds)."""
    raw = text.strip()
    number = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(number) :] or "s"
    try:
        value = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UsageError(
            f"{what} {text!r} is not a positive duration", hint="write it like 30m, 60s, 0.5s or 2h"
        )
    return value


def format_duration(seconds: float) -> str:
    for unit, size in (("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


# --------------------------------------------------------------------------
# The state machine
# --------------------------------------------------------------------------

HEALTHY = "healthy"
BREACHING = "breaching"
CONFIRMED = "confirmed"
UNREADABLE = "unreadable"
BLIND = "blind"


@dataclass(frozen=True)
class Breach:
    metric: str
    value: float
    threshold: float
    streak: int


@dataclass(frozen=True)
class Verdict:
    """What one poll says."""

    status: str  # HEALTHY, BREACHING, CONFIRMED, UNREADABLE or BLIND
    values: dict[str, float]
    breaches: list[Breach] = field(default_factory=list)  # every metric above its threshold
    error: str | None = None  # why the poll could not be read
    unreadable: int = 0  # unreadable polls in a row
    needed: int = 1  # the streak that confirms a breach

    @property
    def confirmed_breaches(self) -> list[Breach]:
        """Every breach that held long enough in this poll, in metric order (none unless CONFIRMED)."""
        if self.status != CONFIRMED:
            return []
        return [b for b in self.breaches if b.streak >= self.needed]

    @property
    def confirmed(self) -> Breach | None:
        """The first of the confirmed breaches with the longest streak."""
        return max(self.confirmed_breaches, key=lambda b: b.streak, default=None)


class Watchdog:
    """Consecutive-breach and blindness bookkeeping over plain samples."""

    def __init__(self, thresholds: Mapping[str, float], breaches: int, blind_after: int) -> None:
        if breaches < 1 or blind_after < 1:
            raise ValueError("breaches and blind_after must be at least 1")
        self.thresholds = dict(thresholds)
        self.needed = breaches
        self.blind_after = blind_after
        self.streaks = dict.fromkeys(self.thresholds, 0)
        self.unreadable = 0

    def observe(self, values: Mapping[str, float] | None, error: str | None = None) -> Verdict:
        """One poll: the values read (metric -> number), or None and why it could not be read."""
        known = {m: v for m, v in (values or {}).items() if m in self.thresholds and not math.isnan(v)}
        if values is None or not known:
            self.streaks = dict.fromkeys(self.thresholds, 0)
            self.unreadable += 1
            status = BLIND if self.unreadable >= self.blind_after else UNREADABLE
            reason = error or "the sample holds none of " + ", ".join(self.thresholds)
            return Verdict(status, known, error=reason, unreadable=self.unreadable, needed=self.needed)
        self.unreadable = 0
        breaches = []
        for metric, threshold in self.thresholds.items():
            value = known.get(metric)
            if value is not None and value > threshold:
                self.streaks[metric] += 1
                breaches.append(Breach(metric, value, threshold, self.streaks[metric]))
            else:
                self.streaks[metric] = 0
        if any(b.streak >= self.needed for b in breaches):
            return Verdict(CONFIRMED, known, breaches, needed=self.needed)
        return Verdict(BREACHING if breaches else HEALTHY, known, breaches, needed=self.needed)


# --------------------------------------------------------------------------
# The schedule
# --------------------------------------------------------------------------


def next_poll(now: float, slot: int, interval: float, duration: float) -> tuple[int, float] | None:
    """When to poll next, ``now`` seconds into the watch, after the poll of slot ``slot``.

    Polls fall on the slots ``k * interval``, then on the end of the period
    itself.  A slot already past (a slow poll) is skipped, never made up back
    to back: consecutive polls stay at least an interval apart, so they stay
    evidence of a breach that lasts.  None: the period is over.
    """
    if now >= duration - 1e-9:
        return None
    k = max(slot + 1, math.ceil(now / interval - 1e-9))
    return (k, k * interval) if k * interval < duration - 1e-9 else (k, duration)


def planned_polls(duration: float, interval: float) -> int:
    """How many polls a watch makes when no poll is slow."""
    return math.ceil(duration / interval - 1e-9) + 1
