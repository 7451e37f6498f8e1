"""Synthetic histories for the benchmarks, written with ``git fast-import``.

``make_history(path, commits=2000, files=500, lines=200, ai=100)`` builds a
repository whose first commit adds ``files`` files of ``lines`` lines; every
later commit changes one line in one or two files.  ``ai`` of them are AI
commits (our convention, with trailers) spread evenly through the history;
they only touch files no human commit touches afterwards, so each can be
reverted cleanly (with ``shared=True`` humans edit the same files, which
makes the planner read and follow every diff).  Deterministic for a given seed.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

BASE_DATE = 1_767_225_600  # 2026-01-01


def _blob(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def make_history(
    path: str | os.PathLike[str],
    commits: int = 2000,
    files: int = 500,
    lines: int = 200,
    ai: int = 100,
    seed: int = 7,
    env: dict[str, str] | None = None,
    shared: bool = False,
) -> list[str]:
    """Create the repository; returns the commit names, oldest first."""
    rng = random.Random(seed)
    repo = Path(path)
    repo.mkdir(parents=True, exist_ok=True)
    run_env = dict(env or os.environ)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=run_env)
    content = [[f"file {f} line {i}" for i in range(lines)] for f in range(files)]
    # files [0, ai_files) are only ever changed by AI commits, unless ``shared``
    ai_files = files if shared else max(1, files // 5)
    human_from = 0 if shared else ai_files
    ai_at = set(rng.sample(range(1, commits), ai)) if ai else set()
    stream = bytearray()

    def commit(mark: int, message: str, changes: dict[int, list[str]], author: str) -> None:
        when = BASE_DATE + mark * 60
        msg = message.encode()
        stream.extend(f"commit refs/heads/main\nmark :{mark}\n".encode())
        stream.extend(f"author {author} {when} +0000\ncommitter {author} {when} +0000\n".encode())
        stream.extend(f"data {len(msg)}\n".encode() + msg + b"\n")
        if mark > 1:
            stream.extend(f"from :{mark - 1}\n".encode())
        for f, body in changes.items():
            data = _blob(body)
            stream.extend(f"M 100644 inline src/f{f:04d}.txt\ndata {len(data)}\n".encode() + data + b"\n")

    commit(1, "Human: initial files\n", dict(enumerate(content)), "Ada <ada@example.com>")
    for mark in range(2, commits + 1):
        if mark - 1 in ai_at:
            f = rng.randrange(ai_files)
            line = rng.randrange(lines)
            content[f][line] = f"AI edit {mark} of file {f}"
            message = (
                f"AI: tune file {f} line {line}\n\nGenerated-by: Claude Sonnet 4.5\n"
                f"Prompt: tune file {f}\nFiles: src/f{f:04d}.txt\n"
            )
            commit(mark, message, {f: content[f]}, "Ada <ada@example.com>")
        else:
            changed = {}
            for f in rng.sample(range(human_from, files), rng.choice((1, 1, 2))):
                line = rng.randrange(lines)
                content[f][line] = f"human edit {mark} of file {f} line {line}"
                changed[f] = content[f]
            commit(mark, f"Human: edit {sorted(changed)}\n", changed, "Bob <bob@example.com>")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True, env=run_env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True, env=run_env)
    out = subprocess.run(
        ["git", "rev-list", "--reverse", "main"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env=run_env,
    ).stdout
    return out.split()
