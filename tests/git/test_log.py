"""The one log format and its token parser, against real git output."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_rollback.git.log import (
    FIELDS,
    ROW_SIZE,
    iter_log,
    iter_rows,
    iter_topo,
    parse_log,
    row_commit,
)
from ai_rollback.git.run import Git
from conftest import Repo


def test_fields_renames_copies_and_numstat(repo: Repo) -> None:
    repo.commit("Human: start\n\nbody\n", {"a.txt": "one\ntwo\nthree\n" * 20, "b": "b\n"})
    repo.git("mv", "a.txt", "moved.txt")
    repo.commit("Human: rename", {"b": "b2\n"})
    repo.git("rm", "-q", "b")
    repo.commit("Human: delete")
    git = Git(str(repo.path), repo.env)
    newest, middle, first = list(iter_log(git, ["HEAD"]))
    assert [c.title for c in (newest, middle, first)] == ["Human: delete", "Human: rename", "Human: start"]
    assert first.message == "Human: start\n\nbody\n" and first.author_email == "ada@example.com"
    assert first.changes == [("A", None, "a.txt"), ("A", None, "b")] and first.parents == []
    assert middle.paths == ["a.txt", "b", "moved.txt"] and newest.changes == [("D", "b", None)]
    renamed = next(c for c in iter_topo(git, ["HEAD"]) if c.title == "Human: rename")
    assert renamed.changes == [("M", "b", "b"), ("R100", "a.txt", "moved.txt")]
    assert renamed.paths == ["b", "a.txt", "moved.txt"]
    stats = list(iter_log(git, ["HEAD~1"], "--numstat", "--no-renames"))
    assert [c.lines for c in stats] == [60 + 60 + 2, 61] and stats[0].paths == ["a.txt", "b", "moved.txt"]


def test_rows_are_whole_commits_at_the_fields_indices(repo: Repo) -> None:
    for n in range(5):
        repo.commit(f"Human: {n}\n\nline\n\nmore", {"f": f"{n}\n"})
    repo.commit("AI: title\nover two lines  \n\nbody\n\nGenerated-by: m", {"g": "x\n"})
    git = Git(str(repo.path), repo.env)
    rows = [t for batch in iter_rows(git, ["HEAD"]) for t in batch]
    assert len(rows) == 6 * ROW_SIZE
    commits = [row_commit(rows[i : i + ROW_SIZE]) for i in range(0, len(rows), ROW_SIZE)]
    assert [c.title for c in commits] == ["AI: title over two lines"] + [
        f"Human: {n}" for n in range(4, -1, -1)
    ]
    assert [c.sha for c in commits] == repo.out("rev-list", "HEAD").split()
    fields = [name for name, _ in FIELDS]
    # every field as the one log format reads it
    assert [[getattr(c, f) for f in fields] for c in commits] == [
        [getattr(c, f) for f in fields] for c in iter_log(git, ["HEAD"], "--no-renames")
    ]


def test_parse_log_without_changes() -> None:
    tokens = [b"a" * 40, b"", b"A", b"a@x", b"c@x", b"Human: x", b"Human: x\n", b"\n" + b"b" * 40, b"a" * 40]
    tokens += [b"B", b"b@x", b"c@x", b"AI: y", b"AI: y\n"]
    one, two = parse_log(tokens)
    assert (one.sha, one.parents, one.changes) == ("a" * 40, [], [])
    assert (two.sha, two.parents, two.subject) == ("b" * 40, ["a" * 40], "AI: y")


def test_prefetched_patches_are_the_ones_asked_for(repo: Repo) -> None:
    """PatchFile (every commit of a walk, ahead of time) gives what iter_patches gives."""
    from ai_rollback.errors import GitError
    from ai_rollback.git.log import PatchFile, iter_patches

    repo.commit("Human: start", {"a.txt": "one\ntwo\n", "caf\u00e9.txt": "caf\u00e9\n"})
    repo.commit("Human: more", {"a.txt": "one\n2\nthree\n", "caf\u00e9.txt": "\u00e9t\u00e9\n"})
    repo.git("mv", "a.txt", "b.txt")
    repo.commit("Human: move")
    git = Git(str(repo.path), repo.env)
    shas = repo.out("rev-list", "--reverse", "--topo-order", "HEAD").split()
    prefetched = PatchFile(git, ["HEAD"])
    try:
        expected = list(iter_patches(git, shas))
        assert [sha for sha, _lines in expected] == shas
        assert list(prefetched.patches()) == expected
        assert list(prefetched.patches()) == expected  # read again, from the start
    finally:
        prefetched.close()
    prefetched.close()  # twice is fine
    with pytest.raises(GitError):
        list(prefetched.patches())
    broken = PatchFile(git, ["no-such-revision"])
    try:
        with pytest.raises(GitError):
            list(broken.patches())
    finally:
        broken.close()


@pytest.mark.parametrize("how", ["spawned", "file", "pipe"])
def test_a_stream_says_what_git_said_and_stops_git_when_left(
    repo: Repo, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git writes into an unnamed temporary file (else a pipe): its errors, and a reader who stops.

    ``spawned``: from the directory we are in, git is started with ``os.posix_spawn``.
    """
    import os
    import subprocess

    from ai_rollback.errors import GitError
    from ai_rollback.git import run as gitrun

    spooled = how != "pipe"
    if not spooled:
        monkeypatch.setattr(gitrun, "_spool", lambda: None)
    for n in range(30):
        repo.commit(f"Human: {n}", {"f": f"{n}\n"})
    if how == "spawned":
        monkeypatch.chdir(repo.path)
    git = Git(os.getcwd() if how == "spawned" else str(repo.path), repo.env)
    kind = gitrun.Spawned if how == "spawned" else subprocess.Popen
    probe = gitrun.BatchStream(git, ["version"])
    assert isinstance(probe.proc, kind)
    assert b"".join(b"".join(batch) for batch in probe.batches(b"\n")).startswith(b"git version")
    with pytest.raises(GitError) as failed:
        list(git.stream_batches("log", "--end-of-options", "no-such-rev", "--"))
    assert failed.value.returncode == 128 and "no-such-rev" in failed.value.stderr
    monkeypatch.setattr(gitrun.BatchStream, "CHUNK", 16)
    stream = gitrun.BatchStream(git, ["log", "-z", "--format=%H"])
    assert (stream._files is not None) == spooled
    batches = stream.batches()
    first = next(batches)
    assert first and all(len(sha) == 40 for sha in first)
    batches.close()  # the reader leaves: git is stopped, its files closed
    assert stream.proc.poll() is not None and stream._files is None
    whole = [s.decode() for b in gitrun.BatchStream(git, ["log", "-z", "--format=%H"]).batches() for s in b]
    assert whole == repo.out("rev-list", "HEAD").split()


def test_a_spooled_run_answers_as_a_piped_one(repo: Repo) -> None:
    """Git.run_spooled (input and output in temporary files): the same bytes, the same errors."""
    from ai_rollback.errors import GitError
    from ai_rollback.git.objects import objects_exist, read_blobs

    repo.commit("Human: start", {"a.txt": "one\n" * 5000})  # more than a pipe holds
    git = Git(str(repo.path), repo.env)
    names = "".join(f"HEAD:{n}\n" for n in ["a.txt", "missing", "a.txt"] * 200).encode()
    assert git.run_spooled("cat-file", "--batch", input=names) == git.run("cat-file", "--batch", input=names)
    assert read_blobs(git, ["HEAD:a.txt", "HEAD:nope"]) == [b"one\n" * 5000, None]
    assert objects_exist(git, ["HEAD:a.txt", "HEAD:nope"]) == [True, False]
    with pytest.raises(GitError, match="no-such-option"):
        git.run_spooled("cat-file", "--no-such-option", input=b"")


def test_a_spawned_git_polls_waits_and_is_killed_as_popen_would_be(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``posix_spawn`` door of :class:`BatchStream`: exit codes as ``Popen`` gives them."""
    import os
    import shutil
    import signal

    from ai_rollback.errors import GitError
    from ai_rollback.git import run as gitrun

    sleeper = gitrun.Spawned(os.posix_spawn(shutil.which("sleep") or "/bin/sleep", ["sleep", "30"], {}))
    assert sleeper.poll() is None
    sleeper.kill()
    assert sleeper.wait() == -signal.SIGKILL and sleeper.poll() == -signal.SIGKILL
    sleeper.kill()  # an ended process: nothing to do
    monkeypatch.chdir(repo.path)
    git = Git(os.getcwd(), repo.env)
    monkeypatch.setattr(Git, "_argv", lambda self, args: ["/no/such/git", *args])
    with pytest.raises(GitError, match="cannot run git"):
        gitrun.BatchStream(git, ["version"])


def test_a_walk_with_stdin_closed_is_the_same_report(repo: Repo) -> None:
    """(2026-12-04) started with stdin closed (cron, ``<&-``), git's output file took number 0,
    and the ``posix_spawn`` door put /dev/null there: "write failure on 'stdout'", exit 3."""
    import subprocess

    from conftest import PYTHON

    for n in range(3):
        repo.commit(f"Human: {n}", {"f": f"{n}\n"})
    argv = [PYTHON, "-m", "ai_rollback", "log", "--format", "json"]
    whole = repo.run(*argv).stdout
    closed = subprocess.run(
        ["sh", "-c", 'exec "$@" <&-', "sh", *argv],
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        text=True,
    )
    assert (closed.returncode, closed.stdout, closed.stderr) == (0, whole, "")


def test_a_walk_from_a_removed_directory_runs_from_the_repository(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(2026-12-04) ``os.getcwd()`` raised once the directory was gone: exit 3, a report cut short."""
    import os

    from ai_rollback.git import run as gitrun

    repo.commit("Human: start", {"f": "x\n"})
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    stream = gitrun.BatchStream(Git(str(repo.path), repo.env), ["log", "-z", "--format=%s"])
    assert not isinstance(stream.proc, gitrun.Spawned)
    assert [s for b in stream.batches() for s in b] == [b"Human: start"]
    assert os.path.isdir(repo.path)


def test_a_walk_with_sigchld_ignored_is_the_same_report(repo: Repo) -> None:
    """(2026-12-04) started with SIGCHLD ignored (some supervisors), the system reaps git and
    ``waitpid`` says "No child processes": the report stopped after its first row, exit 3."""
    from conftest import PYTHON

    for n in range(3):
        repo.commit(f"Human: {n}", {"f": f"{n}\n"})
    argv = ["-m", "ai_rollback", "log", "--format", "json"]
    whole = repo.run(PYTHON, *argv).stdout
    ignoring = (
        "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); "
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    )
    done = repo.run(PYTHON, "-c", ignoring, *argv, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, whole, "")
