"""What the ai-revert tests share: running ai-revert, a snapshot of everything, two histories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import AI_REVERT, Repo, ai_message


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


def release_history(repo: Repo) -> Repo:
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


def entangled_history(repo: Repo) -> Repo:
    """v1, an AI commit, a human commit on its line, a free AI commit."""
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
