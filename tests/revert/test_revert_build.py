"""ai-revert's results against git: the cherry-pick oracle, git revert itself, the policies."""

from __future__ import annotations

import json
import os
import random
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from revert_helpers import ai_revert, entangled_history, snapshot

from conftest import Repo, ai_message

SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


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


@pytest.fixture
def entangled(repo: Repo) -> Repo:
    return entangled_history(repo)


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
    monkeypatch.setattr(revert.gather, "tracker_for", lambda git, commits: lambda files, ids, revert: {})
    before = snapshot(entangled)
    assert entry.revert_main(["v1..HEAD", "--yes"]) == 1
    assert snapshot(entangled) == before


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
