"""What the benchmarks share: an isolated environment, timing, and honest summaries.

Every figure is printed as the median and the spread (min to max) of its
rounds, with the machine it was measured on; a ratio is the median of the
per-round ratios of two commands run side by side in the same round.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import sys
import time


def env_for(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AI_ROLLBACK", "PRE_COMMIT"))}
    env.update(
        HOME=home,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # users' interpreters keep their bytecode
    return env


def git(repo: str, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def timed(argv: list[str], cwd: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    """Wall time of one run, around fork/exec/wait only; a failure stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    return elapsed


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    """``median [min-max]``."""
    return (
        f"{statistics.median(values):.{digits}f}{unit} "
        f"[{min(values):.{digits}f}-{max(values):.{digits}f}{unit}]"
    )


def ratios(ours: list[float], base: list[float]) -> list[float]:
    """Per-round ratios of two series measured side by side."""
    return [a / b for a, b in zip(ours, base, strict=True)]


def machine() -> str:
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1]
    return (
        f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {sys.version.split()[0]}, git {git_version}"
    )
