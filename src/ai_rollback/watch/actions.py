"""What ``watch`` does on a confirmed breach (or, blind, only the alerts).

:func:`run_rollback` runs the rollback command, then ``ai-revert --tag ...
--incident``; every action runs even when an earlier one failed, and a
rollback command is shown by its program name only (its arguments may carry
credentials).  :func:`alert_for` writes the alert, :func:`send_alerts` POSTs
it to the webhook and gives it to the alert command on standard input, every
string in it passed through :func:`~ai_rollback.credentials.redact_text`
first (a tag, a command's last line of errors, a source's error can hold a
credential).  Each action ends as an :class:`Outcome`.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from ai_rollback.credentials import redact_text
from ai_rollback.watch.machine import Breach, Verdict
from ai_rollback.watch.sources import (
    OUTPUT_LIMIT,
    RunError,
    SourceError,
    _http,
    _last_line,
    capped_run,
    redact_url,
)


@dataclass
class Outcome:
    action: str  # "rollback-command", "revert", "alert-webhook", "alert-command"
    ok: bool
    detail: str
    done: bool = True  # False: a dry run, only described


@dataclass
class Plan:
    """What to do on a confirmed breach (or when blind: only the alerts)."""

    rollback_command: list[str] | None = None
    revert_tag: str | None = None  # the AI tag whose range ai-revert reverts
    webhook: str | None = None
    alert_command: list[str] | None = None
    repo_root: str | None = None
    timeout: float = 10.0
    rollback_timeout: float = 600.0
    dry_run: bool = False
    #: the placeholders' environment variables (AI_ROLLBACK_TAG, ...) for the commands we run
    env: Mapping[str, str] | None = None
    #: held while the rollback command runs (the repository's rollback lock); refused: not run
    lock: Callable[[], AbstractContextManager[None]] | None = None

    @property
    def rolls_back(self) -> bool:
        return bool(self.rollback_command or self.revert_tag)


def run_rollback(plan: Plan, out: list[Outcome] | None = None) -> list[Outcome]:
    """The rollback actions, in order, appended to ``out`` as each ends; every one runs."""
    out = [] if out is None else out
    if plan.rollback_command:
        shown = os.path.basename(plan.rollback_command[0])  # its arguments may carry credentials
        if plan.dry_run:
            out.append(Outcome("rollback-command", True, f"would run {shown}", done=False))
        else:
            out.append(_locked_rollback(plan, shown))
    if plan.revert_tag:
        argv = [
            sys.executable,
            "-P",
            "-m",
            "ai_rollback",
            "revert",
            "--tag",
            plan.revert_tag,
            "--yes",
            "--incident",
        ]
        shown = f"ai-revert --tag {plan.revert_tag} --yes --incident"
        if plan.dry_run:
            out.append(Outcome("revert", True, f"would run {shown}", done=False))
        else:
            out.append(_run("revert", argv, plan.rollback_timeout, shown, cwd=plan.repo_root))
    return out


def _locked_rollback(plan: Plan, shown: str) -> Outcome:
    """The rollback command, under the repository's rollback lock when there is one."""
    from contextlib import nullcontext

    from ai_rollback.errors import AiRollbackError

    argv = plan.rollback_command or []
    try:
        with plan.lock() if plan.lock else nullcontext():
            return _run(
                "rollback-command",
                argv,
                plan.rollback_timeout,
                shown,
                env=plan.env,
                limit=None,  # a deploy may say a lot: it is never stopped for that
            )
    except AiRollbackError as exc:
        return Outcome("rollback-command", False, f"{shown} was not run: {exc.message}")


def _run(
    action: str,
    argv: Sequence[str],
    timeout: float,
    shown: str,
    cwd: str | None = None,
    stdin: bytes = b"",
    env: Mapping[str, str] | None = None,
    limit: int | None = OUTPUT_LIMIT,
    tee: bool = False,
) -> Outcome:
    try:
        code, _, err = capped_run(argv, timeout, stdin=stdin, cwd=cwd, env=env, limit=limit, tee=tee)
    except RunError as exc:
        return Outcome(action, False, f"{shown}: {exc}")
    if code != 0:
        return Outcome(action, False, f"{shown} exited {code}: {_last_line(err)}")
    return Outcome(action, True, f"ran {shown}")


def _jsonable(data: object) -> object:
    """``data`` as written out: every string credential-redacted, Infinity and NaN as strings ("inf").

    Each string is redacted on its own, before it is serialised, so a redacted
    span never swallows the JSON around it.
    """
    if isinstance(data, str):
        return redact_text(data)
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {k: _jsonable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_jsonable(v) for v in data]
    return data


def send_alerts(plan: Plan, alert: Mapping[str, object]) -> list[Outcome]:
    payload = json.dumps(_jsonable(dict(alert))).encode()  # the webhook's and the command's
    out = []
    if plan.webhook:
        where = redact_url(plan.webhook)
        if plan.dry_run:
            out.append(Outcome("alert-webhook", True, f"would POST the alert to {where}", done=False))
        else:
            try:
                _http(plan.webhook, payload, plan.timeout)
                out.append(Outcome("alert-webhook", True, f"posted the alert to {where}"))
            except SourceError as exc:
                out.append(Outcome("alert-webhook", False, f"alert not delivered: {exc}"))
    if plan.alert_command:
        shown = os.path.basename(plan.alert_command[0])
        if plan.dry_run:
            out.append(Outcome("alert-command", True, f"would run {shown} with the alert", done=False))
        else:
            out.append(
                _run("alert-command", plan.alert_command, plan.timeout, shown, stdin=payload, env=plan.env)
            )
    return out


def alert_for(
    tag: str,
    status: str,
    verdict: Verdict,
    outcomes: Sequence[Outcome],
    polls: int,
    previous: str | None = None,
) -> dict[str, object]:
    """The alert: Slack-compatible ``text``, and the facts as fields.

    ``breaches`` lists every confirmed breach; ``metric``, ``value`` and
    ``threshold`` repeat the first with the longest streak.  ``previous``:
    the release rolled back to (the previous stable one), named in the text
    as ``v2.1.0 -> v2.0.3``.
    """
    move = f"{tag} -> {previous}: " if previous else ""
    done = "; ".join(o.detail for o in outcomes) or "no rollback action is configured"
    held = verdict.confirmed_breaches
    if not held:  # blind: no breach, no rollback (what was done before it, the flags, is said)
        before = "".join(f"; {o.detail}" for o in outcomes)
        text = (
            f"ai-rollback watch {tag}: cannot read the metrics for {verdict.unreadable} polls in a row "
            f"({verdict.error}){before}; nothing was rolled back"
        )
    else:
        what = breaches_text(held)
        if status == "rollback-failed":
            failed = "; ".join(o.detail for o in outcomes if not o.ok)
            text = f"Rollback failed: {move}{failed}. ai-rollback watch {tag}: {what}; {done}"
        elif status == "interrupted":
            so_far = "; ".join(o.detail for o in outcomes) or "nothing had finished"
            text = f"ai-rollback watch {tag}: {what}; interrupted (Ctrl-C) while rolling back: {so_far}"
        elif status == "rolled-back" and previous:
            text = f"Auto-rollback completed: {tag} -> {previous}. ai-rollback watch {tag}: {what}; {done}"
        else:
            text = f"ai-rollback watch {tag}: {what}; {done}"
    alert: dict[str, object] = {"text": text, "tag": tag, "status": status, "polls": polls}
    if previous:
        alert["previous_tag"] = previous
    breach = verdict.confirmed
    if breach is not None:
        alert.update(metric=breach.metric, value=breach.value, threshold=breach.threshold)
        alert["breaches"] = [
            {"metric": b.metric, "value": b.value, "threshold": b.threshold, "streak": b.streak} for b in held
        ]
    alert["actions"] = [
        {"action": o.action, "ok": o.ok, "detail": o.detail, "done": o.done} for o in outcomes
    ]
    return alert


def breaches_text(held: Sequence[Breach]) -> str:
    """``error-rate 0.3 above 0.05 and memory-usage 0.95 above 0.85 for 2 polls in a row``."""
    groups: list[list[Breach]] = []  # breaches of the same streak, in metric order
    for b in held:
        if groups and groups[-1][0].streak == b.streak:
            groups[-1].append(b)
        else:
            groups.append([b])
    return ", ".join(
        _and([f"{b.metric} {b.value:g} above {b.threshold:g}" for b in group])
        + f" for {group[0].streak} poll{'s' if group[0].streak != 1 else ''} in a row"
        for group in groups
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
