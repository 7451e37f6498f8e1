"""What a hostile tester broke in ``ai-rollback log`` and its stream (2026-12-03), one outcome each.

F1 a range's ``--`` reached git as a pathspec, and the two paths disagreed;
F2 a commit's kind depended on the format; F3 Ctrl-C at start-up was a
traceback; F4 SIGTERM left git running; F5 a failed git said nothing useful;
F6 a huge message was read in quadratic time; F7 bytes that are not UTF-8
made invalid JSON; F8 two kinds of secret were not redacted; F9 control
characters reached the terminal; F10 a model's pipes broke a markdown row.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ai_rollback import entry
from ai_rollback.git import run as gitrun
from conftest import PYTHON, Repo, tool


def raw_commit(repo: Repo, message: bytes) -> str:
    """A commit of ``message`` exactly (no cleanup, no re-encoding), on top of HEAD."""
    tree = repo.out("write-tree")
    parent = repo.out("rev-parse", "HEAD")
    body = f"tree {tree}\nparent {parent}\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\n".encode()
    sha = repo.run("git", "hash-object", "-t", "commit", "-w", "--stdin", input=body + message).stdout.strip()
    repo.git("update-ref", "HEAD", sha)
    return sha


@pytest.fixture
def started(repo: Repo) -> Repo:
    repo.commit("Human: start", {"a": "a\n"})
    return repo


# F1
@pytest.mark.parametrize("text", ["HEAD -- a", "HEAD --", "HEAD -n1"])
def test_a_range_never_carries_an_option_or_a_path(started: Repo, text: str) -> None:
    for argv in (["log", text], ["log", text, "--by", "release"]):  # the fast path, and click's
        done = tool(started, *argv)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert (
            "which git would read as an option or a path" in done.stderr or "starts with '-'" in done.stderr
        )


def test_the_fast_path_reads_the_same_from_a_subdirectory(started: Repo) -> None:
    started.write("sub/g", "g\n")
    started.git("add", "sub/g")
    started.git("commit", "-q", "-m", "AI: g\n\nGenerated-by: m\nPrompt: p\nFiles: sub/g")
    top = tool(started, "log", "--format", "json").stdout
    below = started.run(
        PYTHON, "-m", "ai_rollback", "log", "--format", "json", cwd=started.path / "sub"
    ).stdout
    assert below == top and json.loads(top)["summary"]["ai_commits"] == 1


# F2
def test_a_commit_starting_with_blank_lines_has_one_kind_in_every_format(started: Repo) -> None:
    raw_commit(started, b"\n\nAI: x\n\nFiles: f\n")  # the label alone says AI
    assert json.loads(tool(started, "log", "--format", "json").stdout)["summary"]["ai_commits"] == 1
    assert "1 AI, 1 human" in tool(started, "log").stdout
    assert "| all | 2 | 0 | 1 | 1 |" in tool(started, "log", "--format", "markdown").stdout
    assert (
        json.loads(tool(started, "log", "--format", "json", "--lines").stdout)["summary"]["ai_commits"] == 1
    )


# F3
def test_ctrl_c_while_the_walk_starts_is_an_interruption(
    started: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(started.path)

    def interrupted(_git: object, _args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(gitrun, "prefetch", interrupted)
    assert entry.main(["log"]) == 130
    assert capsys.readouterr().err == "ai-rollback: interrupted\n"


# F4
@pytest.mark.parametrize("when", ["loaded", "loading"])
def test_sigterm_stops_the_git_it_reads_from(started: Repo, tmp_path: Path, when: str) -> None:
    """git held still (a stand-in that stops before it runs): SIGTERM to us must not orphan it.

    ``loading``: (2026-12-04) the signal comes while the report still imports, just after its
    walk started: SIGTERM killed us outright (exit 143) and git ran on to the end of the range.
    """
    real = gitrun.git_executable()
    pidfile = tmp_path / "git.pid"
    shim = tmp_path / "bin" / "git"
    shim.parent.mkdir()
    pause = "sleep 0.02; " if when == "loading" else ""
    shim.write_text(
        f'#!/bin/sh\ncase " $* " in *" log "*) {pause}echo $$ > {pidfile}; exec sleep 60;; esac\n'
        f'exec {real} "$@"\n'
    )
    shim.chmod(0o755)
    env = {**started.env, "PATH": f"{shim.parent}{os.pathsep}{started.env['PATH']}"}
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "log"], cwd=started.path, env=env, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 20
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    git_pid = int(pidfile.read_text())
    if when == "loaded":
        time.sleep(1.5)  # the report has loaded and waits for git's first record
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130 and err.decode() == "ai-rollback: interrupted\n"
    time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.kill(git_pid, 0)


# F5
def test_a_failed_git_is_named_by_its_command_and_what_stopped_it() -> None:
    git = gitrun.Git(".")
    assert str(git.error(["-c", "core.quotePath=true", "log", "-z"], -9, b"")).startswith(
        "git log failed: it was killed by signal 9"
    )
    assert "git log failed: bad object deadbeef" in str(
        git.error(["log"], 128, b"fatal: bad object deadbeef\n")
    )
    assert "exited with status 3 and said nothing" in str(git.error(["-C", "x", "log"], 3, b""))
    assert "filled the file system" in str(git.error(["log"], 128, b"", "its output filled the file system"))


# F6
def test_records_longer_than_a_read_are_joined_once() -> None:
    chunks = [b"a" * 10, b"b" * 10, b"c\0d", b"e" * 5, b"\0\0f", b"g"]
    batches = list(gitrun._split_records(iter(chunks), b"\0"))
    assert batches == [[b"a" * 10 + b"b" * 10 + b"c"], [b"d" + b"e" * 5, b""], [b"fg"]]
    assert list(gitrun._split_records(iter([b"x\0"]), b"\0")) == [[b"x"]]


def test_a_huge_message_is_read_whole(started: Repo) -> None:
    body = ("word " * 400_000).encode()  # 2 MB, eight reads of the stream
    raw_commit(started, b"AI: huge\n\n" + body + b"\n\nGenerated-by: m\nPrompt: p\nFiles: f\n")
    data = json.loads(tool(started, "log", "--format", "json").stdout)
    assert data["summary"]["ai_commits"] == 1 and data["commits"][0]["subject"] == "AI: huge"


# F7
def test_bytes_that_are_not_utf8_never_reach_the_output(started: Repo) -> None:
    raw_commit(started, b"AI: x\n\nGenerated-by: m\xe9\nPrompt: p\nFiles: f\xe9\n")
    raw_commit(started, b"Fix \xe9\n")
    done = started.run(PYTHON, "-m", "ai_rollback", "log", "--format", "json", check=False)
    data = json.loads(done.stdout.encode("utf-8", "surrogateescape"))
    assert data["summary"]["models"] == {"m\ufffd": 1}
    assert data["summary"]["top_ai_files"] == [{"path": "f\ufffd", "ai_commits": 1}]
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    for fmt in ("table", "json", "markdown"):
        done = started.run(PYTHON, "-m", "ai_rollback", "log", "--format", fmt, env=strict, check=False)
        assert done.returncode == 0 and "\ufffd" in done.stdout, done.stderr


# F8
@pytest.mark.parametrize("secret", ['api_key: "zq8Wm2Lr9XkP"', "rk_test_abcdefghijklmnop1234"])
def test_both_secrets_are_redacted(started: Repo, secret: str) -> None:
    started.git("commit", "-q", "--allow-empty", "-m", f"Human: rotate {secret} now")
    for fmt in ("table", "json", "markdown"):
        out = tool(started, "log", "--format", fmt).stdout
        assert "zq8Wm2Lr9XkP" not in out and "abcdefghijklmnop1234" not in out


# F9
def test_control_characters_are_shown_not_obeyed(started: Repo) -> None:
    started.git(
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "AI: x\r0000000000  human  -   Human: innocent \x1b]0;pwned\x07",
    )
    table = tool(started, "log").stdout
    assert "\r" not in table and "\x1b" not in table and "\x07" not in table
    assert "AI: x\ufffd0000000000" in table
    started.git(
        "commit", "-q", "--allow-empty", "-m", "AI: y \x1b[2J\n\nGenerated-by: m\nPrompt: p\nFiles: f"
    )
    markdown = tool(started, "log", "--format", "markdown").stdout
    assert "\x1b" not in markdown
    data = json.loads(tool(started, "log", "--format", "json").stdout)
    assert data["commits"][0]["subject"] == "AI: y \x1b[2J"  # JSON escapes it: the text is kept


# F10
def test_a_models_pipes_are_escaped_in_markdown(started: Repo) -> None:
    started.git(
        "commit", "-q", "--allow-empty", "-m", "AI: m\n\nGenerated-by: gpt | evil | x\nPrompt: p\nFiles: f"
    )
    markdown = tool(started, "log", "--format", "markdown").stdout
    row = next(line for line in markdown.splitlines() if "AI: m" in line)
    import re

    assert len(re.findall(r"(?<!\\)\|", row)) == 5  # four cells
    assert "gpt \\| evil \\| x" in row and "**Models:** gpt \\| evil \\| x (1)" in markdown


# minor
def test_a_repository_without_commits_says_so(repo: Repo) -> None:
    done = tool(repo, "log")
    assert done.returncode == 2 and "the current branch has no commits yet" in done.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_an_output_that_refuses_to_be_written_is_an_error_not_a_bug(started: Repo) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [PYTHON, "-m", "ai_rollback", "log"], cwd=started.path, env=started.env, stdout=full,
            stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert done.returncode == 3 and done.stderr == "ai-rollback: error: No space left on device\n"


def test_markdown_shows_links_and_html_in_commit_text_as_text(started: Repo) -> None:
    started.git(
        "commit", "-q", "--allow-empty", "-m",
        "AI: see [click](javascript:alert(1)) <img src=x>\n\nGenerated-by: <b>m</b>\nPrompt: p\nFiles: f`x",
    )  # fmt: skip
    markdown = tool(started, "log", "--format", "markdown").stdout
    assert "<img" not in markdown and "<b>" not in markdown and "[click](" not in markdown
    assert "\\[click\\](javascript:alert(1)) &lt;img src=x&gt;" in markdown
    assert "`f'x`" in markdown


@pytest.mark.parametrize("fmt", ["html", "agent-trace", "json", "table"])
@pytest.mark.parametrize(
    ("rev", "kind"),
    [
        ("HEAD:a", "a blob"),
        ("HEAD^{tree}", "a tree"),
        ("HEAD^{tree}..HEAD", "a tree"),
        ("treetag", "a tag of a tree"),
    ],
)
def test_a_blob_or_a_tree_is_not_a_range(started: Repo, fmt: str, rev: str, kind: str) -> None:
    """(2026-12-04) html said "git tag failed" (exit 3), agent-trace wrote nothing with exit 0;
    a tag of a tree was "a tag", which the hint said a range may name."""
    started.git("tag", "-a", "treetag", "-m", "a tree", "HEAD^{tree}")
    done = tool(started, "log", rev, "--format", fmt)
    assert (done.returncode, done.stdout) == (2, "")
    assert f"names {kind} (" in done.stderr and "not a commit" in done.stderr


def test_a_range_of_many_revisions_asks_for_its_releases_once(started: Repo, tmp_path: Path) -> None:
    """(2026-12-04) one ``git tag --merged`` per revision: 1,000 revisions took 69 s."""
    for n in range(30):
        started.commit(f"Human: {n}", {"a": f"{n}\n"})
        if n % 10 == 0:
            started.git("tag", "-a", f"v1.{n}.0", "-m", "r")
    revisions = " ".join(started.out("rev-list", "HEAD").split()[:25])
    trace = tmp_path / "trace"
    for fmt in ("html", "json"):
        trace.write_text("")
        args = ["log", revisions, "--format", fmt, *(["--by", "release"] if fmt == "json" else [])]
        done = started.tool(*args, check=False, env={"GIT_TRACE": str(trace)})
        assert done.returncode == 0, done.stderr
        assert trace.read_text().count("built-in: git tag ") == 1
        if fmt == "json":
            releases = [r["release"] for r in json.loads(done.stdout)["summary"]["releases"]]
            assert releases == ["unreleased", "v1.20.0", "v1.10.0", "v1.0.0"]


def test_a_failed_check_piped_into_head_still_fails(started: Repo) -> None:
    """(2026-12-04) once a reader that went away was no error for every command, ``check --range
    ... 2>&1 | head`` of a history breaking the convention exited 0."""
    base = started.out("rev-parse", "HEAD").strip()
    stream = "".join(
        f"commit refs/heads/broken\ncommitter A <a@x> {n} +0000\ndata 9\nno label\n"
        + (f"from {base}\n" if n == 0 else "")
        + "\n"
        for n in range(3000)
    )
    started.run("git", "fast-import", "--quiet", input=stream)
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "check", "--range", f"{base}..broken"],
        cwd=started.path,
        env=started.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    assert proc.stdout.read(100)
    proc.stdout.close()  # as `2>&1 | head -c 100` does
    assert proc.wait(timeout=120) == 1
