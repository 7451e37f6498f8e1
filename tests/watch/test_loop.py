"""watch's loop: the schedule on a fake clock, healthy and blind periods, Ctrl-C, output, bad input."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from watch_helpers import (  # noqa: F401 - fixtures: servers, prometheus, webhook, released
    FAST,
    LOW,
    THRESHOLDS,
    Webhook,
    every_credential,
    leaking_watches,
    prometheus,
    prometheus_maker,
    recorder,
    records,
    release,
    released,
    servers,
    serving,
    start_webhook,
    watch,
    webhook,
)

from ai_rollback.watch import Options, Plan, SourceError, run
from conftest import PYTHON, Repo


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


def test_printed_lines_are_credential_redacted(tmp_path: Path) -> None:
    """Issue 16, item 1: the tag, a rollback command's and a metrics command's errors, as printed."""
    for text, secret, shown in every_credential():
        lines = leaking_watches(tmp_path, text)
        out = "\n".join(lines)
        assert secret not in out, text
        assert shown in lines[0] and "rollback-command: FAILED" in out, out
        assert sum(shown in line for line in lines) >= 4, out  # start, action, start, poll


def test_json_lines_are_credential_redacted(tmp_path: Path) -> None:
    for text, secret, shown in every_credential():
        lines = leaking_watches(tmp_path, text, fmt="json")
        events = [json.loads(line) for line in lines]  # still JSON: each string is redacted alone
        assert secret not in "\n".join(lines), text
        assert [e["event"] for e in events] == ["start", "poll", "action", "end", "start", "poll", "end"]
        assert shown in events[0]["tag"] and shown in events[2]["detail"] and shown in events[5]["error"]
