"""``watch``'s loop: poll on the clock, judge each sample, act once, report every step.

:func:`run` polls a :class:`Source` on the schedule of
:func:`~ai_rollback.watch.machine.next_poll`, feeds the
:class:`~ai_rollback.watch.machine.Watchdog`, and on a confirmed breach runs
the actions (on blindness only the alerts).  ``_Reporter`` prints a line per
poll and per action, or JSON lines, credentials redacted.  The clock and
``sleep`` are parameters, so tests run it on a fake clock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ai_rollback.credentials import redact_text
from ai_rollback.errors import CHECK_FAILED, ENVIRONMENT, INTERRUPTED, OK, ROLLBACK_FAILED
from ai_rollback.watch.actions import (
    Outcome,
    Plan,
    _jsonable,
    alert_for,
    breaches_text,
    run_rollback,
    send_alerts,
)
from ai_rollback.watch.machine import (
    BLIND,
    CONFIRMED,
    HEALTHY,
    UNREADABLE,
    Verdict,
    Watchdog,
    format_duration,
    next_poll,
)
from ai_rollback.watch.sources import SourceError


class Source(Protocol):
    """What :func:`run` needs of a source."""

    def describe(self) -> str: ...

    def read(self) -> dict[str, float]: ...


@dataclass
class Options:
    tag: str
    duration: float
    interval: float
    thresholds: dict[str, float]
    breaches: int
    blind_after: int
    plan: Plan
    fmt: str = "text"
    previous: str | None = None  # the release a rollback returns to (named in the alerts)
    #: records what happened in git (``healthy`` or ``rolled-back``); None: nothing is recorded
    record: Callable[[str], Outcome] | None = None
    #: ``--disable-flags``: switches the release's AI flags off, the first step on a confirmed breach
    disable_flags: Callable[[], Outcome] | None = None


def run(
    options: Options,
    source: Source,
    emit: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Watch until the period ends (0), a breach is confirmed (1, or 4 if the rollback failed),
    or the source stays unreadable (3).  Ctrl-C stops it cleanly (130)."""
    dog = Watchdog(options.thresholds, options.breaches, options.blind_after)
    report = _Reporter(options, emit)
    report.start(source)
    start = clock()
    polls = slot = 0
    verdict: Verdict | None = None
    done: list[Outcome] | None = None  # the actions that ran, once acting started
    flags: Outcome | None = None  # --disable-flags: how switching them off went
    flags_at = 0  # the poll that switched them off
    try:
        while True:
            polls += 1
            try:
                values: dict[str, float] | None = source.read()
                error = None
            except SourceError as exc:
                values, error = None, str(exc)
            verdict = dog.observe(values, error)
            report.poll(polls, clock() - start, verdict)
            if verdict.status == CONFIRMED and options.disable_flags is not None and flags is None:
                flags, flags_at = _flags_off(options, verdict, polls, report), polls
                if flags.ok:  # the first step: now the breach must hold anew before a rollback
                    dog = Watchdog(options.thresholds, options.breaches, options.blind_after)
                else:
                    done = [flags]
                    return _act(options, verdict, polls, report, done)
            elif verdict.status == CONFIRMED:
                done = [] if flags is None else [flags]
                return _act(options, verdict, polls, report, done)
            if verdict.status == BLIND:
                return _blind(options, verdict, polls, report, [] if flags is None else [flags])
            following = next_poll(clock() - start, slot, options.interval, options.duration)
            if following is None and flags is not None and polls - flags_at < options.breaches:
                # the flags went off late: the watch goes on until the breach could hold again
                following = (slot + 1, clock() - start + options.interval)
            if following is None:
                break
            slot, due = following
            sleep(max(0.0, start + due - clock()))
    except KeyboardInterrupt:
        if (done is None or verdict is None) and flags is not None and flags.ok and flags.done:
            alert = {
                "text": f"ai-rollback watch {options.tag}: interrupted (Ctrl-C) after the AI flags were "
                f"switched off ({flags.detail}); nothing was rolled back",
                "tag": options.tag,
                "status": "interrupted",
                "polls": polls,
            }
            report.finish("interrupted after the flags", INTERRUPTED, polls, send_alerts(options.plan, alert))
        elif done is None or verdict is None:
            report.finish("interrupted", INTERRUPTED, polls, [])
        else:
            alert = alert_for(options.tag, "interrupted", verdict, done, polls, options.previous)
            report.finish(
                "interrupted while acting", INTERRUPTED, polls, done + send_alerts(options.plan, alert)
            )
        return INTERRUPTED
    if verdict is not None and verdict.status == UNREADABLE:
        return _blind(options, verdict, polls, report, [] if flags is None else [flags])  # not "healthy"
    if flags is not None:  # the breach did not come back with the flags off: that resolved it
        return _resolved_by_flags(options, flags, verdict, polls, report)
    recorded = [options.record(HEALTHY)] if options.record and not options.plan.dry_run else []
    report.finish(HEALTHY, OK, polls, recorded, last=verdict)
    return OK


def _flags_off(options: Options, verdict: Verdict, polls: int, report: _Reporter) -> Outcome:
    """The first step on a confirmed breach: the AI flags off; an alert says so; the watch goes on."""
    if options.plan.dry_run:
        flags = Outcome("flags-off", True, "would switch off the release's AI flags", done=False)
    else:
        assert options.disable_flags is not None  # noqa: S101 - the caller checked
        flags = options.disable_flags()
    held = breaches_text(verdict.confirmed_breaches)
    if flags.ok:
        text = (
            f"ai-rollback watch {options.tag}: {held}; {flags.detail}; watching on: a rollback follows "
            f"if the breach holds for {options.breaches} more polls"
        )
        alert = {"text": text, "tag": options.tag, "status": "flags-off", "polls": polls}
        report.step(flags, send_alerts(options.plan, alert))
    return flags


def _resolved_by_flags(
    options: Options, flags: Outcome, verdict: Verdict | None, polls: int, report: _Reporter
) -> int:
    if not flags.done:  # a dry run: nothing was switched, so nothing was resolved by it
        report.finish("dry-run flags", CHECK_FAILED, polls, [], last=verdict)
        return CHECK_FAILED
    text = (
        f"ai-rollback watch {options.tag}: resolved by switching off its AI flags ({flags.detail}): "
        f"no breach held for the rest of the watch; nothing was rolled back"
    )
    alert = {"text": text, "tag": options.tag, "status": "resolved-by-flags", "polls": polls}
    outcomes = send_alerts(options.plan, alert)
    report.finish("resolved-by-flags", CHECK_FAILED, polls, outcomes, last=verdict)
    return CHECK_FAILED


def _blind(
    options: Options, verdict: Verdict, polls: int, report: _Reporter, before: Sequence[Outcome] = ()
) -> int:
    """Blind: the alerts only (``before``: what was done already, the flags switched off)."""
    alert = alert_for(options.tag, BLIND, verdict, before, polls, options.previous)
    report.finish(BLIND, ENVIRONMENT, polls, send_alerts(options.plan, alert))
    return ENVIRONMENT


def _act(options: Options, verdict: Verdict, polls: int, report: _Reporter, done: list[Outcome]) -> int:
    """The actions; ``done`` fills as they complete (what Ctrl-C leaves behind is known)."""
    plan = options.plan
    run_rollback(plan, done)
    failed = any(not o.ok for o in done if o.action != "flags-off")  # the rollback's own actions
    status = "rollback-failed" if failed else ("rolled-back" if plan.rolls_back else "breach")
    if plan.dry_run:
        status = "dry-run"
    deployed = any(o.action == "rollback-command" and o.ok and o.done for o in done)
    if deployed and options.record is not None:  # even if --revert failed after it: production moved
        done.append(options.record("rolled-back"))  # before the alert, which can then say so
    outcomes = done + send_alerts(
        plan, alert_for(options.tag, status, verdict, done, polls, options.previous)
    )
    code = ROLLBACK_FAILED if failed else CHECK_FAILED
    report.finish(status, code, polls, outcomes, last=verdict)
    return code


class _Reporter:
    """A line per poll and per action: text, or JSON lines with ``--format json``."""

    def __init__(self, options: Options, emit: Callable[[str], None]) -> None:
        self.options = options
        self._write = emit
        self.json = options.fmt == "json"

    def emit(self, line: str) -> None:
        """A text line, credentials redacted."""
        self._write(redact_text(line))

    def _event(self, **fields: object) -> None:
        """A JSON line, each string in it credentials redacted."""
        self._write(json.dumps(_jsonable(fields), ensure_ascii=False))

    def start(self, source: Source) -> None:
        o = self.options
        if self.json:
            self._event(
                event="start",
                tag=o.tag,
                source=source.describe(),
                duration=o.duration,
                interval=o.interval,
                thresholds=o.thresholds,
                breaches=o.breaches,
                dry_run=o.plan.dry_run,
            )
            return
        limits = ", ".join(f"{m} > {t:g}" for m, t in o.thresholds.items())
        self.emit(
            f"watching {o.tag} for {format_duration(o.duration)}, every {format_duration(o.interval)}, "
            f"through {source.describe()}; acting when {limits} holds for {o.breaches} polls"
            + (" (dry run: nothing will be done)" if o.plan.dry_run else "")
        )

    def poll(self, number: int, elapsed: float, verdict: Verdict) -> None:
        if self.json:
            self._event(
                event="poll",
                poll=number,
                elapsed=round(elapsed, 3),
                status=verdict.status,
                values=verdict.values,
                breaches=[
                    {"metric": b.metric, "value": b.value, "threshold": b.threshold, "streak": b.streak}
                    for b in verdict.breaches
                ],
                error=verdict.error,
            )
            return
        if verdict.error is not None:
            detail = (
                f"cannot read the metrics: {verdict.error} ({verdict.unreadable}/{self.options.blind_after})"
            )
        else:
            over = {b.metric: b for b in verdict.breaches}
            parts = []
            for metric, value in verdict.values.items():
                b = over.get(metric)
                limit = self.options.thresholds[metric]
                parts.append(
                    f"{metric} {value:g} > {limit:g} ({b.streak}/{self.options.breaches})"
                    if b
                    else f"{metric} {value:g}"
                )
            detail = ", ".join(parts)
        self.emit(f"[{elapsed:7.1f}s] poll {number}: {verdict.status}: {detail}")

    def step(self, flags: Outcome, alerts: Sequence[Outcome]) -> None:
        """A step that does not end the watch (the flags switched off), and its alerts."""
        for outcome in (flags, *alerts):
            if self.json:
                self._event(event="action", action=outcome.action, ok=outcome.ok, detail=outcome.detail)
            else:
                self.emit(f"  {outcome.action}: {'ok' if outcome.ok else 'FAILED'}: {outcome.detail}")
        if flags.ok and not self.json:
            self.emit(
                f"watching on: a rollback follows if the breach holds for {self.options.breaches} more polls"
            )

    def finish(
        self, status: str, code: int, polls: int, outcomes: Sequence[Outcome], last: Verdict | None = None
    ) -> None:
        o = self.options
        if self.json:
            for outcome in outcomes:
                self._event(event="action", action=outcome.action, ok=outcome.ok, detail=outcome.detail)
            self._event(event="end", status=status, exit=code, polls=polls)
            return
        for outcome in outcomes:
            self.emit(f"  {outcome.action}: {'ok' if outcome.ok else 'FAILED'}: {outcome.detail}")
        if status == HEALTHY:
            tail = ""
            if last is not None and last.breaches:
                tail = "; the last poll was breaching, not yet confirmed"
            self.emit(f"{o.tag} stayed healthy for {format_duration(o.duration)} ({polls} polls){tail}")
        elif status == "interrupted":
            self.emit(f"stopped after {polls} polls; nothing was done")
        elif status == "interrupted while acting":
            self.emit(f"interrupted after {polls} polls, while rolling back: what finished is listed above")
        elif status == BLIND:
            self.emit(f"gave up: the metrics could not be read; nothing was rolled back (exit {code})")
        elif status == "interrupted after the flags":
            self.emit(f"stopped after {polls} polls; the AI flags were switched off, nothing was rolled back")
        elif status == "dry-run flags":
            self.emit(
                f"dry run: the AI flags would have been switched off; no breach held after that "
                f"({polls} polls); nothing was done (exit {code})"
            )
        elif status == "resolved-by-flags":
            self.emit(
                f"resolved by switching off the AI flags: no breach held after it ({polls} polls); "
                f"nothing was rolled back (exit {code})"
            )
        else:
            held = last.confirmed_breaches if last is not None else []
            named = " (" + breaches_text(held) + ")" if held else ""
            if status == "dry-run":
                self.emit(f"breach confirmed{named}; dry run: nothing was done (exit {code})")
            elif status == "breach":
                self.emit(f"breach confirmed{named}; no rollback action is configured (exit {code})")
            elif status == "rolled-back":
                self.emit(f"breach confirmed{named}; rolled back (exit {code})")
            else:
                self.emit(f"breach confirmed{named}; the rollback FAILED (exit {code})")
