"""ai-revert against real git: the oracle, the policies, all-or-nothing, bad input."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AI_REVERT, PYTHON, Repo, ai_message

SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def ai_revert(
    repo: Repo, *args: str, check: bool = False, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    return repo.run(*AI_REVERT, *args, check=check, env=env)


def snapshot(repo: Repo) -> dict[str, object]:
    """Everything a user could lose: refs, HEAD, ORIG_HEAD, index bytes, every file, the stash."""
    files = {}
    for root, dirs, names in os.walk(repo.path):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            path = Path(root) / name
            files[str(path.relative_to(repo.path))] = path.read_bytes()
    git_dir = Path(repo.out("rev-parse", "--absolute-git-dir"))
    return {
        "refs": repo.git("for-each-ref", "--format=%(refname) %(objectname)").stdout,
        "head": (git_dir / "HEAD").read_text(),
        "orig_head": (git_dir / "ORIG_HEAD").read_text() if (git_dir / "ORIG_HEAD").exists() else None,
        "index": (git_dir / "index").read_bytes() if (git_dir / "index").exists() else None,
        "files": files,
        "stash": repo.git("stash", "list").stdout,
    }


# ---------------------------------------------------------------------------
# The oracle: ai-revert's tree == the human commits cherry-picked onto the base
# ---------------------------------------------------------------------------

AI_MARKS = [
    lambda s: (ai_message(s, ["<files>"]), {}),
    lambda s: (f"fix: {s}\n\nCo-authored-by: Claude <noreply@anthropic.com>\n", {}),
    lambda s: (f"feat: {s}\n\nAssisted-by: Claude:claude-3-opus\n", {}),
    lambda s: (f"aider: {s}\n", {}),
    lambda s: (
        f"{s}\n",
        {
            "GIT_AUTHOR_NAME": "Copilot",
            "GIT_AUTHOR_EMAIL": "198982749+Copilot@users.noreply.github.com",
        },
    ),
    lambda s: (f"{s}\n", {"GIT_AUTHOR_NAME": "Ada (aider)"}),
]


def build_history(repo: Repo, seed: int) -> str:
    """A random history; AI commits only touch ai/, human commits only human/. Returns the base."""
    rng = random.Random(seed)
    repo.commit("Human: base", {"ai/seed.txt": "seed\n", "human/seed.txt": "seed\n"})
    base = repo.head()
    files: dict[str, list[str]] = {"ai": ["ai/seed.txt"], "human": ["human/seed.txt"]}
    counter = [0]

    def op(owner: str, add_only: bool = False) -> None:
        counter[0] += 1
        n = counter[0]
        choice = (
            "add"
            if add_only
            else rng.choice(["add", "add", "modify", "modify", "delete", "rename", "binary"])
        )
        mine = [p for p in files[owner] if (repo.path / p).exists()]
        texts = [p for p in mine if p.endswith(".txt")]
        files[owner] = mine
        if choice == "delete" and len(mine) > 1:
            path = mine.pop(rng.randrange(len(mine)))
            repo.git("rm", "-q", path)
        elif choice == "rename" and texts:
            old = rng.choice(texts)
            mine.remove(old)
            new = f"{owner}/renamed{n}.txt"
            repo.git("mv", old, new)
            repo.write(new, (repo.path / new).read_text() + f"after rename {n}\n")
            mine.append(new)
        elif choice == "binary":
            path = f"{owner}/blob{n % 3}.bin"
            repo.write(path, bytes(rng.randrange(256) for _ in range(64)))
            if path not in mine:
                mine.append(path)
        elif choice == "modify" and texts:
            path = rng.choice(texts)
            lines = (repo.path / path).read_text().splitlines()
            lines.insert(rng.randrange(len(lines) + 1), f"{owner} line {n}")
            repo.write(path, "\n".join(lines) + "\n")
        else:
            path = f"{owner}/file{n}.txt"
            repo.write(path, "".join(f"{owner} {n} {i}\n" for i in range(rng.randrange(1, 6))))
            mine.append(path)
        repo.git("add", "-A")
        changed = repo.out("diff", "--cached", "--name-only", "--no-renames").split("\n")
        if owner == "ai":
            message, env = rng.choice(AI_MARKS)(f"ai step {n}")
            message = message.replace("<files>", ", ".join(changed))
        else:
            message, env = f"Human: human step {n}\n", {}
        repo.git("commit", "-q", "--allow-empty", "-m", message, env=env)

    for _ in range(rng.randrange(4, 9)):
        op(rng.choice(["ai", "human"]))
        if rng.random() < 0.25:  # a side branch, merged back
            side = f"side{counter[0]}-{rng.randrange(10**6)}"
            repo.git("checkout", "-q", "-b", side)
            for _ in range(rng.randrange(1, 3)):
                op(rng.choice(["ai", "human"]), add_only=True)  # new files: the merge stays clean
            repo.git("checkout", "-q", "main")
            op("human")
            repo.git("merge", "-q", "--no-ff", "--no-edit", side)
        if rng.random() < 0.15:  # an AI commit, then its revert
            op("ai")
            repo.git("revert", "--no-edit", "HEAD")
    return base


def oracle_tree(repo: Repo, base: str, tip: str) -> str:
    """Cherry-pick only the human commits (not reverts of AI commits) onto the base."""
    plan = json.loads(ai_revert(repo, f"{base}..{tip}", "--dry-run", "--format", "json").stdout)
    ai = {c["sha"] for c in plan["commits"] if c["kind"] == "ai"}
    repo.git("checkout", "-q", "--detach", base)
    for sha in repo.out("rev-list", "--reverse", "--topo-order", "--no-merges", f"{base}..{tip}").split():
        message = repo.out("log", "-1", "--format=%B", sha)
        reverted = [
            line.split()[3].rstrip(".")
            for line in message.splitlines()
            if line.startswith("This reverts commit ")
        ]
        if sha in ai or any(r in ai for r in reverted):
            continue
        repo.git(
            "cherry-pick",
            "--allow-empty",
            "--keep-redundant-commits",
            sha,
            env={"GIT_EDITOR": "true"},
        )
    tree = repo.out("rev-parse", "HEAD^{tree}")
    repo.git("checkout", "-q", "main")
    return tree


@settings(max_examples=12, deadline=None, suppress_health_check=SHARED)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_oracle_cherry_pick_of_the_human_commits(make_repo, seed: int) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(f"oracle{seed}-{os.urandom(4).hex()}")
    base = build_history(repo, seed)
    tip = repo.head()
    expected = oracle_tree(repo, base, tip)
    done = ai_revert(repo, f"{base}..HEAD", "--yes")
    assert done.returncode == 0, done.stderr + done.stdout
    assert repo.out("rev-parse", "HEAD^{tree}") == expected
    assert repo.out("status", "--porcelain") == ""
    # every commit ai-revert made passes the project's own convention checker
    assert repo.tool("check", "--range", f"{tip}..HEAD", check=False).returncode == 0


# ---------------------------------------------------------------------------
# A small real-looking history
# ---------------------------------------------------------------------------


@pytest.fixture
def release(repo: Repo) -> Repo:
    """v2.1.0, then two AI commits, human work, one more AI commit."""
    repo.commit("Human: app", {"app.py": "".join(f"line {i}\n" for i in range(1, 21)), "README": "r\n"})
    repo.git("tag", "v2.1.0")
    repo.commit(ai_message("cache the images", ["cache.py"]), {"cache.py": "cache = {}\n"})
    repo.commit(
        ai_message("speed up line 5", ["app.py"]),
        {"app.py": (repo.path / "app.py").read_text().replace("line 5\n", "line 5 (fast)\n")},
    )
    repo.commit("Human: docs", {"README": "r\nmore\n"})
    repo.commit(ai_message("log more", ["log.py"]), {"log.py": "log = True\n"})
    return repo


def test_dry_run_json_and_nothing_changes(release: Repo) -> None:
    before = snapshot(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["range"] == "v2.1.0..HEAD" and data["entangled"] == []
    assert [(c["kind"], c["action"]) for c in data["commits"]] == [
        ("ai", "revert"),
        ("human", "keep"),
        ("ai", "revert"),
        ("ai", "revert"),
    ]
    assert set(data["commits"][0]) == {"sha", "kind", "subject", "action", "reason"}
    assert snapshot(release) == before
    text = ai_revert(release, "v2.1.0..HEAD", "--dry-run").stdout
    assert "Would revert 3 commits." in text


def test_apply_one_commit_per_revert(release: Repo) -> None:
    old = release.head()
    release.write("untracked.txt", "keep me\n")
    release.write("README", "r\nmore\nlocal edit\n")  # unrelated local change: carried over
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Reverted 3 commits on main" in done.stdout and f"git reset --keep {old[:10]}" in done.stdout
    subjects = release.out("log", "--format=%s", "-3").splitlines()
    assert subjects == [
        'Revert "AI: cache the images"',
        'Revert "AI: speed up line 5"',
        'Revert "AI: log more"',
    ]
    assert not (release.path / "cache.py").exists() and "(fast)" not in (release.path / "app.py").read_text()
    assert (release.path / "untracked.txt").read_text() == "keep me\n"
    assert (release.path / "README").read_text() == "r\nmore\nlocal edit\n"
    assert release.out("rev-parse", "ORIG_HEAD") == old
    assert "ai-revert: revert 3 commits of v2.1.0..HEAD" in release.out("reflog", "-1", "--format=%gs")
    message = release.out("log", "-1", "--format=%B")
    assert "This reverts commit " in message and "Reverts: " in release.out(
        "log", "-1", "--format=%(trailers:key=Reverts)"
    )
    assert release.tool("check", "--range", f"{old}..HEAD", check=False).returncode == 0
    # running it again: everything is already reverted
    again = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert again.returncode == 0 and "Nothing to revert" in again.stdout
    # the printed undo works
    release.git("reset", "-q", "--keep", old)
    assert (release.path / "cache.py").exists()


def test_squash_no_commit_and_incident(release: Repo) -> None:
    old = release.head()
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", "--squash", "--incident")
    assert done.returncode == 0, done.stderr
    assert release.out("rev-list", "--count", f"{old}..HEAD") == "1"
    assert release.out("log", "-1", "--format=%s") == 'Revert "3 AI commits of v2.1.0..HEAD"'
    tag = release.out("tag", "--list", "incident-*")
    assert tag.startswith("incident-") and release.out("cat-file", "-t", tag) == "tag"
    body = release.out("tag", "-l", "--format=%(contents)", tag)
    assert "v2.1.0..HEAD" in body and old in body and body.count("Reverts: ") == 3
    release.git("reset", "-q", "--keep", old)
    staged = ai_revert(release, "v2.1.0..HEAD", "--yes", "--no-commit")
    assert staged.returncode == 0, staged.stderr
    assert release.head() == old
    assert release.out("diff", "--cached", "--name-only").split() == [
        "app.py",
        "cache.py",
        "log.py",
    ]
    assert "This reverts commit" in (release.path / ".git" / "MERGE_MSG").read_text()
    release.git("commit", "-q", "--no-edit")
    assert release.out("log", "-1", "--format=%s").startswith('Revert "3 AI commits')


def test_filters(release: Repo) -> None:
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json", "--path", "log.py")
    actions = [c["action"] for c in json.loads(done.stdout)["commits"]]
    assert actions == ["revert", "keep", "keep", "keep"]
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json", "--model", "gpt*")
    assert all(c["action"] == "keep" for c in json.loads(done.stdout)["commits"])
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", "--only", "human")
    assert done.returncode == 0 and release.out("log", "-1", "--format=%s") == 'Revert "Human: docs"'


# ---------------------------------------------------------------------------
# Entanglement
# ---------------------------------------------------------------------------


@pytest.fixture
def entangled(repo: Repo) -> Repo:
    repo.commit("Human: app", {"app.py": "".join(f"line {i}\n" for i in range(1, 21))})
    repo.git("tag", "v1")
    repo.commit(
        ai_message("rewrite line 10", ["app.py"]),
        {"app.py": (repo.path / "app.py").read_text().replace("line 10\n", "AI line 10\n")},
    )
    repo.commit(
        "Human: fix the AI's line",
        {"app.py": (repo.path / "app.py").read_text().replace("AI line 10\n", "AI line 10, fixed\n")},
    )
    repo.commit(ai_message("free change", ["other.py"]), {"other.py": "x\n"})
    return repo


def test_entangled_stop_refuses_and_names_everything(entangled: Repo) -> None:
    before = snapshot(entangled)
    done = ai_revert(entangled, "v1..HEAD", "--yes")
    assert done.returncode == 1
    assert "Human: fix the AI's line" in done.stderr and "app.py" in done.stderr
    assert "--entangled skip" in done.stderr
    assert snapshot(entangled) == before
    data = json.loads(ai_revert(entangled, "v1..HEAD", "--dry-run", "--format", "json").stdout)
    assert data["entangled"][0]["files"] == ["app.py"]
    assert ai_revert(entangled, "v1..HEAD", "--dry-run").returncode == 1


def test_entangled_skip_and_include(entangled: Repo) -> None:
    done = ai_revert(entangled, "v1..HEAD", "--yes", "--entangled", "skip")
    assert done.returncode == 0, done.stderr
    assert entangled.out("log", "-1", "--format=%s") == 'Revert "AI: free change"'
    assert "entangled with" in done.stdout
    entangled.git("reset", "-q", "--keep", "HEAD~1")
    done = ai_revert(entangled, "v1..HEAD", "--yes", "--entangled", "include")
    assert done.returncode == 0, done.stderr
    assert "entangled human commits included" in done.stdout
    assert (entangled.path / "app.py").read_text() == "".join(f"line {i}\n" for i in range(1, 21))


def test_unforeseen_conflict_behaves_like_stop(entangled: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the plan misses a conflict, the real merge catches it and nothing changes."""
    from ai_rollback import entry, revert

    monkeypatch.chdir(entangled.path)
    monkeypatch.setattr(revert.gather, "tracker_for", lambda git, commits: lambda files, ids: {})
    before = snapshot(entangled)
    assert entry.revert_main(["v1..HEAD", "--yes"]) == 1
    assert snapshot(entangled) == before


# ---------------------------------------------------------------------------
# All or nothing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["after-journal", "after-update-ref", "after-work-tree"])
def test_killed_mid_apply_leaves_old_new_or_journal(release: Repo, make_repo, point: str) -> None:  # type: ignore[no-untyped-def]
    twin = make_repo("twin", init=False)
    subprocess.run(["git", "clone", "-q", str(release.path), str(twin.path)], env=release.env, check=True)
    twin.git("tag", "-f", "v2.1.0", release.out("rev-parse", "v2.1.0"))
    twin.git("checkout", "-q", "main")
    assert ai_revert(twin, "v2.1.0..HEAD", "--yes").returncode == 0
    expected_tree = twin.out("rev-parse", "HEAD^{tree}")
    before = snapshot(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": point})
    assert done.returncode == -9
    state = snapshot(release)
    journal = release.path / ".git" / "ai-rollback" / "journal.json"
    assert journal.exists()
    assert state == before or release.out("rev-parse", "HEAD^{tree}") == expected_tree
    # the next run notices, says what it did, and the repository is whole again
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run")
    assert journal.exists()  # a dry run changes nothing, not even the journal
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert ("finished an interrupted ai-revert" in done.stderr) or ("rolled back" in done.stderr)
    assert not journal.exists()
    assert release.out("rev-parse", "HEAD^{tree}") == expected_tree
    assert release.out("status", "--porcelain") == ""


def test_ctrl_c_during_apply_rolls_back(release: Repo) -> None:
    before = snapshot(release)
    done = ai_revert(
        release,
        "v2.1.0..HEAD",
        "--yes",
        env={"AI_ROLLBACK_TEST_CRASH_AT": "after-update-ref:interrupt"},
    )
    assert done.returncode == 130, done.stderr
    after = snapshot(release)
    assert after == before


@pytest.mark.parametrize(
    ("setup", "code", "needle"),
    [
        ("dirty-overlap", 3, "overlap"),
        ("untracked-overlap", 3, "overlap"),
        ("detached", 3, "detached"),
        ("rebase", 3, "rebase"),
        ("merge", 3, "merge"),
        ("no-terminal", 2, "--yes"),
    ],
)
def test_refusals_change_nothing(release: Repo, setup: str, code: int, needle: str) -> None:
    args = ["v2.1.0..HEAD", "--yes"]
    release.write("README", "r\nmore\nstashed work\n")
    release.git("stash", "push", "-q", "-m", "precious")  # must survive every refusal
    if setup == "dirty-overlap":
        release.write("log.py", "log = False  # my local edit\n")
    elif setup == "untracked-overlap":
        release.commit("Human: notes", {"notes.txt": "notes\n"})
        release.git("rm", "-q", "notes.txt")
        release.git("commit", "-q", "-m", ai_message("drop the notes", ["notes.txt"]))
        release.write("notes.txt", "my own new notes\n")  # the revert would bring notes.txt back
    elif setup == "detached":
        release.git("checkout", "-q", "--detach")
    elif setup == "rebase":
        (release.path / ".git" / "rebase-merge").mkdir()
    elif setup == "merge":
        release.write(".git/MERGE_HEAD", release.head() + "\n")
    elif setup == "no-terminal":
        args = ["v2.1.0..HEAD"]
    before = snapshot(release)
    done = ai_revert(release, *args)
    assert done.returncode == code, done.stderr
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert snapshot(release) == before


@pytest.mark.parametrize(
    ("range_", "code"),
    [
        ("--output=/tmp/x", 2),
        ("-x", 2),
        ("--all", 2),
        ("nosuch..HEAD", 2),
        ("v2.1.0..nosuch", 2),
        ("HEAD..HEAD", 2),
        ("v2.1.0..v2.1.0", 2),
    ],
)
def test_bad_ranges(release: Repo, range_: str, code: int) -> None:
    before = snapshot(release)
    done = ai_revert(release, range_, "--yes")
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(release) == before


def test_range_off_the_branch_and_unborn(release: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    release.git("checkout", "-q", "-b", "other", "v2.1.0")
    done = ai_revert(release, "v2.1.0..main", "--yes")
    assert done.returncode == 2 and "not on the current branch" in done.stderr
    empty = make_repo("empty")
    done = ai_revert(empty, "HEAD", "--yes")
    assert done.returncode == 3 and "unborn" in done.stderr


def test_shallow_clone_without_the_base(release: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    shallow = make_repo("shallow", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{release.path}", str(shallow.path)],
        env=release.env,
        check=True,
    )
    base = release.out("rev-parse", "v2.1.0")
    done = ai_revert(shallow, f"{base}..HEAD", "--yes")
    assert done.returncode in (2, 3) and "shallow" in done.stderr
    done = ai_revert(shallow, "HEAD~1..HEAD", "--dry-run")
    assert done.returncode == 0


def test_confirmation_prompt_through_a_pty(release: Repo) -> None:
    import pty
    import select

    def run(answer: bytes) -> tuple[int, str]:
        pid, fd = pty.fork()
        if pid == 0:  # the child: ai-revert on a terminal
            os.chdir(release.path)
            os.execve(PYTHON, [*AI_REVERT, "v2.1.0..HEAD"], release.env)
        output = b""
        sent = False
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if not sent and b"Confirm rollback? (yes/no)" in output:
                os.write(fd, answer)
                sent = True
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")

    old = release.head()
    code, out = run(b"no\n")
    assert code == 1 and "Would revert 3 commits" in out and release.head() == old
    code, out = run(b"yes\n")
    assert code == 0, out
    assert release.out("log", "-1", "--format=%s").startswith('Revert "')


def test_pending_journal_when_the_branch_never_moved(release: Repo) -> None:
    journal = release.path / ".git" / "ai-rollback" / "journal.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(
        json.dumps(
            {
                "ref": "refs/heads/main",
                "old": release.head(),
                "new": hashlib.sha1(b"x").hexdigest(),
                "mode": "commit",
            }
        )
    )
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0 and "rolled back an interrupted ai-revert" in done.stderr
    assert not journal.exists()


def test_help_and_version() -> None:
    done = subprocess.run([*AI_REVERT, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "Examples:" in done.stdout and "--entangled" in done.stdout


# ---------------------------------------------------------------------------
# Scenarios from review, each judged against git revert itself
# ---------------------------------------------------------------------------


def _git_revert_result(repo: Repo, make_repo, base: str) -> str | None:  # type: ignore[no-untyped-def]
    """The tree `git revert` (newest first) gives for the AI commits, or None on a conflict."""
    twin = make_repo(f"twin-{os.urandom(3).hex()}", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--no-local", str(repo.path), str(twin.path)],
        env=repo.env,
        check=True,
        capture_output=True,
    )
    ai = [
        c["sha"]
        for c in json.loads(
            ai_revert(repo, f"{base}..HEAD", "--dry-run", "--format", "json", "--entangled", "include").stdout
        )["commits"]
        if c["kind"] == "ai" and c["action"] == "revert"
    ]
    done = twin.git("-c", "core.hooksPath=/dev/null", "revert", "--no-commit", *ai, check=False)
    return twin.out("write-tree") if done.returncode == 0 else None


def _lines(n: int = 10) -> str:
    return "".join(f"{i}\n" for i in range(1, n + 1))


def _edit(repo: Repo, path: str, old: str, new: str) -> None:
    text = (repo.path / path).read_text()
    repo.write(path, text.replace(old, new, 1))
    repo.git("add", "--", path)


SCENARIOS = {
    # deleting line 5, then editing line 9: clean, not entangled (end-of-file bookkeeping)
    "delete-then-far-edit": [
        ("ai", lambda r: _edit(r, "f", "5\n", "")),
        ("human", lambda r: _edit(r, "f", "9\n", "nine\n")),
    ],
    # the same start, then an AI edit and a human edit next to the deletion point
    "gap-next-to-human": [
        ("ai", lambda r: _edit(r, "f", "5\n", "")),
        ("ai", lambda r: _edit(r, "f", "9\n", "AI nine\n")),
        ("human", lambda r: _edit(r, "f", "6\n", "six\n")),
    ],
    "rename-then-delete": [
        ("ai", lambda r: r.git("mv", "f", "g")),
        ("human", lambda r: r.git("rm", "-q", "g")),
    ],
    "chmod-then-delete": [
        ("ai", lambda r: ((r.path / "f").chmod(0o755), r.git("add", "f"))),
        ("human", lambda r: r.git("rm", "-q", "f")),
    ],
    "delete-then-readd": [
        ("ai", lambda r: r.git("rm", "-q", "f")),
        ("human", lambda r: (r.write("f", "different\n"), r.git("add", "f"))),
    ],
    "add-then-human-deletes": [
        ("ai", lambda r: (r.write("g", "new\n"), r.git("add", "g"))),
        ("human", lambda r: r.git("rm", "-q", "g")),
    ],
    "dir-back-to-file": [
        ("ai", lambda r: (r.git("rm", "-q", "f"), r.write("f/inner.txt", "i\n"), r.git("add", "f")))
    ],
    "file-where-dir-was": [
        ("ai", lambda r: r.git("rm", "-q", "d/x")),
        ("human", lambda r: (r.write("d", "human\n"), r.git("add", "d"))),
    ],
    "directory-rename": [
        ("ai", lambda r: r.git("mv", "d", "e")),
        ("human", lambda r: (r.write("e/extra.txt", "h\n"), r.git("add", "e/extra.txt"))),
    ],
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenarios_agree_with_git_revert(repo: Repo, make_repo, name: str) -> None:  # type: ignore[no-untyped-def]
    repo.commit("Human: base", {"f": _lines(), "d/x": "x\n"})
    base = repo.head()
    for n, (who, step) in enumerate(SCENARIOS[name]):
        step(repo)
        message = ai_message(f"step {n}", ["<any>"]) if who == "ai" else f"Human: step {n}\n"
        repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message)
    expected = _git_revert_result(repo, make_repo, base)
    before = snapshot(repo)
    planned = ai_revert(repo, f"{base}..HEAD", "--dry-run")
    done = ai_revert(repo, f"{base}..HEAD", "--yes")
    if expected is None:  # git conflicts: we refuse, change nothing, and should have seen it coming
        assert done.returncode == 1, done.stdout + done.stderr
        assert snapshot(repo) == before
        if name not in ("file-where-dir-was", "directory-rename"):  # merges can only catch these
            assert planned.returncode == 1, f"the plan did not foresee it:\n{planned.stdout}"
    else:
        assert planned.returncode == 0, planned.stdout
        assert done.returncode == 0, done.stdout + done.stderr
        assert repo.out("rev-parse", "HEAD^{tree}") == expected
        assert repo.out("status", "--porcelain") == ""


def test_merge_resolution_is_foreseen(repo: Repo) -> None:
    repo.commit("Human: base", {"f": _lines()})
    base = repo.head()
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Human: five on the side", {"f": _lines().replace("5\n", "five-human\n")})
    repo.git("checkout", "-q", "main")
    repo.commit(ai_message("five", ["f"]), {"f": _lines().replace("5\n", "five-ai\n")})
    assert repo.git("merge", "side", check=False).returncode != 0
    repo.write("f", _lines().replace("5\n", "five-both\n"))
    repo.git("add", "f")
    repo.git("commit", "-q", "--no-edit")
    done = ai_revert(repo, f"{base}..HEAD", "--dry-run")
    assert done.returncode == 1 and "entangled with" in done.stdout


def test_untracked_file_in_the_way_is_never_deleted(repo: Repo) -> None:
    repo.commit("Human: base", {"d/x": "x\n"})
    repo.git("rm", "-q", "d/x")
    repo.git("commit", "-q", "-m", ai_message("remove d/x", ["d/x"]))
    repo.write("d", "my notes\n")  # untracked, where the revert would put the directory back
    before = snapshot(repo)
    done = ai_revert(repo, "HEAD~1..HEAD", "--yes")
    assert done.returncode == 3 and "d" in done.stderr
    assert snapshot(repo) == before


def test_ctrl_c_with_other_staged_changes(release: Repo) -> None:
    release.write("staged.txt", "s\n")
    release.git("add", "staged.txt")
    before = snapshot(release)
    done = ai_revert(
        release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": "after-work-tree:interrupt"}
    )
    assert done.returncode == 130
    assert snapshot(release) == before


def test_recovery_never_overwrites_later_edits(release: Repo) -> None:
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": "after-update-ref"})
    assert done.returncode == -9
    release.write("log.py", "my edit after the crash\n")
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert (release.path / "log.py").read_text() == "my edit after the crash\n"
    assert done.returncode == 3 and "changes of yours" in done.stderr


def test_killed_while_rolling_back(release: Repo) -> None:
    before = snapshot(release)
    done = ai_revert(
        release,
        "v2.1.0..HEAD",
        "--yes",
        env={"AI_ROLLBACK_TEST_CRASH_AT": "rolling-back", "AI_ROLLBACK_TEST_INTERRUPT_AT": "after-work-tree"},
    )
    assert done.returncode == -9
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": "never"})
    assert "finished rolling back" in done.stderr
    assert done.returncode == 0
    # the rollback is finished first, then the revert that was asked for runs whole
    old_head = before["refs"].split()[1]  # type: ignore[union-attr]
    assert release.git("merge-base", "--is-ancestor", old_head, "HEAD", check=False).returncode == 0
    assert release.out("rev-parse", "HEAD") != old_head
    assert release.out("status", "--porcelain") == ""
    assert not (release.path / "log.py").exists()


def test_submodule_bump_with_ignore_all(repo: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    sub = make_repo("sub")
    sub.commit("Human: one", {"s": "1\n"})
    repo.commit("Human: base", {"f": "f\n"})
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "sub")
    repo.git("config", "-f", ".gitmodules", "submodule.sub.ignore", "all")
    repo.git("add", ".gitmodules")
    repo.git("commit", "-q", "-m", "Human: add sub")
    before_bump = repo.out("rev-parse", "HEAD:sub")
    sub.commit("Human: two", {"s": "2\n"})
    repo.git("-C", "sub", "pull", "-q", "origin", "main")
    repo.git("add", "sub")
    repo.git("commit", "-q", "-m", ai_message("bump sub", ["sub"]))
    done = ai_revert(repo, "HEAD~1..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert repo.out("rev-parse", "HEAD:sub") == before_bump


def test_shallow_clone_in_a_linked_worktree(release: Repo, make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shallow = make_repo("shallow2", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{release.path}", str(shallow.path)],
        env=release.env,
        check=True,
    )
    shallow.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    wt = Repo(tmp_path / "wt", release.env)
    before = snapshot(wt)
    done = ai_revert(wt, "HEAD", "--yes")
    assert done.returncode == 3 and "shallow" in done.stderr
    assert snapshot(wt) == before
