"""Where ``watch`` reads its samples, and the capped I/O the actions share.

* :class:`PrometheusSource`: one instant query per metric against the
  Prometheus HTTP API (:func:`prometheus_value` reads a result).
* :class:`CommandSource`: a command that prints one JSON object.
* :func:`capped_run` runs a command (never through a shell) within a time and
  an output limit; ``_http`` GETs or POSTs within a deadline, following
  redirects to http(s) URLs only.  The actions run and post through them too.
* URLs are checked (:func:`checked_url`) before the first poll and shown
  without their secrets (:func:`redact_url`).

A sample that cannot be read raises :class:`SourceError`; the loop counts it
as an unreadable poll.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

from ai_rollback.errors import UsageError
from ai_rollback.watch.machine import METRICS


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
    argv: Sequence[str],
    timeout: float,
    stdin: bytes = b"",
    cwd: str | None = None,
    grace: float = 30.0,
    env: Mapping[str, str] | None = None,
    limit: int | None = OUTPUT_LIMIT,
    tee: bool = False,
) -> tuple[int, bytes, bytes]:
    """Run ``argv`` (never a shell): exit code, output, errors.

    The command runs in a process group of its own, so that stopping it stops
    everything it started: past ``timeout`` seconds, or past ``limit`` bytes
    of output, the whole group is stopped (TERM, then KILL) and
    :class:`RunError` says why.  ``limit`` None: any amount of output, of
    which the last 64 KiB of each stream are kept.  ``tee``: the output is
    also passed on, as it comes, to our own standard output and error.
    ``env``: variables added to ours.  Once the command has exited, what it
    left running in the background (holding its output open) is not waited
    for.  On Ctrl-C the command's group gets the interrupt too and ``grace``
    seconds to finish its own clean-up before the interrupt goes on.
    """
    import selectors
    import signal

    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(os.environ, **env) if env else None,
            start_new_session=True,
        )
    except (OSError, ValueError) as exc:
        raise RunError(f"cannot run it: {getattr(exc, 'strerror', None) or exc}") from None

    def signal_group(sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(why: str) -> RunError:
        signal_group(signal.SIGTERM)
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            pass
        signal_group(signal.SIGKILL)
        return RunError(why)

    deadline = time.monotonic() + timeout
    output = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    echo = {proc.stdout: sys.stdout, proc.stderr: sys.stderr} if tee else {}
    keep = 64 << 10
    pending = memoryview(stdin)
    drain_until: float | None = None  # the command has exited: what it left behind is not waited for
    try:
        with selectors.DefaultSelector() as selector:
            for stream in output:
                selector.register(stream, selectors.EVENT_READ)  # type: ignore[arg-type]
            if proc.stdin is not None:
                selector.register(proc.stdin, selectors.EVENT_WRITE)
            while selector.get_map():
                now = time.monotonic()
                if drain_until is None and proc.poll() is not None:
                    drain_until = now + 0.5
                if drain_until is not None and now >= drain_until:
                    break
                left = deadline - now
                if left <= 0:
                    raise stop(f"no answer within {timeout:g}s (stopped)")
                wait = min(left, 0.2) if drain_until is None else min(left, drain_until - now)
                for key, _ in selector.select(wait):
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
                    if key.fileobj in echo:
                        mirror = echo[key.fileobj]
                        mirror.write(chunk.decode("utf-8", "replace"))
                        mirror.flush()
                    buffer += chunk
                    if limit is not None and len(buffer) > limit:
                        raise stop(f"printed more than {limit >> 20} MiB (stopped)")
                    if limit is None and len(buffer) > 2 * keep:
                        del buffer[:-keep]
            try:
                code = proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise stop(f"no answer within {timeout:g}s (stopped)") from None
        return code, bytes(output[proc.stdout]), bytes(output[proc.stderr])
    except KeyboardInterrupt:
        signal_group(signal.SIGINT)  # its own group: the terminal's Ctrl-C did not reach it
        try:
            proc.wait(grace)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            pass
        raise
    finally:
        if proc.poll() is None:
            signal_group(signal.SIGKILL)
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _last_line(data: bytes) -> str:
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else "no message"
