"""ai-rollback watch: a loopback Prometheus, a loopback webhook, a recording rollback command.

Time is compressed: polls every 0.05 to 0.2 s.  The sources, the actions and
ai-revert are the real ones; only the monitored service is simulated, by
servers that answer as Prometheus and as a Slack-style webhook do.
"""

from __future__ import annotations

import json
import math
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_rollback.errors import UsageError
from ai_rollback.watch import (
    BLIND,
    BREACHING,
    CONFIRMED,
    HEALTHY,
    UNREADABLE,
    Options,
    Plan,
    SourceError,
    Watchdog,
    next_poll,
    parse_duration,
    prometheus_value,
    redact_url,
    run,
)
from conftest import PYTHON, Repo, ai_message

# ---------------------------------------------------------------------------
# loopback servers
# ---------------------------------------------------------------------------

#: The PromQL the tests configure, one per metric, so the server knows what is asked.
QUERIES = {"error-rate": "errors", "response-time-ms": "latency", "memory-usage": "memory"}
HEALTHY_VALUES = {"errors": 0.01, "latency": 120.0, "memory": 0.5}


class Prometheus:
    """Answers /api/v1/query like Prometheus: each query's n-th request gets its n-th value.

    A value is a number, None (an empty vector), "error" (status error), or
    "http500".  After the list ends, its last value repeats.
    """

    def __init__(self, series: dict[str, list[object]]) -> None:
        self.series = series
        self.asked: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query).get("query", [""])[0]
                if url.path != "/api/v1/query" or query not in owner.series:
                    return self._send(400, {"status": "error", "error": f"unknown query {query!r}"})
                n = owner.asked.get(query, 0)
                owner.asked[query] = n + 1
                values = owner.series[query]
                value = values[min(n, len(values) - 1)]
                if value == "http500":
                    return self._send(500, {"status": "error", "error": "internal"})
                if value == "redirect":
                    self.send_response(302)
                    self.send_header("Location", "ftp://127.0.0.1:1/metrics")
                    self.end_headers()
                    return None
                if value == "slow":
                    time.sleep(2)
                if value == "error":
                    return self._send(
                        200, {"status": "error", "errorType": "bad_data", "error": "parse error"}
                    )
                result = (
                    [] if value is None else [{"metric": {}, "value": [1700000000.0, repr(float(value))]}]
                )
                return self._send(
                    200, {"status": "success", "data": {"resultType": "vector", "result": result}}
                )

            def _send(self, code: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Webhook:
    """Receives the alerts."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, object]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                owner.alerts.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def servers() -> Iterator[list[ThreadingHTTPServer]]:
    started: list[ThreadingHTTPServer] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def prometheus(servers: list[ThreadingHTTPServer]):  # type: ignore[no-untyped-def]
    def make(**series: list[object]) -> Prometheus:
        full = {q: [HEALTHY_VALUES[q]] for q in HEALTHY_VALUES}
        full.update(series)
        prom = Prometheus(full)
        servers.append(prom.server)
        return prom

    return make


@pytest.fixture
def webhook(servers: list[ThreadingHTTPServer]) -> Webhook:
    hook = Webhook()
    servers.append(hook.server)
    return hook


@pytest.fixture
def released(repo: Repo) -> Repo:
    """v1.0.0, then an AI commit and v1.1.0 with its AI tag; queries configured for the loopback."""
    queries = "\n".join(f'{m} = "{q}"' for m, q in QUERIES.items())
    repo.commit(
        "Human: start",
        {"app.py": "app\n", "pyproject.toml": f"[tool.ai-rollback.watch.queries]\n{queries}\n"},
    )
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    repo.commit(ai_message("add a cache", ["cache.py"]), {"cache.py": "cache = {}\n"})
    done = repo.tool("tag", "v1.1.0", "--slug", "cache")
    assert "v1.1.0-ai-cache" in done.stdout + done.stderr
    return repo


RECORDER = """\
import json, sys
record, code, *args = sys.argv[1:]
data = sys.stdin.read() if args[:1] == ["--stdin"] else None
with open(record, "a") as f:
    f.write(json.dumps({"args": args, "stdin": data}) + "\\n")
sys.exit(int(code))
"""


def recorder(tmp_path: Path, name: str, code: int = 0, *args: str) -> tuple[str, Path]:
    """A command line that records its arguments (and stdin, given --stdin) and exits ``code``."""
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    record = tmp_path / f"{name}.jsonl"
    return shlex.join([PYTHON, str(script), str(record), str(code), *args]), record


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def watch(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return repo.tool("watch", *args, check=False)


FAST = ("--for", "3s", "--every", "0.05s")

# ---------------------------------------------------------------------------
# end to end
# ---------------------------------------------------------------------------


def test_healthy_period_exits_0_and_does_nothing(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus()
    command, record = recorder(tmp_path, "rollback")
    done = watch(
        released, "v1.1.0", "--for", "0.3s", "--every", "0.05s", "--prometheus", prom.url,
        "--rollback-command", command, "--alert-webhook", webhook.url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    polls = prom.asked["errors"]  # a slow poll skips its slot: how many depends on the machine
    assert f"v1.1.0 stayed healthy for 0.3s ({polls} polls)" in done.stdout and polls >= 3
    assert prom.asked == {"errors": polls, "latency": polls, "memory": polls}
    assert not records(record) and not webhook.alerts
    assert "secret" not in done.stdout + done.stderr  # the webhook's path is a credential


def test_breach_that_holds_rolls_back_and_alerts(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(errors=[0.01, 0.01, 0.2, 0.3])
    command, record = recorder(tmp_path, "rollback", 0, "rollout", "undo", "deployment/my app")
    alert_cmd, alerts = recorder(tmp_path, "alerts", 0, "--stdin")
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command,
        "--alert-webhook", webhook.url, "--alert-command", alert_cmd,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert prom.asked["errors"] == 4  # confirmed on the second breached poll, then stopped
    assert [r["args"] for r in records(record)] == [["rollout", "undo", "deployment/my app"]]
    assert "poll 3: breaching: error-rate 0.2 > 0.05 (1/2)" in done.stdout
    assert "poll 4: confirmed: error-rate 0.3 > 0.05 (2/2)" in done.stdout
    assert "rollback-command: ok" in done.stdout and "rolled back (exit 1)" in done.stdout
    (alert,) = webhook.alerts
    assert alert["status"] == "rolled-back" and alert["tag"] == "v1.1.0"
    assert alert["metric"] == "error-rate" and alert["value"] == 0.3 and alert["threshold"] == 0.05
    text = str(alert["text"])
    assert (
        text.startswith("ai-rollback watch v1.1.0: error-rate 0.3 above 0.05 for 2 polls") and "ran " in text
    )
    (sent,) = records(alerts)
    assert json.loads(str(sent["stdin"])) == alert


def test_a_flapping_metric_never_rolls_back(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(errors=[0.2, 0.01] * 4, latency=[120, 120, 5000, 120, 120, 5000, 120, 120])
    command, record = recorder(tmp_path, "rollback")
    done = watch(
        released, "v1.1.0", "--for", "0.3s", "--every", "0.05s", "--prometheus", prom.url,
        "--rollback-command", command, "--alert-webhook", webhook.url,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(": breaching:") >= 2 and ": confirmed:" not in done.stdout
    assert not records(record) and not webhook.alerts


def test_failed_rollback_exits_4_and_says_so(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(memory=[0.95])
    command, record = recorder(tmp_path, "rollback", 7, "undo")
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command,
        "--alert-webhook", webhook.url,
    )  # fmt: skip
    assert done.returncode == 4, done.stdout + done.stderr
    assert len(records(record)) == 1
    assert "rollback-command: FAILED" in done.stdout and "exited 7" in done.stdout
    (alert,) = webhook.alerts
    assert str(alert["text"]).startswith("Rollback failed: ") and alert["status"] == "rollback-failed"
    assert alert["metric"] == "memory-usage"


def test_unreachable_source_exits_3_alerts_and_never_rolls_back(
    released: Repo, webhook: Webhook, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command, record = recorder(tmp_path, "rollback")
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", f"http://127.0.0.1:{port}", "--breaches", "2",
        "--blind-after", "3", "--rollback-command", command, "--alert-webhook", webhook.url,
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.count("cannot read the metrics") == 3
    assert not records(record)
    (alert,) = webhook.alerts
    assert alert["status"] == "blind" and "nothing was rolled back" in str(alert["text"])


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ("http500", "answered HTTP 500"),
        ("error", "refused the query: parse error"),
        ("redirect", "redirected to a URL that is not http(s)"),
        ("slow", "did not answer within 0.3s"),
    ],
)
def test_prometheus_errors_are_unreadable_polls(released: Repo, prometheus, failure: str, said: str) -> None:  # type: ignore[no-untyped-def]
    prom = prometheus(errors=[failure])
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--blind-after", "2", "--timeout", "0.3s"
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert said in done.stdout


def test_missing_series_say_nothing_but_an_empty_source_is_blind(
    released: Repo,
    prometheus,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(latency=[None])  # no latency series: judged on the others
    done = watch(released, "v1.1.0", "--for", "0.1s", "--every", "0.05s", "--prometheus", prom.url)
    assert done.returncode == 0 and "response-time-ms" not in done.stdout.split("\n", 1)[1]
    prom = prometheus(errors=[None], latency=[None], memory=[None])
    done = watch(released, "v1.1.0", *FAST, "--prometheus", prom.url)
    assert done.returncode == 3 and "the sample holds none of" in done.stdout


def test_metrics_command_source_and_configured_thresholds(released: Repo, tmp_path: Path) -> None:
    script = tmp_path / "health.py"
    script.write_text(
        'import json; print(json.dumps({"error-rate": 0.2, "response-time-ms": 90, "other": 1}))\n'
    )
    source = shlex.join([PYTHON, str(script)])
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", source)
    assert done.returncode == 1 and "no rollback action is configured" in done.stdout
    # a threshold from the configuration, then one from the command line
    pyproject = released.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.ai-rollback.watch]\nerror-rate = 0.5\n")
    done = watch(released, "v1.1.0", "--for", "0.1s", "--every", "0.05s", "--metrics-command", source)
    assert done.returncode == 0, done.stdout + done.stderr
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", source, "--error-rate", "0.1")
    assert done.returncode == 1
    script.write_text('print(\'{"error-rate": "high"}\')\n')
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", source)
    assert done.returncode == 3 and "error-rate is 'high', not a number" in done.stdout


def test_revert_undoes_the_release_ai_commits_with_an_incident_tag(
    released: Repo,
    prometheus,
    webhook: Webhook,  # type: ignore[no-untyped-def]
) -> None:
    released.commit("Human: after the release", {"after.py": "x\n"})
    prom = prometheus(errors=[0.5])
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--revert", "--alert-webhook", webhook.url
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "revert: ok: ran ai-revert --tag v1.1.0-ai-cache --yes --incident" in done.stdout
    assert not (released.path / "cache.py").exists() and (released.path / "after.py").exists()
    assert released.out("log", "-1", "--format=%s").startswith('Revert "AI: add a cache"')
    assert released.out("tag", "--list", "incident-*")
    assert webhook.alerts[0]["status"] == "rolled-back"


def test_revert_that_cannot_apply_is_a_failed_rollback(
    released: Repo,
    prometheus,
    webhook: Webhook,  # type: ignore[no-untyped-def]
) -> None:
    released.commit("Human: build on the cache", {"cache.py": "cache = {'warm': True}\n"})
    prom = prometheus(errors=[0.5])
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--revert", "--alert-webhook", webhook.url
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert (released.path / "cache.py").read_text() == "cache = {'warm': True}\n"  # nothing changed
    assert str(webhook.alerts[0]["text"]).startswith("Rollback failed: ai-revert --tag v1.1.0-ai-cache")


def test_dry_run_does_nothing_and_json_lines(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(errors=[0.5])
    command, record = recorder(tmp_path, "rollback")
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command, "--revert",
        "--alert-webhook", webhook.url, "--dry-run", "--format", "json",
    )  # fmt: skip
    assert done.returncode == 1
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["event"] for e in events] == ["start", "poll", "poll", "action", "action", "action", "end"]
    assert events[0]["dry_run"] is True and events[-1] == {
        "event": "end",
        "status": "dry-run",
        "exit": 1,
        "polls": 2,
    }
    assert all(e["detail"].startswith("would ") for e in events if e["event"] == "action")
    assert not records(record) and not webhook.alerts
    assert (released.path / "cache.py").exists()


def test_ctrl_c_stops_cleanly(released: Repo, prometheus) -> None:  # type: ignore[no-untyped-def]
    prom = prometheus()
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "watch", "v1.1.0", "--for", "1h", "--every", "0.05s", "--prometheus", prom.url],
        cwd=released.path, env=released.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.readline()  # "watching ..."
    proc.stdout.readline()  # the first poll
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "nothing was done" in out and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["v1.1.0"], 2, "give exactly one metrics source"),
        (["v1.1.0", "--prometheus", "http://x", "--metrics-command", "y"], 2, "exactly one"),
        (["v1.1.0", "--prometheus", "file:///etc/passwd"], 2, "not an http:// or https:// URL"),
        (["v1.1.0", "--prometheus", "http://x", "--alert-webhook", "ftp://x/y"], 2, "not an http"),
        (["nope", "--prometheus", "http://x"], 2, "no tag 'nope'"),
        (["--prometheus", "http://x", "--", "-v1"], 2, "no tag '-v1'"),
        (["v1.1.0", "--prometheus", "http://x:port"], 2, "not an http"),
        (["v1.1.0", "--prometheus", "http://x/a b"], 2, "not an http"),
        (
            ["v1.1.0", "--prometheus", "http://x", "--for", "1m", "--every", "1m", "--breaches", "3"],
            2,
            "makes 2",
        ),
        (["v1.1.0", "--prometheus", "http://x", "--every", "fast"], 2, "not a positive duration"),
        (["v1.1.0", "--prometheus", "http://x", "--for", "-1m"], 2, "not a positive duration"),
        (["v1.0.0", "--prometheus", "http://x", "--revert"], 2, "has no AI tag"),
        (["v1.1.0", "--metrics-command", "'unclosed"], 2, "--metrics-command"),
        (["v1.1.0", "--prometheus", "http://x", "--breaches", "0"], 2, "--breaches"),
    ],
)
def test_bad_input_is_a_clear_error(released: Repo, args: list[str], code: int, message: str) -> None:
    done = watch(released, *args)
    assert done.returncode == code, done.stdout + done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_bad_configuration_is_named(released: Repo) -> None:
    pyproject = released.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.ai-rollback.watch]\nbreaches = 0\n")
    done = watch(released, "v1.1.0", "--prometheus", "http://x")
    assert done.returncode == 3 and "watch.breaches = 0: must be a whole number" in done.stderr


# ---------------------------------------------------------------------------
# the pure core
# ---------------------------------------------------------------------------


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


def test_prometheus_results() -> None:
    assert prometheus_value({"resultType": "scalar", "result": [1, "0.25"]}) == 0.25
    vector = [{"value": [1, "0.1"]}, {"value": [1, "NaN"]}, {"value": [1, "0.4"]}]
    assert prometheus_value({"resultType": "vector", "result": vector}) == 0.4  # the worst series
    assert prometheus_value({"resultType": "vector", "result": []}) is None
    assert math.isinf(prometheus_value({"resultType": "vector", "result": [{"value": [1, "+Inf"]}]}) or 0)
    for bad in ({"resultType": "matrix", "result": []}, {"resultType": "vector", "result": [{}]}, None):
        with pytest.raises(SourceError):
            prometheus_value(bad)


def test_urls_are_shown_without_their_secrets() -> None:
    assert redact_url("https://user:pw@hooks.slack.com/services/T/B/XYZ?x=1") == "https://hooks.slack.com"
    assert redact_url("http://127.0.0.1:9090/") == "http://127.0.0.1:9090"


THRESHOLDS = {"error-rate": 0.05, "response-time-ms": 2000.0, "memory-usage": 0.85}
HIGH = {"error-rate": 0.5, "response-time-ms": 5000.0, "memory-usage": 0.99}
LOW = {"error-rate": 0.0, "response-time-ms": 100.0, "memory-usage": 0.1}


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


def test_infinite_values_are_valid_json(released: Repo, prometheus, webhook: Webhook) -> None:  # type: ignore[no-untyped-def]
    prom = prometheus(latency=[math.inf])
    done = watch(
        released,
        "v1.1.0",
        *FAST,
        "--prometheus",
        prom.url,
        "--format",
        "json",
        "--alert-webhook",
        webhook.url,
    )
    assert done.returncode == 1
    events = [json.loads(line) for line in done.stdout.splitlines()]  # strict JSON: no Infinity
    assert events[1]["values"]["response-time-ms"] == "inf" and webhook.alerts[0]["value"] == "inf"


def test_ctrl_c_while_rolling_back_waits_for_the_command_and_alerts(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """A terminal's Ctrl-C reaches the whole process group: the rollback command cleans up, then we alert."""
    import os
    import time

    started, cleaned = tmp_path / "started", tmp_path / "cleaned"
    script = tmp_path / "slow_rollback.py"
    script.write_text(
        "import pathlib, sys, time\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        "try:\n    time.sleep(60)\n"
        f"except KeyboardInterrupt:\n    time.sleep(0.3)\n    pathlib.Path({str(cleaned)!r}).touch()\n"
        "    sys.exit(130)\n"
    )
    prom = prometheus(errors=[0.5])
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "watch", "v1.1.0", *FAST, "--prometheus", prom.url,
         "--rollback-command", shlex.join([PYTHON, str(script)]), "--alert-webhook", webhook.url],
        cwd=released.path, env=released.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert cleaned.exists()  # the command was given the time to clean up
    assert "while rolling back" in out and "Traceback" not in err
    (alert,) = webhook.alerts
    assert alert["status"] == "interrupted" and "interrupted (Ctrl-C) while rolling back" in str(
        alert["text"]
    )


def test_a_failing_alert_is_reported_and_changes_nothing_else(
    released: Repo,
    prometheus,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(errors=[0.5])
    command, record = recorder(tmp_path, "rollback")
    dead = prometheus()  # a server that knows no POST: HTTP 501
    alert_cmd, alerts = recorder(tmp_path, "alerts", 0, "--stdin")
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command,
        "--alert-webhook", dead.url + "/hook", "--alert-command", alert_cmd,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "alert-webhook: FAILED: alert not delivered" in done.stdout and "HTTP 501" in done.stdout
    assert len(records(record)) == 1 and len(records(alerts)) == 1  # the other actions still ran


def test_a_hanging_or_flooding_metrics_command_is_an_unreadable_poll(released: Repo, tmp_path: Path) -> None:
    slow = tmp_path / "slow.py"
    slow.write_text("import time; time.sleep(30)\n")
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", shlex.join([PYTHON, str(slow)]),
                 "--timeout", "0.3s", "--blind-after", "1")  # fmt: skip
    assert done.returncode == 3 and "no answer within 0.3s (stopped)" in done.stdout
    flood = tmp_path / "flood.py"
    flood.write_text("import sys\nwhile True: sys.stdout.write('[' * 65536)\n")
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", shlex.join([PYTHON, str(flood)]),
                 "--blind-after", "1")  # fmt: skip
    assert done.returncode == 3 and "printed more than 1 MiB (stopped)" in done.stdout
    deep = tmp_path / "deep.py"
    deep.write_text("print('[' * 100000 + ']' * 100000)\n")
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", shlex.join([PYTHON, str(deep)]),
                 "--blind-after", "1")  # fmt: skip
    assert (
        done.returncode == 3
        and "did not print a JSON object" in done.stdout
        and "Traceback" not in done.stderr
    )


def test_a_period_that_ends_blind_is_not_healthy(released: Repo, prometheus) -> None:  # type: ignore[no-untyped-def]
    prom = prometheus(errors=[0.01, "http500"], latency=[120], memory=[0.5])
    done = watch(released, "v1.1.0", "--for", "0.2s", "--every", "0.1s", "--prometheus", prom.url,
                 "--blind-after", "5")  # fmt: skip
    assert done.returncode == 3 and "healthy for" not in done.stdout


class FakeSource:
    """Samples from a list; each read may take time on the fake clock."""

    def __init__(self, clock: list[float], samples: list[dict[str, float] | None], cost: list[float]) -> None:
        self.clock, self.samples, self.cost, self.at = clock, samples, cost, []

    def describe(self) -> str:
        return "a list"

    def read(self) -> dict[str, float]:
        n = len(self.at)
        self.at.append(self.clock[0])
        self.clock[0] += self.cost[min(n, len(self.cost) - 1)]
        sample = self.samples[min(n, len(self.samples) - 1)]
        if sample is None:
            raise SourceError("down")
        return sample


def fake_run(duration: float, interval: float, samples: list[dict[str, float] | None], cost: list[float],
             breaches: int = 2) -> tuple[int, list[float], list[str]]:  # fmt: skip
    clock = [0.0]
    source = FakeSource(clock, samples, cost)
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    options = Options("v1", duration, interval, dict(THRESHOLDS), breaches, breaches, Plan())
    code = run(options, source, lines.append, clock=lambda: clock[0], sleep=sleep)
    return code, source.at, lines


def test_the_schedule_covers_the_whole_period() -> None:
    assert fake_run(30, 60, [LOW], [0.0])[1] == [0, 30]
    assert fake_run(90, 60, [LOW], [0.0])[1] == [0, 60, 90]
    assert fake_run(180, 60, [LOW], [1.0])[1] == [0, 60, 120, 180]
    code, _, lines = fake_run(90, 60, [LOW, LOW, {**LOW, "error-rate": 0.2}], [0.0])
    assert (
        code == 0
        and lines[-1] == "v1 stayed healthy for 90s (3 polls); the last poll was breaching, not yet confirmed"
    )


def test_a_slow_poll_skips_slots_instead_of_polling_back_to_back() -> None:
    high = {**LOW, "error-rate": 0.2}
    code, at, _ = fake_run(600, 60, [high], [150.0, 0.0], breaches=3)
    assert at[:3] == [0, 180, 240]  # the slots at 60 and 120 passed during the slow poll
    assert code == 1


def test_next_poll() -> None:
    assert next_poll(0.1, 0, 60, 1800) == (1, 60)
    assert next_poll(150, 0, 60, 1800) == (3, 180)
    assert next_poll(1750, 29, 60, 1800) == (30, 1800)
    assert next_poll(1800, 30, 60, 1800) is None
