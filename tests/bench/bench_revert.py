"""Benchmark: ai-revert against git itself (issues #3 and #10).

Apply
    Reverting 100 clean AI commits of a 2,000-commit history (500 files of
    200 lines) takes at most 1.0x ``git revert --no-edit <the same commits>``
    in one call, on fresh clones, with an identical final tree.
Plan
    ``ai-revert --dry-run`` over a range takes at most 2x ``git log -p -U0``
    over the same range, every diff followed, with a bounded peak resident
    memory (whole process, as the OS counts it).  ``--shape linear`` (the
    default) is a 5,000-commit linear history with 1,000 AI commits;
    ``--shape merge-heavy`` is the merge-heavy generator of ``history.py``
    (pull requests, long-lived branches, criss-cross merges, renames; AI and
    human commits on the same files): budget 2x and 150 MB at 7,000 commits
    with 400 merges, 2x and 300 MB at 50,000 with 3,000.

Each figure is the median and the spread (min to max) of interleaved rounds:
in every round both commands run, in alternating order; a ratio is the
median of the per-round ratios.  Not a test: it prints numbers.  Usage, from
a checkout with the project installed::

    python tests/bench/bench_revert.py [--rounds 5] [--only apply|plan]
    python tests/bench/bench_revert.py --shape merge-heavy --commits 7000 --merges 400
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import env_for, git, machine, ratios, spread, timed
from history import make_history, make_merge_heavy_history

__all__ = ["env_for", "git", "timed"]  # bench_log and bench_hook import these from here

BIN = Path(sys.executable).parent
AI_REVERT = str(BIN / "ai-revert")
TIME = "/usr/bin/time"
RSS_DRIVER = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
with open(sys.argv[1], "w") as f:
    f.write(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
sys.exit(code)
"""


def timed_rss(
    argv: list[str], cwd: str, env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> tuple[float, int]:
    """Wall time and peak resident memory (bytes) of one run of ``argv``, with the git it runs.

    ``/usr/bin/time -f %M`` when there is one; else ``getrusage(RUSAGE_CHILDREN)`` in a fresh
    Python process whose only child is ``argv`` (the time then includes that Python's start).
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out:
        if os.access(TIME, os.X_OK):
            wrapper = [TIME, "-f", "%M", "-o", out.name]
        else:  # pragma: no cover - machines without GNU time
            wrapper = [sys.executable, "-c", RSS_DRIVER, out.name]
        elapsed = timed([*wrapper, *argv], cwd, env, ok)
        kib = int(out.read().split()[-1])  # GNU time may first say "Command exited with non-zero status"
    return elapsed, kib * 1024


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
    print(f"apply: 100 AI commits of 2,000 (500 files x 200 lines), {rounds} rounds, fresh clones")
    print(f"  git revert --no-edit (one call)   {spread(git_t, 's')}")
    print(f"  ai-revert --yes                   {spread(ours_t, 's')}")
    print(
        f"  ratio                             {spread(ratios(ours_t, git_t), 'x')}   (budget 1.0x; same trees)"
    )


def plan_facts(repo: str, rng: str, env: dict[str, str]) -> str:
    """What the plan holds: commits, merges, AI commits, entangled ones (one untimed dry run)."""
    import json

    done = subprocess.run(
        [AI_REVERT, rng, "--dry-run", "--format", "json"], cwd=repo, env=env, capture_output=True, check=False
    )
    plan = json.loads(done.stdout)
    kinds = [c["kind"] for c in plan["commits"]]
    return (
        f"{len(kinds):,} commits, {kinds.count('merge'):,} merges, {kinds.count('ai'):,} AI, "
        f"{len(plan['entangled']):,} entangled"
    )


def measure_plan(repo: str, env: dict[str, str], rounds: int, title: str, budget_mb: int | None) -> None:
    """Interleaved rounds of ``git log -p -U0`` and ``ai-revert --dry-run`` over root..HEAD."""
    first = git(repo, env, "rev-list", "--max-parents=0", "HEAD").strip()
    rng = f"{first}..HEAD"
    log_argv = ["git", "log", "-p", "-U0", rng]
    ours_argv = [AI_REVERT, rng, "--dry-run", "--format", "json"]
    log_t: list[float] = []
    ours_t: list[float] = []
    log_m: list[float] = []
    ours_m: list[float] = []
    for n in range(rounds):
        for which in ("log", "ours") if n % 2 == 0 else ("ours", "log"):
            if which == "log":
                t, m = timed_rss(log_argv, repo, env)
                log_t.append(t)
                log_m.append(m / 2**20)
            else:
                t, m = timed_rss(ours_argv, repo, env, ok=(0, 1))  # 1: entangled, refused
                ours_t.append(t)
                ours_m.append(m / 2**20)
    memory = f"; peak RSS budget {budget_mb} MB" if budget_mb else ""
    print(f"plan: {title}")
    print(f"  {plan_facts(repo, rng, env)}; {rounds} interleaved rounds")
    print(f"  git log -p -U0              {spread(log_t, 's')}   peak RSS {spread(log_m, ' MB', 0)}")
    print(f"  ai-revert --dry-run         {spread(ours_t, 's')}   peak RSS {spread(ours_m, ' MB', 0)}")
    print(f"  ratio                       {spread(ratios(ours_t, log_t), 'x')}   (budget 2x{memory})")


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
    what = (
        "humans edit the AI files too: every diff is followed" if shared else "AI files untouched by humans"
    )
    measure_plan(base, env, rounds, f"linear, 5,000 commits with 1,000 AI commits ({what})", None)
    print("  memory: peak Python heap of the dry run as the range grows")
    for size in (1000, 2500, 5000):
        start = git(base, env, "rev-list", "--reverse", "HEAD").split()[-size]
        peak = peak_python_memory(f"{start}..HEAD", base, env)
        print(f"    {size:5} commits                   {peak / 2**20:8.1f} MiB")


def bench_merge_heavy(
    root: str, env: dict[str, str], rounds: int, commits: int, merges: int, seed: int
) -> None:
    base = os.path.join(root, f"merge-heavy-{commits}-{merges}")
    make_merge_heavy_history(base, commits=commits, merges=merges, seed=seed, env=env)
    budget = 150 if commits <= 10_000 else 300
    title = f"merge-heavy, --commits {commits} --merges {merges} --seed {seed} (500 files x 200 lines)"
    measure_plan(base, env, rounds, title, budget)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["apply", "plan"], default=None)
    parser.add_argument("--shape", choices=["linear", "merge-heavy"], default="linear")
    parser.add_argument("--commits", type=int, default=7000, help="merge-heavy: commits of the range")
    parser.add_argument("--merges", type=int, default=400, help="merge-heavy: merge commits among them")
    parser.add_argument("--seed", type=int, default=7, help="merge-heavy: the generator's seed")
    args = parser.parse_args()
    import compileall

    import ai_rollback

    compileall.compile_dir(os.path.dirname(ai_rollback.__file__), quiet=1)
    print(machine())
    with tempfile.TemporaryDirectory() as root:
        env = env_for(root)
        if args.shape == "merge-heavy":
            bench_merge_heavy(root, env, args.rounds, args.commits, args.merges, args.seed)
            return 0
        if args.only in (None, "apply"):
            bench_apply(root, env, args.rounds)
        if args.only in (None, "plan"):
            bench_plan(root, env, args.rounds, shared=False)
            bench_plan(root, env, args.rounds, shared=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
