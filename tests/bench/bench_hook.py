"""Benchmark: the commit-msg hook against ``python -c pass`` and other commit linters.

The budget (issue #2): the command that ``.pre-commit-hooks.yaml`` gives as the
commit-msg entry (``ai-rollback check``), run on a valid AI message with its
staged-files check, takes at most 2.5x the wall time of the same interpreter
running ``python -c pass``, and less than conventional-pre-commit, gitlint and
``cz check`` on a message of theirs.

Every command runs in interleaved rounds (so machine noise hits all alike) and
the median is reported as a share of ``python -c pass``.  Not a test: it
prints numbers.  Usage, from a checkout with the project installed::

    pip install -e '.[bench]'      # adds conventional-pre-commit, gitlint, commitizen
    python tests/bench/bench_hook.py [--rounds 40]

Tools that are not installed are reported as such and skipped.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_revert import env_for, git

BUDGET = 2.5
BIN = Path(sys.executable).parent


def _spawn_time(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    """Wall time of one run, measured around fork/exec/wait only."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def make_repo(root: str, env: dict[str, str]) -> str:
    repo = os.path.join(root, "repo")
    os.makedirs(repo)
    git(repo, env, "init", "-q")
    Path(repo, "README.md").write_text("hello\n")
    git(repo, env, "add", "README.md")
    git(repo, env, "commit", "-q", "--no-verify", "-m", "Human: start")
    for name in ("src/image_processor.py", "utils/memory_manager.py"):
        Path(repo, name).parent.mkdir(parents=True, exist_ok=True)
        Path(repo, name).write_text("print('hi')\n")
    git(repo, env, "add", "-A")
    Path(repo, ".git", "COMMIT_EDITMSG").write_text(
        "AI: Initial image optimization implementation\n\n"
        "Generated-by: Claude 3.5 Sonnet\n"
        "Prompt: Optimize image processing pipeline for memory efficiency\n"
        "Files: src/image_processor.py, utils/memory_manager.py\n"
    )
    Path(repo, "conventional.txt").write_text("feat(img): initial image optimization implementation\n")
    Path(repo, "gitlint.txt").write_text(
        "Initial image optimization implementation\n\nOptimize the pipeline for memory efficiency.\n"
    )
    return repo


def candidates(repo: str) -> list[tuple[str, list[str]]]:
    python = sys.executable
    git_path = shutil.which("git") or "git"
    ours = str(BIN / "ai-rollback")
    spawn_git = (
        "import os\nr, w = os.pipe()\n"
        f"pid = os.posix_spawn({git_path!r}, ['git', 'diff', '--cached', '--name-only', '-z'], os.environ,"
        " file_actions=[(os.POSIX_SPAWN_DUP2, w, 1)])\nos.close(w)\n"
        "while os.read(r, 65536): pass\nos.waitpid(pid, 0)\n"
    )
    rows: list[tuple[str, list[str]]] = [
        ("python -c pass (baseline)", [python, "-c", "pass"]),
        ("ai-rollback check (the commit-msg entry)", [ours, "check", ".git/COMMIT_EDITMSG"]),
        ("console-script-like: import re, sys", [python, "-c", "import re, sys"]),
        (
            "import subprocess + one git call",
            [
                python,
                "-c",
                f"import subprocess; subprocess.run([{git_path!r}, 'diff', '--cached', '--name-only', '-z'],"
                " capture_output=True)",
            ],
        ),
        ("os.posix_spawn + pipe + one git call", [python, "-c", spawn_git]),
        ("import click", [python, "-c", "import click"]),
        ("import jinja2", [python, "-c", "import jinja2"]),
        ("import git (GitPython)", [python, "-c", "import git"]),
    ]
    tools = [
        ("conventional-pre-commit", ["conventional-pre-commit", "conventional.txt"]),
        ("gitlint", ["gitlint", "--msg-filename", "gitlint.txt"]),
        ("cz check (commitizen)", ["cz", "check", "--commit-msg-file", "conventional.txt"]),
    ]
    for label, argv in tools:
        exe = BIN / argv[0] if (BIN / argv[0]).exists() else shutil.which(argv[0])
        rows.append((label, [str(exe), *argv[1:]] if exe else []))
    return rows


def compile_package() -> str:
    """Make sure the package has bytecode, as a pip-installed wheel does.

    An editable install, or a shell with PYTHONDONTWRITEBYTECODE=1, would
    otherwise compile every module on every run, which no user pays.
    """
    import compileall

    import ai_rollback

    package = os.path.dirname(ai_rollback.__file__)
    compileall.compile_dir(package, quiet=1)
    return package


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    print(f"ai_rollback from {compile_package()}")
    with tempfile.TemporaryDirectory() as root:
        env = env_for(root)
        repo = make_repo(root, env)
        rows = candidates(repo)
        runnable = [(label, argv) for label, argv in rows if argv]
        times: dict[str, list[float]] = {label: [] for label, _ in runnable}
        for _label, argv in runnable:  # warm-up: caches, .pyc files
            _spawn_time(argv, repo, env)
        for _ in range(args.rounds):
            for label, argv in runnable:
                times[label].append(_spawn_time(argv, repo, env))
        base = statistics.median(times[rows[0][0]])
        print(
            f"python {sys.version.split()[0]}, git {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.split()[-1]}, "
            f"{args.rounds} interleaved rounds, medians"
        )
        print(f"{'command':45} {'ms':>8} {'x pass':>8}")
        for label, argv in rows:
            if not argv:
                print(f"{label:45} {'not installed (pip install -e .[bench])':>17}")
                continue
            median = statistics.median(times[label])
            print(f"{label:45} {median * 1000:8.1f} {median / base:8.2f}")
        ours = statistics.median(times[rows[1][0]]) / base
        others = [statistics.median(times[label]) / base for label, argv in rows[-3:] if argv]
        verdict = ours <= BUDGET and all(ours < other for other in others)
        print(
            f"\nai-rollback check: {ours:.2f}x python -c pass (budget {BUDGET}x); "
            f"faster than every installed linter: {all(ours < o for o in others)} -> "
            f"{'WITHIN BUDGET' if verdict else 'OVER BUDGET'}"
        )
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
