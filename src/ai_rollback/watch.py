"""``ai-rollback watch``: watch a release's health; roll it back when a breach holds.

The core is pure: :func:`parse_duration`, :func:`next_poll`, and :class:`Watchdog`, the state
machine that turns samples (plain numbers, or "could not read") into
verdicts.  The edges read samples (the Prometheus HTTP API, or a command
that prints JSON) and run the actions (a rollback command, ai-revert, alerts).
:func:`run` ties them together on a clock; the click layer only parses.

Rules:

* A metric breaches when its value is **above** its threshold.  A breach is
  confirmed when the same metric breaches in ``breaches`` consecutive polls:
  one noisy sample never rolls anything back.
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

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ai_rollback.errors import CHECK_FAILED, ENVIRONMENT, INTERRUPTED, OK, ROLLBACK_FAILED, UsageError

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

    @property
    def confirmed(self) -> Breach | None:
        """The breach that held long enough (the longest streak, then the first metric)."""
        if self.status != CONFIRMED:
            return None
        return max(self.breaches, key=lambda b: b.streak)


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
            return Verdict(status, known, error=reason, unreadable=self.unreadable)
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
            return Verdict(CONFIRMED, known, breaches)
        return Verdict(BREACHING if breaches else HEALTHY, known, breaches)


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------


class SourceError(Exception):
    """A sample could not be read; the message says why."""


def checked_url(url: str, what: str) -> str:
    """An http(s) URL with a host (and a numeric port); anything else (file:, ftp:...) is bad input."""
    from urllib.parse import urlsplit

    bad = UsageError(f"{what} {redact_url(url)!r} is not an http:// or https:// URL")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise bad
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise bad from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad
    return url


def redact_url(url: str) -> str:
    """scheme://host[:port] only: webhook paths and user info are secrets."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<malformed URL>"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "<not an http(s) URL>"
    return f"{parts.scheme}://{parts.hostname}{port}"


class PrometheusSource:
    """One instant query per metric against ``/api/v1/query``."""

    def __init__(self, url: str, queries: Mapping[str, str], timeout: float) -> None:
        self.base = checked_url(url, "--prometheus").rstrip("/")
        self.queries = dict(queries)
        self.timeout = timeout

    def describe(self) -> str:
        return f"Prometheus at {redact_url(self.base)}"

    def read(self) -> dict[str, float]:
        values = {}
        for metric, query in self.queries.items():
            value = self._query(metric, query)
            if value is not None:
                values[metric] = value
        return values

    def _query(self, metric: str, query: str) -> float | None:
        from urllib.parse import urlencode

        url = f"{self.base}/api/v1/query?{urlencode({'query': query})}"
        body = _http(url, None, self.timeout)
        try:
            answer = json.loads(body)
        except (ValueError, RecursionError):
            raise SourceError(f"{metric}: Prometheus did not answer JSON") from None
        if not isinstance(answer, dict) or answer.get("status") != "success":
            error = answer.get("error") if isinstance(answer, dict) else None
            raise SourceError(f"{metric}: Prometheus refused the query: {error or 'no reason given'}")
        return prometheus_value(answer.get("data"))


def prometheus_value(data: object) -> float | None:
    """The number in a query result: a scalar, or the highest sample of a vector (None: no sample)."""
    if not isinstance(data, dict):
        raise SourceError("Prometheus answered without data")
    kind, result = data.get("resultType"), data.get("result")
    try:
        if kind == "scalar" and isinstance(result, list):
            return float(result[1])
        if kind == "vector" and isinstance(result, list):
            samples = [float(series["value"][1]) for series in result]
            samples = [s for s in samples if not math.isnan(s)]
            return max(samples) if samples else None
    except (KeyError, IndexError, TypeError, ValueError):
        raise SourceError("Prometheus answered a malformed result") from None
    raise SourceError(f"a {kind} result is not a number: use a query that returns a scalar or a vector")


#: The most of an answer or of a command's output that is read.
OUTPUT_LIMIT = 1 << 20


def _http(url: str, payload: bytes | None, timeout: float) -> bytes:
    """GET (or POST ``payload`` as JSON) an http(s) URL: the answer, within ``timeout`` overall.

    The request runs in a thread so that a server that trickles its answer
    cannot hold the watch past the deadline.
    """
    import threading

    result: list[bytes] = []
    failure: list[SourceError] = []

    def work() -> None:
        try:
            result.append(_http_once(url, payload, timeout))
        except SourceError as exc:
            failure.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout)
    if failure:
        raise failure[0]
    if not result:
        raise SourceError(f"{redact_url(url)} did not answer within {timeout:g}s")
    return result[0]


def _http_once(url: str, payload: bytes | None, timeout: float) -> bytes:
    import http.client
    import urllib.error
    import urllib.request

    class HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            if not str(newurl).startswith(("http://", "https://")):
                raise SourceError(f"{redact_url(url)} redirected to a URL that is not http(s)")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    if not url.startswith(("http://", "https://")):  # callers check with checked_url(); never file:
        raise SourceError(f"{redact_url(url)} is not an http(s) URL")
    headers = {"User-Agent": "ai-rollback"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=payload, method="POST" if payload is not None else "GET", headers=headers
    )
    opener = urllib.request.build_opener(HttpOnlyRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            data: bytes = response.read(OUTPUT_LIMIT)
            return data
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{redact_url(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise SourceError(f"cannot reach {redact_url(url)}: {reason}") from None


def split_command(text: str, what: str) -> list[str]:
    """A command line split into arguments (never run through a shell)."""
    import shlex

    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"{what}: {exc}", hint="quote arguments as in a POSIX shell") from None
    if not argv:
        raise UsageError(f"{what} is empty")
    return argv


class CommandSource:
    """A command that prints one JSON object: ``{"error-rate": 0.01, ...}``."""

    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        self.argv = list(argv)
        self.timeout = timeout

    def describe(self) -> str:
        return f"the command {self.argv[0]}"

    def read(self) -> dict[str, float]:
        name = self.argv[0]
        try:
            code, out, err = capped_run(self.argv, self.timeout)
        except RunError as exc:
            raise SourceError(f"{name}: {exc}") from None
        if code != 0:
            raise SourceError(f"{name} exited {code}: {_last_line(err)}")
        try:
            data = json.loads(out)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise SourceError(f"{name} did not print a JSON object")
        values = {}
        for metric in METRICS:
            value = data.get(metric)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SourceError(f"{name}: {metric} is {str(value)[:40]!r}, not a number")
            try:
                values[metric] = float(value)
            except OverflowError:
                values[metric] = math.inf
        return values


class RunError(Exception):
    """A command could not run, or was stopped: too slow, or too much output."""


def capped_run(
    argv: Sequence[str], timeout: float, stdin: bytes = b"", cwd: str | None = None, grace: float = 30.0
) -> tuple[int, bytes, bytes]:
    """Run ``argv`` (never a shell): exit code, output, errors.

    Stopped (:class:`RunError`) past ``timeout`` seconds or ``OUTPUT_LIMIT``
    bytes of output.  On Ctrl-C the command got the same signal (it is in
    our process group): it is given ``grace`` seconds to finish its own
    clean-up before the interrupt goes on.
    """
    import selectors

    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot run it: {getattr(exc, 'strerror', None) or exc}") from None
    deadline = time.monotonic() + timeout
    output = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    pending = memoryview(stdin)
    try:
        with selectors.DefaultSelector() as selector:
            for stream in output:
                selector.register(stream, selectors.EVENT_READ)  # type: ignore[arg-type]
            if proc.stdin is not None:
                selector.register(proc.stdin, selectors.EVENT_WRITE)
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RunError(f"no answer within {timeout:g}s (stopped)")
                for key, _ in selector.select(left):
                    if key.fileobj is proc.stdin:
                        try:
                            pending = pending[os.write(key.fd, pending[:65536]) :]
                        except BrokenPipeError:
                            pending = pending[len(pending) :]
                        if not pending:
                            selector.unregister(proc.stdin)
                            proc.stdin.close()
                        continue
                    chunk = os.read(key.fd, 65536)
                    buffer = output[key.fileobj]  # type: ignore[index]
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    buffer += chunk
                    if len(buffer) > OUTPUT_LIMIT:
                        raise RunError(f"printed more than {OUTPUT_LIMIT >> 20} MiB (stopped)")
            try:
                code = proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise RunError(f"no answer within {timeout:g}s (stopped)") from None
        return code, bytes(output[proc.stdout]), bytes(output[proc.stderr])
    except KeyboardInterrupt:
        try:
            proc.wait(grace)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            pass
        raise
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _last_line(data: bytes) -> str:
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "no message"


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------


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
            out.append(_run("rollback-command", plan.rollback_command, plan.rollback_timeout, shown))
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


def _run(
    action: str, argv: Sequence[str], timeout: float, shown: str, cwd: str | None = None, stdin: bytes = b""
) -> Outcome:
    try:
        code, _, err = capped_run(argv, timeout, stdin=stdin, cwd=cwd)
    except RunError as exc:
        return Outcome(action, False, f"{shown}: {exc}")
    if code != 0:
        return Outcome(action, False, f"{shown} exited {code}: {_last_line(err)}")
    return Outcome(action, True, f"ran {shown}")


def _finite(data: object) -> object:
    """JSON has no Infinity or NaN: such values are written as strings ("inf")."""
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


def send_alerts(plan: Plan, alert: Mapping[str, object]) -> list[Outcome]:
    payload = json.dumps(_finite(dict(alert))).encode()
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
            out.append(_run("alert-command", plan.alert_command, plan.timeout, shown, stdin=payload))
    return out


def alert_for(
    tag: str, status: str, verdict: Verdict, outcomes: Sequence[Outcome], polls: int
) -> dict[str, object]:
    """The alert: Slack-compatible ``text``, and the facts as fields."""
    done = "; ".join(o.detail for o in outcomes) or "no rollback action is configured"
    breach = verdict.confirmed
    if breach is None:  # blind: no breach, no rollback
        text = (
            f"ai-rollback watch {tag}: cannot read the metrics for {verdict.unreadable} polls in a row "
            f"({verdict.error}); nothing was rolled back"
        )
    else:
        what = (
            f"{breach.metric} {breach.value:g} above {breach.threshold:g} for {breach.streak} polls in a row"
        )
        if status == "rollback-failed":
            failed = "; ".join(o.detail for o in outcomes if not o.ok)
            text = f"Rollback failed: {failed}. ai-rollback watch {tag}: {what}; {done}"
        elif status == "interrupted":
            so_far = "; ".join(o.detail for o in outcomes) or "nothing had finished"
            text = f"ai-rollback watch {tag}: {what}; interrupted (Ctrl-C) while rolling back: {so_far}"
        else:
            text = f"ai-rollback watch {tag}: {what}; {done}"
    alert: dict[str, object] = {"text": text, "tag": tag, "status": status, "polls": polls}
    if breach is not None:
        alert.update(metric=breach.metric, value=breach.value, threshold=breach.threshold)
    alert["actions"] = [
        {"action": o.action, "ok": o.ok, "detail": o.detail, "done": o.done} for o in outcomes
    ]
    return alert


# --------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------


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
            if verdict.status == CONFIRMED:
                done = []
                return _act(options, verdict, polls, report, done)
            if verdict.status == BLIND:
                return _blind(options, verdict, polls, report)
            following = next_poll(clock() - start, slot, options.interval, options.duration)
            if following is None:
                break
            slot, due = following
            sleep(max(0.0, start + due - clock()))
    except KeyboardInterrupt:
        if done is None or verdict is None:
            report.finish("interrupted", INTERRUPTED, polls, [])
        else:
            alert = alert_for(options.tag, "interrupted", verdict, done, polls)
            report.finish(
                "interrupted while acting", INTERRUPTED, polls, done + send_alerts(options.plan, alert)
            )
        return INTERRUPTED
    if verdict is not None and verdict.status == UNREADABLE:
        return _blind(options, verdict, polls, report)  # no evidence at the end: not "healthy"
    report.finish(HEALTHY, OK, polls, [], last=verdict)
    return OK


def _blind(options: Options, verdict: Verdict, polls: int, report: _Reporter) -> int:
    outcomes = send_alerts(options.plan, alert_for(options.tag, BLIND, verdict, [], polls))
    report.finish(BLIND, ENVIRONMENT, polls, outcomes)
    return ENVIRONMENT


def _act(options: Options, verdict: Verdict, polls: int, report: _Reporter, done: list[Outcome]) -> int:
    """The actions; ``done`` fills as they complete (what Ctrl-C leaves behind is known)."""
    plan = options.plan
    run_rollback(plan, done)
    failed = any(not o.ok for o in done)
    status = "rollback-failed" if failed else ("rolled-back" if plan.rolls_back else "breach")
    if plan.dry_run:
        status = "dry-run"
    outcomes = done + send_alerts(plan, alert_for(options.tag, status, verdict, done, polls))
    code = ROLLBACK_FAILED if failed else CHECK_FAILED
    report.finish(status, code, polls, outcomes)
    return code


class _Reporter:
    """A line per poll and per action: text, or JSON lines with ``--format json``."""

    def __init__(self, options: Options, emit: Callable[[str], None]) -> None:
        self.options = options
        self.emit = emit
        self.json = options.fmt == "json"

    def _event(self, **fields: object) -> None:
        self.emit(json.dumps(_finite(fields), ensure_ascii=False))

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
        elif status == "dry-run":
            self.emit(f"breach confirmed; dry run: nothing was done (exit {code})")
        elif status == "breach":
            self.emit(f"breach confirmed; no rollback action is configured (exit {code})")
        elif status == "rolled-back":
            self.emit(f"breach confirmed; rolled back (exit {code})")
        else:
            self.emit(f"breach confirmed; the rollback FAILED (exit {code})")
