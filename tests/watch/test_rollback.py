"""``ai-rollback rollback`` and ``releases``: real git, a real deploy process, a loopback webhook.

The deploy command is a script that writes down its arguments and the
``AI_ROLLBACK_*`` variables it was given; the confirmation runs on a real
pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from watch_helpers import (  # noqa: F401 - fixtures: servers, prometheus, webhook, released
    FAST,
    Webhook,
    prometheus,
    prometheus_maker,
    release,
    released,
    servers,
    serving,
    start_webhook,
    watch,
    webhook,
)

from conftest import PYTHON, Repo, ai_message

DEPLOY = """\
import json, os, sys, time
record, code, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
env = {k: v for k, v in os.environ.items() if k.startswith("AI_ROLLBACK_")}
with open(record, "a") as f:
    f.write(json.dumps({"args": sys.argv[4:], "env": env}) + "\\n")
time.sleep(pause)
sys.exit(code)
"""


def deploy(tmp_path: Path, code: int = 0, pause: float = 0.0, *args: str) -> tuple[str, Path]:
    """A deploy command line recording its arguments and AI_ROLLBACK_* variables, exiting ``code``."""
    script = tmp_path / "deploy.py"
    script.write_text(DEPLOY)
    record = tmp_path / "deploy.jsonl"
    return shlex.join([PYTHON, str(script), str(record), str(code), str(pause)]) + " " + " ".join(
        args
    ), record


def calls(record: Path) -> list[dict[str, object]]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text().splitlines()]


def rollback(repo: Repo, *args: str) -> subprocess.CompletedProcess[str]:
    return repo.tool("rollback", *args, check=False)


def releases(repo: Repo) -> dict[str, dict[str, object]]:
    done = repo.tool("releases", "--format", "json")
    return {str(r["release"]): r for r in json.loads(done.stdout)["releases"]}


def tags(repo: Repo, pattern: str) -> list[str]:
    return repo.out("tag", "--list", pattern).split()


def test_rollback_returns_to_the_previous_stable_release(
    released: Repo,
    webhook: Webhook,
    tmp_path: Path,
) -> None:
    command, record = deploy(
        tmp_path, 0, 0, "{tag}", "--to={previous_tag}", "{ai_tag}", "{incident_tag}", "{x"
    )
    done = rollback(released, "--yes", "--command", command, "--alert-webhook", webhook.url)
    assert done.returncode == 0, done.stdout + done.stderr
    (incident,) = tags(released, "incident-*")
    assert done.stdout.splitlines()[:2] == [
        "current release:  v1.1.0 (AI tag v1.1.0-ai-cache)",
        "returning to:     v1.0.0 (never rolled back; not watched to the end)",
    ]
    assert "Rollback completed: v1.1.0 -> v1.0.0" in done.stdout
    # every placeholder filled in per argument; a brace that is no placeholder stays as written
    (call,) = calls(record)
    assert call["args"] == ["v1.1.0", "--to=v1.0.0", "v1.1.0-ai-cache", incident, "{x"]
    assert call["env"] == {
        "AI_ROLLBACK_TAG": "v1.1.0",
        "AI_ROLLBACK_PREVIOUS_TAG": "v1.0.0",
        "AI_ROLLBACK_AI_TAG": "v1.1.0-ai-cache",
        "AI_ROLLBACK_INCIDENT_TAG": incident,
    }
    # the incident tag and the record, annotated, on the release's commit
    release_commit = released.out("rev-parse", "v1.1.0^{commit}")
    assert released.out("rev-parse", f"{incident}^{{commit}}") == release_commit
    assert released.out("cat-file", "-t", incident) == "tag"
    message = released.out("for-each-ref", "--format=%(contents)", f"refs/tags/{incident}")
    assert message.splitlines()[0] == "Emergency rollback from v1.1.0 to v1.0.0"
    assert "Who: Cy Committer <cy@example.com>" in message
    (record,) = tags(released, "ai-rollback/*")
    assert re.fullmatch(r"ai-rollback/rolled-back/v1\.1\.0/\d{8}T\d{6}Z-[0-9a-f]{8}", record)
    assert f"on success, tag:  {incident} and {record}" in done.stdout
    trailers = released.run(
        "git", "interpret-trailers", "--parse", "--no-divider",
        input=released.out("for-each-ref", "--format=%(contents)", f"refs/tags/{record}"),
    ).stdout  # fmt: skip
    assert "Rolled-back: v1.1.0\nReturned-to: v1.0.0\n" in trailers and f"Incident: {incident}\n" in trailers
    state = releases(released)
    assert state["v1.1.0"]["state"] == "rolled-back"
    assert state["v1.1.0"]["rollbacks"][0]["returned_to"] == "v1.0.0"  # type: ignore[index]
    (alert,) = webhook.alerts
    assert str(alert["text"]).startswith(f"Rollback completed: v1.1.0 -> v1.0.0 ({incident})")
    assert alert["previous_tag"] == "v1.0.0" and alert["incident_tag"] == incident


def test_the_previous_stable_release_is_one_that_passed_its_watch(
    released: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    """v1.0.0 passed a watch; v1.0.1 never did: rolling back v1.1.0 goes to v1.0.0."""
    prom = prometheus()
    done = watch(released, "v1.0.0", "--for", "0.2s", "--every", "0.1s", "--prometheus", prom.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "record: ok: recorded ai-rollback/healthy/v1.0.0 in git" in done.stdout
    again = watch(released, "v1.0.0", "--for", "0.2s", "--every", "0.1s", "--prometheus", prom.url)
    assert "already recorded healthy" in again.stdout
    released.git("tag", "-a", "v1.0.1", "-m", "a fix", "v1.0.0")
    state = releases(released)
    assert [state[r]["state"] for r in ("v1.0.0", "v1.0.1", "v1.1.0")] == ["stable", "released", "released"]
    assert state["v1.1.0"]["previous_stable"] == "v1.0.0"
    assert state["v1.0.1"]["previous_stable"] == "v1.0.0"
    command, record = deploy(tmp_path, 0, 0, "{previous_tag}")
    done = rollback(released, "--yes", "--command", command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "returning to:     v1.0.0 (passed its watch healthy)" in done.stdout
    assert calls(record)[0]["args"] == ["v1.0.0"]
    table = released.tool("releases").stdout
    assert table.splitlines()[0].split() == ["release", "state", "AI", "share", "AI", "tag", "previous",
                                             "stable", "rolled", "back", "to"]  # fmt: skip
    assert table.splitlines()[1].split() == [
        "v1.1.0",
        "rolled-back",
        "100%",
        "v1.1.0-ai-cache",
        "v1.0.0",
        "v1.0.0",
    ]


def test_a_dry_run_runs_tags_and_sends_nothing(released: Repo, webhook: Webhook, tmp_path: Path) -> None:
    command, record = deploy(tmp_path)
    done = rollback(released, "--dry-run", "--command", command, "--alert-webhook", webhook.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dry run: nothing was run, tagged or sent" in done.stdout
    assert calls(record) == [] and webhook.alerts == [] and tags(released, "incident-*") == []


def test_a_failed_deploy_command_creates_no_tag_and_exits_4(
    released: Repo, webhook: Webhook, tmp_path: Path
) -> None:
    command, record = deploy(tmp_path, 3)
    done = rollback(released, "--yes", "--command", command, "--alert-webhook", webhook.url)
    assert done.returncode == 4, done.stdout + done.stderr
    assert len(calls(record)) == 1
    assert tags(released, "incident-*") == [] and tags(released, "ai-rollback/*") == []
    assert "Rollback failed: v1.1.0 -> v1.0.0; no tag was created (exit 4)" in done.stdout
    (alert,) = webhook.alerts
    assert alert["status"] == "rollback-failed"
    assert str(alert["text"]).startswith(f"Rollback failed: v1.1.0 -> v1.0.0: {Path(PYTHON).name} exited 3")
    assert releases(released)["v1.1.0"]["state"] == "released"


def test_a_deploy_command_that_hangs_is_stopped(released: Repo, tmp_path: Path) -> None:
    command, _ = deploy(tmp_path, 0, 30)
    started = time.monotonic()
    done = rollback(released, "--yes", "--command", command, "--timeout", "1s")
    assert done.returncode == 4, done.stdout + done.stderr
    assert time.monotonic() - started < 20
    assert "no answer within 1s (stopped)" in done.stdout
    assert tags(released, "incident-*") == []


def test_a_deploy_command_that_is_not_found(released: Repo) -> None:
    done = rollback(released, "--yes", "--command", "./no-such-deploy.sh {previous_tag}")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "no-such-deploy.sh: cannot run it" in done.stdout
    assert tags(released, "incident-*") == []


def test_the_configured_command_and_timeout(released: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path, 0, 0, "{previous_tag}")
    pyproject = released.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + f"\n[tool.ai-rollback.deploy]\nrollback-command = {json.dumps(command)}\n"
    )
    done = rollback(released, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(record)[0]["args"] == ["v1.0.0"]


def test_no_command_configured(released: Repo) -> None:
    done = rollback(released, "--yes")
    assert done.returncode == 2
    assert "no rollback command" in done.stderr and "[tool.ai-rollback.deploy]" in done.stderr


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("{prev}", "unknown placeholder {prev}"),
        ("{incident}", "unknown placeholder {incident}"),
    ],
)
def test_a_placeholder_that_is_not_known_runs_nothing(
    released: Repo, tmp_path: Path, words: str, said: str
) -> None:
    command, record = deploy(tmp_path, 0, 0, words)
    done = rollback(released, "--yes", "--command", command)
    assert done.returncode == 2 and said in done.stderr
    assert calls(record) == []


def test_without_a_terminal_it_refuses_unless_yes(released: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path)
    done = released.tool("rollback", "--command", command, check=False, input="yes\n")
    assert done.returncode == 2
    assert "refusing to roll back without a terminal" in done.stderr and "--yes" in done.stderr
    assert calls(record) == []


def on_terminal(repo: Repo, answer: bytes, *args: str) -> tuple[int, str]:
    """Run ``rollback`` with a pseudo-terminal as its standard input; type ``answer`` at the prompt."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "rollback", *args],
        cwd=repo.path, env=repo.env, stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    os.close(secondary)
    try:
        os.write(main, answer)
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(main)
    return proc.returncode, out.decode()


def test_no_at_the_prompt_cancels(released: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path)
    code, out = on_terminal(released, b"no\n", "--command", command)
    assert code == 1, out
    assert "Confirm rollback? (yes/no) Rollback cancelled" in out
    assert calls(record) == [] and tags(released, "incident-*") == []


def test_yes_at_the_prompt_rolls_back(released: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path)
    code, out = on_terminal(released, b"yes\n", "--command", command)
    assert code == 0, out
    assert len(calls(record)) == 1 and len(tags(released, "incident-*")) == 1


def test_ctrl_c_while_the_command_runs_creates_no_tag(released: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path, 0, 30)
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "rollback", "--yes", "--command", command],
        cwd=released.path, env=released.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not calls(record) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, out + err
    assert "no tag was created" in err
    assert tags(released, "incident-*") == [] and tags(released, "ai-rollback/*") == []


def test_rolled_back_twice_and_the_current_release_follows_the_rollbacks(
    released: Repo, tmp_path: Path
) -> None:
    command, _ = deploy(tmp_path)
    released.git("tag", "-a", "v0.9.0", "-m", "old", "v1.0.0~0")
    assert rollback(released, "--yes", "--command", command).returncode == 0
    again = rollback(released, "v1.1.0", "--yes", "--command", command)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "v1.1.0 was already rolled back 1 time" in again.stdout
    assert len(tags(released, "ai-rollback/rolled-back/v1.1.0/*")) == 2
    incidents = tags(released, "incident-*")
    assert len(incidents) == 2  # the same minute: the second is NAME-2
    assert incidents[1] == incidents[0] + "-2" or incidents[0][:-2] != incidents[1][:-2]
    # no TAG: v1.1.0 was rolled back to v1.0.0, which runs now; before it, v0.9.0
    third = rollback(released, "--dry-run", "--command", command)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "v1.1.0 was already rolled back to v1.0.0" in third.stdout
    assert "current release:  v1.0.0" in third.stdout and "returning to:     v0.9.0" in third.stdout


def test_no_release_to_return_to(repo: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path)
    repo.commit("Human: start", {"a.txt": "a\n"})
    none = rollback(repo, "--yes", "--command", command)
    assert none.returncode == 2 and "no release tags" in none.stderr
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    one = rollback(repo, "--yes", "--command", command)
    assert one.returncode == 2 and "no stable release before v1.0.0" in one.stderr
    assert calls(record) == []
    assert repo.tool("releases").stdout.splitlines()[1].split()[:2] == ["v1.0.0", "released"]


def test_a_tag_that_is_no_release(released: Repo, tmp_path: Path) -> None:
    command, _ = deploy(tmp_path)
    released.git("tag", "build-42")
    done = rollback(released, "build-42", "--yes", "--command", command)
    assert done.returncode == 2 and "'build-42' is not a release tag" in done.stderr
    assert rollback(released, "v9.9.9", "--yes", "--command", command).returncode == 2
    dash = rollback(released, "--yes", "--command", command, "--", "-v1.1.0")
    assert dash.returncode == 2 and "starts with '-'" in dash.stderr


def test_revert_also_reverts_the_release_ai_commits(released: Repo, tmp_path: Path) -> None:
    command, _ = deploy(tmp_path)
    done = rollback(released, "--yes", "--revert", "--command", command)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (released.path / "cache.py").exists()
    assert released.out("log", "-1", "--format=%s") == 'Revert "AI: add a cache"'
    assert "revert: ok" in done.stdout


def test_the_team_sees_the_rollback_after_a_fetch(released: Repo, tmp_path: Path) -> None:
    """The records are tags on commits every clone has: a plain ``git fetch`` brings them."""
    clone = tmp_path / "clone"
    released.git("clone", "-q", str(released.path), str(clone))
    theirs = Repo(clone, released.env)
    command, _ = deploy(tmp_path)
    assert rollback(released, "--yes", "--command", command).returncode == 0
    assert releases(theirs)["v1.1.0"]["state"] == "released"
    theirs.git("fetch", "-q")
    assert releases(theirs)["v1.1.0"]["state"] == "rolled-back"


def test_watch_fills_the_placeholders_and_records_nothing_in_a_dry_run(
    released: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    prom = prometheus(errors=[0.5])
    command, record = deploy(tmp_path, 0, 0, "{tag}", "{previous_tag}", "{ai_tag}")
    dry = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command, "--dry-run"
    )
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert calls(record) == [] and tags(released, "ai-rollback/*") == []
    done = watch(released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command)
    assert done.returncode == 1, done.stdout + done.stderr
    (call,) = calls(record)
    assert call["args"] == ["v1.1.0", "v1.0.0", "v1.1.0-ai-cache"]
    assert call["env"]["AI_ROLLBACK_PREVIOUS_TAG"] == "v1.0.0"  # type: ignore[index]
    assert len(tags(released, "ai-rollback/rolled-back/v1.1.0/*")) == 1
    incident = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", "x {incident_tag}"
    )
    assert incident.returncode == 2 and "{incident_tag}, which has no value here" in incident.stderr


def test_a_record_that_no_longer_matches_its_release_is_ignored(released: Repo, tmp_path: Path) -> None:
    """A release tag moved after its rollback: the old record says nothing about the new commit."""
    command, _ = deploy(tmp_path)
    assert rollback(released, "--yes", "--command", command).returncode == 0
    released.commit(ai_message("more", ["more.py"]), {"more.py": "x\n"})
    released.git("tag", "-f", "-a", "v1.1.0", "-m", "moved")
    assert releases(released)["v1.1.0"]["state"] == "released"


FLAG_FILE = {
    "flags": {
        "ai_cache": {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"},
        "other": {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"},
    }
}


@pytest.fixture
def flagged(repo: Repo) -> Repo:
    """v1.0.0, then an AI commit guarded by the flag ai_cache, and v1.1.0 with its AI tag; a flag file."""
    release(repo)  # v1.0.0 and v1.1.0 with its AI tag; the queries of the loopback Prometheus
    (repo.path / "flags.json").write_text(json.dumps(FLAG_FILE, indent=2) + "\n")
    pyproject = repo.path / "pyproject.toml"
    repo.commit(
        "Human: flag file",
        {"pyproject.toml": pyproject.read_text() + '\n[tool.ai-rollback.flags]\nfile = "flags.json"\n'},
    )
    repo.commit(ai_message("guard the cache", ["guard.py"]) + "Feature-flag: ai_cache\n", {"guard.py": "x\n"})
    assert "v1.2.0-ai-guard" in repo.tool("tag", "v1.2.0", "--slug", "guard").stdout
    return repo


def flag_states(repo: Repo) -> dict[str, str]:
    return {k: v["state"] for k, v in json.loads((repo.path / "flags.json").read_text())["flags"].items()}


def test_disable_flags_first_and_the_breach_resolves(
    flagged: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    webhook: Webhook,
    tmp_path: Path,
) -> None:
    prom = prometheus(errors=[0.5, 0.5, 0.01])
    command, record = deploy(tmp_path)
    done = watch(
        flagged, "v1.2.0", "--for", "1s", "--every", "0.1s", "--prometheus", prom.url,
        "--rollback-command", command, "--disable-flags", "--alert-webhook", webhook.url,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert flag_states(flagged) == {"ai_cache": "DISABLED", "other": "ENABLED"}
    assert calls(record) == []  # resolved by the flags: nothing rolled back
    assert "flags-off: ok: switched off flags ai_cache in flags.json" in done.stdout
    assert "resolved by switching off the AI flags" in done.stdout
    assert [a["status"] for a in webhook.alerts] == ["flags-off", "resolved-by-flags"]
    assert "a rollback follows if the breach holds for 2 more polls" in str(webhook.alerts[0]["text"])
    assert flagged.out("tag", "--list", "ai-rollback/*") == ""  # neither healthy nor rolled back


def test_disable_flags_then_roll_back_when_the_breach_holds(
    flagged: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    webhook: Webhook,
    tmp_path: Path,
) -> None:
    prom = prometheus(errors=[0.5])
    command, record = deploy(tmp_path, 0, 0, "{previous_tag}")
    done = watch(
        flagged, "v1.2.0", *FAST, "--prometheus", prom.url,
        "--rollback-command", command, "--disable-flags", "--alert-webhook", webhook.url,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert prom.asked["errors"] == 4  # confirmed at 2, the flags off, confirmed again at 4: rolled back
    assert [c["args"] for c in calls(record)] == [["v1.1.0"]]
    assert [a["status"] for a in webhook.alerts] == ["flags-off", "rolled-back"]
    final = str(webhook.alerts[1]["text"])
    assert final.startswith("Auto-rollback completed: v1.2.0 -> v1.1.0.")
    assert "switched off flags ai_cache" in final and "ran " in final


def test_disable_flags_is_checked_before_the_first_poll(
    released: Repo,
    prometheus,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(errors=[0.5])
    done = watch(released, "v1.1.0", *FAST, "--prometheus", prom.url, "--disable-flags")
    assert done.returncode == 2 and "lists no feature flags" in done.stderr
    assert prom.asked == {}


# --- What a hostile review broke, one exact outcome each -------------------------------------


def test_a_release_tag_of_a_tag_is_recorded_on_its_commit(released: Repo, tmp_path: Path) -> None:
    released.git("tag", "-a", "build-42", "-m", "a build", "HEAD")
    released.git("tag", "-a", "v1.2.0", "-m", "the release of a build", "build-42")
    command, _ = deploy(tmp_path)
    done = rollback(released, "--yes", "--command", command)
    assert done.returncode == 0, done.stdout + done.stderr
    commit = released.out("rev-parse", "HEAD")
    (record,) = tags(released, "ai-rollback/*")
    assert released.out("rev-parse", f"{record}^{{commit}}") == commit
    assert released.out("cat-file", "-p", record).splitlines()[:2] == [f"object {commit}", "type commit"]
    assert released.run("git", "fsck", "--no-dangling").returncode == 0
    assert releases(released)["v1.2.0"]["state"] == "rolled-back"
    released.git("tag", "-a", "v1.3.0", "-m", "a tree", "HEAD^{tree}")
    assert "v1.3.0" not in releases(released)  # a tree is no release: nothing to roll back to or from


def test_a_hung_deploy_is_stopped_with_everything_it_started(released: Repo, tmp_path: Path) -> None:
    late = tmp_path / "late"
    script = tmp_path / "deploy.sh"
    script.write_text(f"#!/bin/sh\n( sleep 3; echo deployed > {late} ) &\nwait\n")
    script.chmod(0o755)
    done = rollback(released, "--yes", "--command", str(script), "--timeout", "1s")
    assert done.returncode == 4 and "no answer within 1s (stopped)" in done.stdout
    time.sleep(4)
    assert not late.exists()  # the grandchild was stopped too: production did not move afterwards


def test_a_deploy_that_leaves_a_background_process_is_done_when_it_exits(
    released: Repo, tmp_path: Path
) -> None:
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\necho rolling back\nsleep 30 &\nexit 0\n")
    script.chmod(0o755)
    started = time.monotonic()
    done = rollback(released, "--yes", "--command", str(script), "--timeout", "20s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - started < 15
    assert "rolling back" in done.stdout  # the deploy's own output is shown as it runs


def test_a_chatty_deploy_is_not_stopped(released: Repo, tmp_path: Path) -> None:
    script = tmp_path / "deploy.py"
    script.write_text("import sys\nfor i in range(40000):\n    print('x' * 60, i)\n")
    done = rollback(released, "--yes", "--command", f"{PYTHON} {script}")
    assert done.returncode == 0, done.stderr[-500:]
    assert len(done.stdout) > 2 << 20


def test_ctrl_c_during_the_revert_after_the_deploy_still_records_the_rollback(
    released: Repo, tmp_path: Path
) -> None:
    """The deploy ran: an interrupted revert must not make it look as if nothing happened."""
    slow = tmp_path / "slow-fsmonitor.sh"
    slow.write_text("#!/bin/sh\nsleep 60\n")
    slow.chmod(0o755)
    deployed = tmp_path / "deployed"
    script = tmp_path / "deploy.sh"  # rolls back, and from now on every git status of the revert hangs
    script.write_text(f"#!/bin/sh\ngit config core.fsmonitor {slow}\ntouch {deployed}\n")
    script.chmod(0o755)
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "rollback", "--yes", "--revert", "--command", str(script)],
        cwd=released.path, env=released.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not deployed.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the revert has started
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    released.git("config", "--unset", "core.fsmonitor")
    assert proc.returncode == 130, out + err
    assert "interrupted after the rollback command succeeded" in err
    assert releases(released)["v1.1.0"]["state"] == "rolled-back"
    assert len(tags(released, "incident-*")) == 1
    assert (released.path / "cache.py").exists()  # ai-revert is all or nothing: nothing half-reverted


def test_a_pre_release_is_never_the_stable_release_to_return_to(repo: Repo, tmp_path: Path) -> None:
    for version in ("v1.0.0", "v2.0.0-rc1", "v2.0.0", "v2.1.0-rc1"):
        repo.commit(f"Human: {version}", {"v.txt": version + "\n"})
        repo.git("tag", "-a", version, "-m", version)
    command, record = deploy(tmp_path, 0, 0, "{tag}", "{previous_tag}")
    done = rollback(repo, "--yes", "--command", command)  # HEAD's newest release: v2.1.0-rc1
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(record)[0]["args"] == ["v2.1.0-rc1", "v2.0.0"]
    assert releases(repo)["v2.0.0"]["previous_stable"] == "v1.0.0"  # not v2.0.0-rc1
    assert list(releases(repo)) == ["v2.1.0-rc1", "v2.0.0", "v2.0.0-rc1", "v1.0.0"]


def test_tags_that_cannot_be_created_stop_the_rollback_before_the_deploy(
    released: Repo, tmp_path: Path
) -> None:
    released.git("tag", "ai-rollback")  # a tag in the way of the refs/tags/ai-rollback/ directory
    command, record = deploy(tmp_path)
    done = rollback(released, "--yes", "--command", command)
    assert done.returncode == 3 and "could not be created, so nothing was run" in done.stderr
    assert calls(record) == [] and tags(released, "incident-*") == []


def test_incident_tags_are_no_releases_even_when_every_tag_is(released: Repo, tmp_path: Path) -> None:
    pyproject = released.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.ai-rollback.tag]\nrelease-pattern = "*"\n')
    command, _ = deploy(tmp_path)
    assert rollback(released, "v1.1.0", "--yes", "--command", command).returncode == 0
    released.git("update-ref", "refs/tags/--force-all", released.out("rev-parse", "HEAD"))
    names = list(releases(released))
    assert names == ["v1.1.0", "v1.0.0"]  # no incident tag, no AI tag, no record, no option-like name


def test_a_second_rollback_waits_for_none_and_is_refused(released: Repo, tmp_path: Path) -> None:
    command, record = deploy(tmp_path, 0, 5)
    first = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "rollback", "--yes", "--command", command],
        cwd=released.path, env=released.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not calls(record) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = rollback(released, "--yes", "--command", command)
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert second.returncode == 3 and "another ai-rollback rollback (process" in second.stderr
    assert len(calls(record)) == 1


def test_credentials_in_the_command_are_not_shown(released: Repo, tmp_path: Path) -> None:
    command, _ = deploy(tmp_path, 2, 0, "--token", "supersecret123", "--password=hunter22", "-u", "bob:pw99")
    done = rollback(released, "--yes", "--command", command)
    assert done.returncode == 4
    shown = done.stdout + done.stderr
    assert "--token **** --password=**** -u bob:****" in shown
    assert not any(secret in shown for secret in ("supersecret123", "hunter22", "pw99"))


def test_watch_records_the_rollback_when_the_deploy_succeeded_and_the_revert_failed(
    released: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    (released.path / "cache.py").write_text("changed by hand\n")  # ai-revert refuses a dirty tree
    command, record = deploy(tmp_path)
    prom = prometheus(errors=[0.5])
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--rollback-command", command, "--revert"
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert len(calls(record)) == 1
    assert releases(released)["v1.1.0"]["state"] == "rolled-back"


# --- What a second hostile review broke (flags), one exact outcome each ------------------------


class Series:
    """A metrics source for the loop on a fake clock: one error rate per poll, the last repeated."""

    def __init__(self, rates: list[float]) -> None:
        self.rates, self.polls = rates, 0

    def describe(self) -> str:
        return "a series"

    def read(self) -> dict[str, float]:
        self.polls += 1
        return {"error-rate": self.rates[min(self.polls, len(self.rates)) - 1]}


def fake_watch(
    rates: list[float], switch: Outcome, duration: float = 6.0, interval: float = 1.0, dry_run: bool = False,
    interrupt_after: int | None = None,
) -> tuple[int, Series, list[str], list[str]]:  # fmt: skip
    from ai_rollback.watch import Options, Plan, run

    now = [0.0]
    lines: list[str] = []
    ran: list[str] = []
    source = Series(rates)

    def sleep(seconds: float) -> None:
        if interrupt_after is not None and source.polls >= interrupt_after:
            raise KeyboardInterrupt
        now[0] += seconds

    options = Options(
        tag="v1.2.0", duration=duration, interval=interval,
        thresholds={"error-rate": 0.05}, breaches=2, blind_after=2,
        plan=Plan(rollback_command=["true"], dry_run=dry_run), disable_flags=lambda: (ran.append("off"), switch)[1],
    )  # fmt: skip
    code = run(options, source, lines.append, clock=lambda: now[0], sleep=sleep)
    return code, source, lines, ran


from ai_rollback.watch import Outcome  # noqa: E402

SWITCHED = Outcome("flags-off", True, "switched off flags ai_cache in flags.json")


def test_flags_switched_off_on_the_last_poll_are_watched_until_the_breach_could_hold_again() -> None:
    code, source, lines, _ = fake_watch([0.01, 0.01, 0.01, 0.01, 0.5, 0.5], SWITCHED, duration=5.0)
    assert source.polls == 8  # confirmed at poll 6 (the period's last), then two more polls
    assert code == 1 and any("rollback-command: ok" in line for line in lines)


def test_flags_that_were_already_off_are_no_step_to_wait_for() -> None:
    already = Outcome("flags-off", False, "the release's AI flags were already off (ai_cache)")
    code, source, lines, _ = fake_watch([0.5], already)
    assert source.polls == 2 and code == 1  # rolled back at once
    assert any("flags-off: FAILED: the release's AI flags were already off" in line for line in lines)


def test_a_dry_run_never_says_the_flags_resolved_it() -> None:
    dry = Outcome("flags-off", True, "would switch off the release's AI flags", done=False)
    code, _, lines, ran = fake_watch([0.5, 0.5, 0.01], dry, dry_run=True)
    assert ran == [] and code == 1
    assert not any("resolved" in line for line in lines)
    assert "dry run: the AI flags would have been switched off" in lines[-1]


def test_ctrl_c_after_the_flags_says_they_were_switched_off() -> None:
    code, _, lines, ran = fake_watch([0.5, 0.5, 0.01], SWITCHED, interrupt_after=3)
    assert code == 130 and ran == ["off"]
    assert lines[-1] == "stopped after 3 polls; the AI flags were switched off, nothing was rolled back"


def test_two_flag_switches_at_once_lose_nothing(flagged: Repo) -> None:
    path = flagged.path / "flags.json"
    for _ in range(8):
        path.write_text(json.dumps(FLAG_FILE, indent=2) + "\n")
        procs = [
            subprocess.Popen(
                [PYTHON, "-m", "ai_rollback", "flags", "off", key],
                cwd=flagged.path,
                env=flagged.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for key in ("ai_cache", "other")
        ]
        assert [p.wait(timeout=60) for p in procs] == [0, 0]
        for p in procs:
            assert p.stderr is not None
            p.stderr.close()
        assert flag_states(flagged) == {"ai_cache": "DISABLED", "other": "DISABLED"}


def test_the_file_keeps_its_bytes_but_the_state_and_refuses_what_is_not_json(flagged: Repo) -> None:
    path = flagged.path / "flags.json"
    text = (
        '{\r\n\t"flags": {\r\n\t\t"ai_cache": {"state": "ENABLED", "variants": {"on": 12345678901234567890.5, '
        '"off": 0.1}, "defaultVariant": "on", "note": "\\ud800"},\r\n'
        '\t\t"other": {"state":"ENABLED","variants":{"on":true},"defaultVariant":"on"}\r\n\t}\r\n}\r\n'
    )
    path.write_bytes(text.encode())
    assert flagged.tool("flags", "off", "ai_cache").returncode == 0
    assert path.read_bytes() == text.replace('"state": "ENABLED"', '"state": "DISABLED"', 1).encode()
    for bad in ('{"flags": {"a": {"state": "ENABLED", "variants": {"on": NaN}, "defaultVariant": "on"}}}',
                '{"flags": {"a": {"state": "ENABLED", "variants": {"on": 1e400}, "defaultVariant": "on"}}}'):  # fmt: skip
        path.write_text(bad)
        done = flagged.tool("flags", "off", "a", check=False)
        assert done.returncode == 3 and "is not valid JSON" in done.stderr and path.read_text() == bad


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_the_file_keeps_its_owner(flagged: Repo) -> None:
    path = flagged.path / "flags.json"
    os.chown(path, 65534, 65534)
    flagged.tool("flags", "off", "ai_cache")
    assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534)


def test_disable_flags_checks_the_file_and_the_command_before_the_first_poll(
    flagged: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    prom = prometheus(errors=[0.5])
    path = flagged.path / "flags.json"
    path.write_text(json.dumps({"flags": {"other": FLAG_FILE["flags"]["other"]}}))
    missing = watch(flagged, "v1.2.0", *FAST, "--prometheus", prom.url, "--disable-flags")
    assert missing.returncode == 2 and "--disable-flags: flags.json has no flag ai_cache" in missing.stderr
    path.unlink()
    gone = watch(flagged, "v1.2.0", *FAST, "--prometheus", prom.url, "--disable-flags")
    assert gone.returncode == 3 and "cannot read the flag file flags.json" in gone.stderr
    assert prom.asked == {}
    log = tmp_path / "flagctl.txt"
    script = tmp_path / "flagctl.py"
    script.write_text(f"import sys\nopen({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n")
    pyproject = flagged.path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'file = "flags.json"', f'command = "{PYTHON} {script} {{flag}} {{state}} {{tag}} {{ai_tag}}"'
        )
    )
    done = watch(
        flagged, "v1.2.0", *FAST, "--prometheus", prom.url, "--disable-flags", "--rollback-command", "true"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert log.read_text() == "ai_cache off v1.2.0 v1.2.0-ai-guard\n"


def test_watch_does_not_roll_back_while_a_person_does(
    flagged: Repo,
    prometheus,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    command, record = deploy(tmp_path, 0, 8)
    person = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "rollback", "--yes", "--command", command],
        cwd=flagged.path, env=flagged.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not calls(record) and time.monotonic() < deadline:
        time.sleep(0.05)
    worktree = tmp_path / "wt"
    flagged.git("worktree", "add", "-q", str(worktree))
    prom = prometheus(errors=[0.5])
    other = Repo(worktree, flagged.env)
    in_worktree = rollback(other, "--yes", "--command", command)
    done = watch(flagged, "v1.2.0", *FAST, "--prometheus", prom.url, "--rollback-command", command)
    person.communicate(timeout=60)
    assert in_worktree.returncode == 3 and "another ai-rollback rollback" in in_worktree.stderr
    assert done.returncode == 4 and "was not run: another ai-rollback rollback (process" in done.stdout
    assert len(calls(record)) == 1


def test_an_ai_tag_from_before_ai_flags_still_names_its_flags(repo: Repo) -> None:
    repo.commit(
        "Human: start",
        {
            "flags.json": json.dumps(FLAG_FILE),
            "pyproject.toml": '[tool.ai-rollback.flags]\nfile = "flags.json"\n',
        },
    )
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    repo.commit(ai_message("guard", ["g.py"]) + "Feature-flag: ai_cache\n", {"g.py": "g\n"})
    repo.git("tag", "-a", "v1.1.0", "-m", "two")
    repo.git("tag", "-a", "v1.1.0-ai-old", "-m", "Deploy: v1.1.0\n\nAI-Commits: 1\nAI-Range: v1.0.0..v1.1.0")
    done = repo.tool("flags", "off", "--tag", "v1.1.0")
    assert done.stdout == "switched off: ai_cache (in flags.json)\n"


def test_a_misspelled_flag_trailer_is_named(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    repo.write("b.txt", "b\n")
    repo.git("add", "b.txt")
    repo.tool("install")
    done = repo.git("commit", "-q", "-m", ai_message("b", ["b.txt"]) + "Feature-Flags: ai_b\n", check=False)
    assert done.returncode != 0 and '"Feature-Flags:" is not the flag trailer' in done.stderr


def test_headers_with_credentials_are_hidden() -> None:
    from ai_rollback.releases import shown_command

    shown = shown_command(
        [
            "curl",
            "--header=X-Api-Key:0123456789abcdef",
            "-H",
            "Authorization: Bearer T6",
            "-H",
            "Accept: json",
        ]
    )
    assert shown == "curl --header=X-Api-Key:**** -H Authorization: **** -H 'Accept: json'"
