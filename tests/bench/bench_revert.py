"""Benchmark: ai-revert against git itself (issue #3).

Apply
    Reverting 100 clean AI commits of a 2,000-commit history (500 files of
    200 lines) takes at most 1.25x ``git revert --no-edit <the same commits>``
    in one call, on fresh clones, with an identical final tree.
Plan
    ``ai-revert --dry-run`` over 5,000 commits with 1,000 AI commits takes at
    most 3x ``git log -p -U0`` over the same range.
Memory
    Peak memory of the dry run stays flat as the range grows.

Each measurement runs in interleaved rounds on fresh clones; medians are
reported.  Not a test: it prints numbers.  Usage, from a checkout with the
project installed::

    python tests/bench/bench_revert.py [--rounds 5]
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
from history import make_history

BIN = Path(sys.executable).parent
AI_REVERT = str(BIN / "ai-revert")


def env_for(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AI_ROLLBACK"))}
    env.update(
        HOME=home,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    return env


def git(repo: str, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def timed(argv: list[str], cwd: str, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv[:3])}... failed: {done.stderr.decode()[-800:]}")
    return elapsed


def clone(source: str, dest: str, env: dict[str, str]) -> str:
    shutil.rmtree(dest, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", source, dest], env=env, check=True)
    return dest


def bench_apply(root: str, env: dict[str, str], rounds: int) -> None:
    base = os.path.join(root, "apply-base")
    make_history(base, commits=2000, files=500, lines=200, ai=100, env=env)
    ai = git(base, env, "log", "--format=%H", "--grep=^AI:").split()
    first = git(base, env, "rev-list", "--max-parents=0", "HEAD").strip()
    ours_t, git_t = [], []
    for n in range(rounds):
        theirs = clone(base, os.path.join(root, f"git-{n}"), env)
        ours = clone(base, os.path.join(root, f"ours-{n}"), env)
        git_t.append(
            timed(["git", "-c", "core.hooksPath=/dev/null", "revert", "--no-edit", *ai], theirs, env)
        )
        ours_t.append(timed([AI_REVERT, f"{first}..HEAD", "--yes"], ours, env))
        same = git(theirs, env, "rev-parse", "HEAD^{tree}") == git(ours, env, "rev-parse", "HEAD^{tree}")
        if not same:
            raise SystemExit("final trees differ from git revert's")
        shutil.rmtree(theirs)
        shutil.rmtree(ours)
    g, o = statistics.median(git_t), statistics.median(ours_t)
    print(f"apply: 100 AI commits of 2,000 (500 files x 200 lines), {rounds} rounds, fresh clones")
    print(f"  git revert --no-edit (one call)   {g * 1000:8.0f} ms")
    print(f"  ai-revert --yes                   {o * 1000:8.0f} ms")
    print(f"  ratio                             {o / g:8.2f}x   (budget 1.25x; final trees identical)")


MEMORY_DRIVER = """
import io, sys, contextlib, tracemalloc
from ai_rollback.entry import revert_main
tracemalloc.start()
with contextlib.redirect_stdout(io.StringIO()):
    revert_main([sys.argv[1], "--dry-run", "--format", "json"])
print(tracemalloc.get_traced_memory()[1])
"""


def peak_python_memory(rng: str, cwd: str, env: dict[str, str]) -> int:
    """Peak Python heap of one dry run (bytes), after imports."""
    done = subprocess.run(
        [sys.executable, "-c", MEMORY_DRIVER, rng],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return int(done.stdout.strip().splitlines()[-1])


def bench_plan(root: str, env: dict[str, str], rounds: int, shared: bool) -> None:
    base = os.path.join(root, f"plan-base-{shared}")
    make_history(base, commits=5000, files=500, lines=200, ai=1000, env=env, shared=shared)
    first = git(base, env, "rev-list", "--max-parents=0", "HEAD").strip()
    rng = f"{first}..HEAD"
    ours_t, log_t = [], []
    for _ in range(rounds):
        log_t.append(timed(["git", "log", "-p", "-U0", rng], base, env))
        ours_t.append(timed([AI_REVERT, rng, "--dry-run", "--format", "json"], base, env, ok=(0, 1)))
    g, o = statistics.median(log_t), statistics.median(ours_t)
    what = (
        "humans edit the AI files too: every diff is followed" if shared else "AI files untouched by humans"
    )
    print(f"plan: --dry-run over 5,000 commits with 1,000 AI commits ({what}), {rounds} rounds")
    print(f"  git log -p -U0                    {g * 1000:8.0f} ms")
    print(f"  ai-revert --dry-run               {o * 1000:8.0f} ms")
    print(f"  ratio                             {o / g:8.2f}x   (budget 3x)")
    print("  memory: peak Python heap of the dry run as the range grows")
    for size in (1000, 2500, 5000):
        start = git(base, env, "rev-list", "--reverse", "HEAD").split()[-size]
        peak = peak_python_memory(f"{start}..HEAD", base, env)
        print(f"    {size:5} commits                   {peak / 2**20:8.1f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["apply", "plan"], default=None)
    args = parser.parse_args()
    import compileall

    import ai_rollback

    compileall.compile_dir(os.path.dirname(ai_rollback.__file__), quiet=1)
    print(f"python {sys.version.split()[0]}, {git('.', dict(os.environ), 'version').strip()}")
    with tempfile.TemporaryDirectory() as root:
        env = env_for(root)
        if args.only in (None, "apply"):
            bench_apply(root, env, args.rounds)
        if args.only in (None, "plan"):
            bench_plan(root, env, args.rounds, shared=False)
            bench_plan(root, env, args.rounds, shared=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
