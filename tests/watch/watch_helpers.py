"""What the watch tests share: a loopback Prometheus, a loopback webhook, a recording command.

Time is compressed: polls every 0.05 to 0.2 s.  The sources, the actions and
ai-revert are the real ones; only the monitored service is simulated, by
servers that answer as Prometheus and as a Slack-style webhook do.  The
fixtures' bodies are here; each test module declares the fixtures it uses.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ai_rollback.credentials import KINDS, find_credentials
from ai_rollback.errors import ENVIRONMENT, ROLLBACK_FAILED
from ai_rollback.watch import CommandSource, Options, Plan, run
from conftest import PYTHON, Repo, ai_message
from credential_samples import SAMPLES

#: The PromQL the tests configure, one per metric, so the server knows what is asked.
QUERIES = {"error-rate": "errors", "response-time-ms": "latency", "memory-usage": "memory"}
HEALTHY_VALUES = {"errors": 0.01, "latency": 120.0, "memory": 0.5}


class Prometheus:
    """Answers /api/v1/query like Prometheus: each query's n-th request gets its n-th value.

    A value is a number, None (an empty vector), "error" (status error),
    "echo" (status error quoting the query), or "http500".  After the list ends, its last value repeats.
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
                if value == "echo":  # an error that quotes the query
                    return self._send(200, {"status": "error", "error": f"parse error in {query}"})
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


def serving() -> Iterator[list[ThreadingHTTPServer]]:
    """The ``servers`` fixture: the servers a test started, shut down when it ends."""
    started: list[ThreadingHTTPServer] = []
    yield started
    for server in started:
        server.shutdown()
        server.server_close()


def prometheus_maker(servers: list[ThreadingHTTPServer]) -> Callable[..., Prometheus]:
    """The ``prometheus`` fixture: ``make(errors=[...])``, healthy for every series not given."""

    def make(**series: list[object]) -> Prometheus:
        full: dict[str, list[object]] = {q: [HEALTHY_VALUES[q]] for q in HEALTHY_VALUES}
        full.update(series)
        prom = Prometheus(full)
        servers.append(prom.server)
        return prom

    return make


def start_webhook(servers: list[ThreadingHTTPServer]) -> Webhook:
    """The ``webhook`` fixture."""
    hook = Webhook()
    servers.append(hook.server)
    return hook


def release(repo: Repo) -> Repo:
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

THRESHOLDS = {"error-rate": 0.05, "response-time-ms": 2000.0, "memory-usage": 0.85}
HIGH = {"error-rate": 0.5, "response-time-ms": 5000.0, "memory-usage": 0.99}
LOW = {"error-rate": 0.0, "response-time-ms": 100.0, "memory-usage": 0.1}

#: One credential of each pattern the scanner knows: (kind, text, what no output may hold).
#: Every credential kind the scanner knows, on one line (alerts and tags are single lines).
CREDENTIALS = [(kind, text.replace("\n", ""), secret) for kind, text, secret in SAMPLES]


def every_credential() -> list[tuple[str, str, str]]:
    """:data:`CREDENTIALS`, checked to cover every kind the scanner knows: (text, secret, shown)."""
    assert sorted({kind for kind, _, _ in CREDENTIALS}) == sorted(KINDS)
    out = []
    for kind, text, secret in CREDENTIALS:
        ((found, shown),) = find_credentials(text)
        assert found == kind and secret not in shown, text
        out.append((text, secret, shown))
    return out


LEAK = """\
import json, sys
if sys.argv[1] == "breach":
    print(json.dumps({"error-rate": 0.5}))
else:
    sys.stderr.write("it went wrong: " + sys.argv[2] + "\\n")
    sys.exit(1)
"""


def leaking_watches(
    tmp_path: Path, text: str, fmt: str = "text", webhook: str | None = None, alert: list[str] | None = None
) -> list[str]:
    """Two watches, in this process, where ``text`` is in the tag and in what the commands say.

    A breach whose rollback command fails with ``text`` in its last line of
    errors, then a blind watch whose metrics command does.  The lines printed.
    """
    script = tmp_path / "leak.py"
    script.write_text(LEAK)
    lines: list[str] = []
    rollback = [PYTHON, str(script), "fail", text]
    plan = Plan(rollback_command=rollback, webhook=webhook, alert_command=alert)
    options = Options(f"v1.1.0+{text}", 1.0, 0.5, dict(THRESHOLDS), 1, 1, plan, fmt)
    source = CommandSource([PYTHON, str(script), "breach"], 10.0)
    assert run(options, source, lines.append) == ROLLBACK_FAILED, lines
    options.plan = Plan(webhook=webhook, alert_command=alert)
    assert run(options, CommandSource(rollback, 10.0), lines.append) == ENVIRONMENT, lines
    return lines


@pytest.fixture
def servers() -> Iterator[list[ThreadingHTTPServer]]:
    yield from serving()


@pytest.fixture
def prometheus(servers: list[ThreadingHTTPServer]):  # type: ignore[no-untyped-def]
    return prometheus_maker(servers)


@pytest.fixture
def webhook(servers: list[ThreadingHTTPServer]) -> Webhook:
    return start_webhook(servers)


@pytest.fixture
def released(repo: Repo) -> Repo:
    return release(repo)
