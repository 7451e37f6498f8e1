"""watch's actions on a confirmed breach: the rollback command, ai-revert, the alerts."""

from __future__ import annotations

import json
import math
import re
import shlex
import signal
import subprocess
from pathlib import Path

from watch_helpers import (  # noqa: F401 - fixtures: servers, prometheus, webhook, released
    FAST,
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

from conftest import PYTHON, Repo


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
    assert text.startswith(
        "Auto-rollback completed: v1.1.0 -> v1.0.0. ai-rollback watch v1.1.0: error-rate 0.3 above 0.05 for 2 polls"
    )
    assert "ran " in text and alert["previous_tag"] == "v1.0.0"
    (sent,) = records(alerts)
    assert json.loads(str(sent["stdin"])) == alert
    # the rollback is recorded in git, on the release's commit: v1.1.0 is no longer stable
    (record,) = released.out("tag", "--list", "ai-rollback/*").split()
    assert re.fullmatch(r"ai-rollback/rolled-back/v1\.1\.0/\d{8}T\d{6}Z-[0-9a-f]{8}", record)
    assert released.out("rev-parse", f"{record}^{{commit}}") == released.out("rev-parse", "v1.1.0^{commit}")


def test_the_alert_names_every_confirmed_breach(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """Issue 14, item 11: two metrics breach together; the third breaches once, unconfirmed."""
    prom = prometheus(errors=[0.2, 0.3], memory=[0.9, 0.95], latency=[120, 2500])
    command, _ = recorder(tmp_path, "rollback")
    alert_cmd, alerts = recorder(tmp_path, "alerts", 0, "--stdin")
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command,
        "--alert-webhook", webhook.url, "--alert-command", alert_cmd,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    both = "error-rate 0.3 above 0.05 and memory-usage 0.95 above 0.85 for 2 polls in a row"
    assert (
        "poll 2: confirmed: error-rate 0.3 > 0.05 (2/2), response-time-ms 2500 > 2000 (1/2), "
        "memory-usage 0.95 > 0.85 (2/2)" in done.stdout
    )
    assert f"breach confirmed ({both}); rolled back (exit 1)" in done.stdout
    (alert,) = webhook.alerts
    (record,) = released.out("tag", "--list", "ai-rollback/*").split()
    assert alert["text"] == (
        f"Auto-rollback completed: v1.1.0 -> v1.0.0. ai-rollback watch v1.1.0: {both}; ran {Path(PYTHON).name}; "
        f"recorded {record} in git"
    )
    assert alert["breaches"] == [
        {"metric": "error-rate", "value": 0.3, "threshold": 0.05, "streak": 2},
        {"metric": "memory-usage", "value": 0.95, "threshold": 0.85, "streak": 2},
    ]
    assert (alert["metric"], alert["value"], alert["threshold"]) == ("error-rate", 0.3, 0.05)
    (sent,) = records(alerts)
    assert json.loads(str(sent["stdin"])) == alert


def test_the_alert_names_every_confirmed_breach_from_a_metrics_command(
    released: Repo, tmp_path: Path
) -> None:
    script = tmp_path / "health.py"
    script.write_text(
        'import json; print(json.dumps({"error-rate": 0.5, "response-time-ms": 9000, "memory-usage": 0.1}))\n'
    )
    alert_cmd, alerts = recorder(tmp_path, "alerts", 0, "--stdin")
    done = watch(
        released, "v1.1.0", *FAST, "--breaches", "1", "--metrics-command", shlex.join([PYTHON, str(script)]),
        "--alert-command", alert_cmd,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (sent,) = records(alerts)
    alert = json.loads(str(sent["stdin"]))
    assert [(b["metric"], b["value"], b["threshold"]) for b in alert["breaches"]] == [
        ("error-rate", 0.5, 0.05),
        ("response-time-ms", 9000, 2000),
    ]
    assert alert["text"] == (
        "ai-rollback watch v1.1.0: error-rate 0.5 above 0.05 and response-time-ms 9000 above 2000 "
        "for 1 poll in a row; no rollback action is configured"
    )


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
    assert str(webhook.alerts[0]["text"]).startswith(
        "Rollback failed: v1.1.0 -> v1.0.0: ai-revert --tag v1.1.0-ai-cache"
    )


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


# ---------------------------------------------------------------------------
# issue 16, item 1: no credential leaves in an alert
# ---------------------------------------------------------------------------


def test_the_webhook_alert_is_credential_redacted(webhook: Webhook, tmp_path: Path) -> None:
    for text, secret, shown in every_credential():
        webhook.alerts.clear()
        leaking_watches(tmp_path, text, webhook=webhook.url)
        breach, blind = webhook.alerts
        assert breach["status"] == "rollback-failed" and blind["status"] == "blind"
        sent = json.dumps(webhook.alerts)
        assert secret not in sent and shown in str(breach["tag"]), text
        assert shown in str(breach["text"]) and shown in str(blind["text"]), breach["text"]


def test_the_alert_command_input_is_credential_redacted(tmp_path: Path) -> None:
    for n, (text, secret, shown) in enumerate(every_credential()):
        alert_cmd, alerts = recorder(tmp_path, f"alerts{n}", 0, "--stdin")
        leaking_watches(tmp_path, text, alert=shlex.split(alert_cmd))
        breach, blind = (json.loads(str(r["stdin"])) for r in records(alerts))
        assert secret not in json.dumps([breach, blind]), text
        assert shown in breach["text"] and shown in blind["text"] and shown in breach["actions"][0]["detail"]


def test_no_credential_from_a_tag_a_rollback_command_or_a_query_reaches_an_alert(
    released: Repo,
    prometheus,
    webhook: Webhook,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """The examples of issue 16: a release name, a rollback command's output, a PromQL query."""
    released.git("tag", "rel-AKIAIOSFODNN7EXAMPLE")
    pyproject = released.path / "pyproject.toml"
    query = 'errors{password="SuperSecret123"}'
    pyproject.write_text(pyproject.read_text().replace('error-rate = "errors"', f"error-rate = '{query}'"))
    script = tmp_path / "undo.py"
    script.write_text("import sys\nsys.exit('undo failed: api_key=SuperSecret123')\n")
    alert_cmd, alerts = recorder(tmp_path, "alerts", 0, "--stdin")
    prom = prometheus(**{query: [0.5]})
    done = watch(
        released, "rel-AKIAIOSFODNN7EXAMPLE", *FAST, "--prometheus", prom.url, "--breaches", "1",
        "--rollback-command", shlex.join([PYTHON, str(script)]),
        "--alert-webhook", webhook.url, "--alert-command", alert_cmd,
    )  # fmt: skip
    assert done.returncode == 4, done.stdout + done.stderr
    prom = prometheus(**{query: ["echo"]})
    done_blind = watch(
        released, "rel-AKIAIOSFODNN7EXAMPLE", *FAST, "--prometheus", prom.url, "--blind-after", "1",
        "--alert-webhook", webhook.url, "--alert-command", alert_cmd,
    )  # fmt: skip
    assert done_blind.returncode == 3, done_blind.stdout + done_blind.stderr
    breach, blind = webhook.alerts
    assert [json.loads(str(r["stdin"])) for r in records(alerts)] == [breach, blind]
    assert "undo failed: api_key=Supe" in str(breach["text"]) and "rel-AKIA****" in str(breach["text"])
    assert "parse error in errors{password=" in str(blind["text"])
    everything = (
        json.dumps(webhook.alerts) + done.stdout + done.stderr + done_blind.stdout + done_blind.stderr
    )
    assert "AKIAIOSFODNN7EXAMPLE" not in everything
    assert "SuperSecret123" not in everything
