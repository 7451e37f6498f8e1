"""Through the real pre-commit framework: a ``repo:`` entry pointing at this project.

pre-commit builds its own virtual environment from the hook repository (a
snapshot of this checkout), exactly as it does for users.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PYTHON, SRC, Repo, ai_message, isolated_env

PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
SNAPSHOT = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src", "templates", "hooks"]


def _snapshot(dest: Path, env: dict[str, str]) -> str:
    """This checkout's files as a one-commit repository; returns the commit."""
    dest.mkdir()
    for name in SNAPSHOT:
        source = SRC / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, dest / name)
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["commit", "-q", "--no-verify", "-m", "Human: snapshot"],
    ):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=dest, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    base = tmp_path_factory.mktemp("pre-commit")
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    env = isolated_env(home)
    sha = _snapshot(base / "ai-rollback", env)
    return base / "ai-rollback", sha, base / "store"


@pytest.fixture
def user(repo: Repo, hook_repo: tuple[Path, str, Path]) -> Repo:
    path, sha, store = hook_repo
    repo.env = dict(repo.env, PRE_COMMIT_HOME=str(store), PIP_CACHE_DIR=PIP_CACHE)
    repo.write(
        ".pre-commit-config.yaml",
        "default_install_hook_types: [commit-msg, prepare-commit-msg, pre-push]\n"
        f"repos:\n  - repo: {path}\n    rev: {sha}\n    hooks:\n"
        "      - id: ai-rollback-commit-msg\n      - id: ai-rollback-prepare-commit-msg\n"
        "      - id: ai-rollback-pre-push\n",
    )
    repo.run(PYTHON, "-m", "pre_commit", "install")
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "Human: add pre-commit")  # builds the hook environment once
    return repo


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "validate-manifest",
            str(SRC / ".pre-commit-hooks.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_commits_through_pre_commit(user: Repo, tmp_path: Path) -> None:
    user.write("a.py", "a\n")
    user.git("add", "a.py")
    done = user.git("commit", "-q", "-m", "add a", check=False)
    assert done.returncode != 0
    assert "subject-label" in done.stdout + done.stderr
    user.git(
        "commit",
        "-q",
        "-m",
        "AI: add a",
        env={"AI_ROLLBACK_MODEL": "Claude Sonnet 4.5", "AI_ROLLBACK_PROMPT": "add a"},
    )
    trailers = user.out("log", "-1", "--format=%(trailers:only,unfold)")
    assert trailers == "Generated-by: Claude Sonnet 4.5\nPrompt: add a\nFiles: a.py"
    # the editor, with the template pre-filled by the prepare-commit-msg stage
    user.write("b.py", "b\n")
    user.git("add", "b.py")
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nt = open(p).read()\nassert '# Files: b.py' in t, t\n"
        "t = 'Human: b by hand\\n' + t\nopen(p, 'w').write(t)\n"
    )
    user.git("commit", "-q", "-v", env={"GIT_EDITOR": f"{PYTHON} {script}"})
    assert user.out("log", "-1", "--format=%B") == "Human: b by hand"


def test_pre_push_through_pre_commit(user: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    remote = make_repo("remote.git", bare=True)
    user.git("remote", "add", "origin", str(remote.path))
    user.git("push", "-q", "origin", "main")
    user.commit("Human: fine", {"c": "c\n"})
    user.commit("sneaked past the commit hook", {"d": "d\n"}, "--no-verify")
    done = user.git("push", "-q", "origin", "main", check=False)
    assert done.returncode != 0 and "subject-label" in done.stdout + done.stderr
    # first push of a new repository: pre-commit gives no range; we compute it
    fresh = make_repo("fresh")
    fresh.env = user.env
    fresh.write(".pre-commit-config.yaml", (user.path / ".pre-commit-config.yaml").read_text())
    fresh.run(PYTHON, "-m", "pre_commit", "install")
    fresh.git("add", ".pre-commit-config.yaml")
    fresh.git("commit", "-q", "--no-verify", "-m", "no label at all")
    remote2 = make_repo("remote2.git", bare=True)
    fresh.git("remote", "add", "origin", str(remote2.path))
    done = fresh.git("push", "-q", "origin", "main", check=False)
    assert done.returncode != 0 and "subject-label" in done.stdout + done.stderr
    fresh.git(
        "commit",
        "-q",
        "--amend",
        "--no-verify",
        "-m",
        ai_message("labelled", [".pre-commit-config.yaml"]),
    )
    fresh.git("push", "-q", "origin", "main")


def test_init_from_a_clone_writes_an_entry_the_framework_runs(
    repo: Repo, hook_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    """Issue 14, item 13: ai-rollback run from a clone pins repo:/rev: to that clone's remote and HEAD."""
    path, sha, store = hook_repo
    clone = tmp_path / "clone"
    repo.git("clone", "-q", str(path), str(clone))
    repo.env = dict(repo.env, PRE_COMMIT_HOME=str(store), PIP_CACHE_DIR=PIP_CACHE)
    done = repo.run(PYTHON, "-m", "ai_rollback", "init", env={"PYTHONPATH": str(clone / "src")})
    assert f"rev: {sha} is HEAD of {clone}, the ai-rollback clone this runs from" in done.stdout
    config = (repo.path / ".pre-commit-config.yaml").read_text()
    assert f"  - repo: {path}\n    rev: {sha}\n" in config
    repo.run(PYTHON, "-m", "pre_commit", "install")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Human: set up ai-rollback")
    repo.write("a.py", "a\n")
    repo.git("add", "a.py")
    rejected = repo.git("commit", "-q", "-m", "add a", check=False)
    assert rejected.returncode != 0 and "subject-label" in rejected.stdout + rejected.stderr
