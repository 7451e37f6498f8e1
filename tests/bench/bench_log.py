"""Benchmark: ``ai-rollback log`` against ``git log`` (issues #4, #9 and #10).

``ai-rollback log v0..HEAD --format json`` over 50,000 commits, 5,000 of them
with a git-ai note in ``refs/notes/ai``, within 1.2x ``git log --format=%H%x00%B``
over the same range (issue #10; #4 and #9 asked 1.5x), without and with a
commit-graph (which ``git gc`` writes: with one, git streams the range as it
walks it, without one it walks the whole range before it prints a line),
measured side by side in interleaved rounds (in every round both run, in
alternating order; the ratio is the median of the per-round ratios, with
the spread min to max); peak Python heap as the range grows (memory must
stay flat: one streamed git log, counters only).  Not a test: it prints
numbers::

    python tests/bench/bench_log.py [--rounds 5] [--commits 50000] [--notes 5000]

``--repo DIR [--range R]`` times the same two commands on an existing
repository instead (a real history: a clone, or a bare mirror), as it is::

    python tests/bench/bench_log.py --repo ../aider.git --rounds 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_revert import env_for, git
from common import machine, ratios, spread
from history import make_history

TOOL = str(Path(sys.executable).parent / "ai-rollback")
MEMORY_DRIVER = """
import io, sys, contextlib, tracemalloc
from ai_rollback.entry import main
tracemalloc.start()
with contextlib.redirect_stdout(open("/dev/null", "w")):
    main(["log", sys.argv[1], "--format", "json"])
print(tracemalloc.get_traced_memory()[1])
"""


def timed(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


#: a git-ai authorship note (``authorship/3.0.0``) of 5 AI lines, as git-ai writes them
NOTE = (
    "src/f.txt\n  abcd1234abcd1234 1-5\n---\n"
    '{"schema_version": "authorship/3.0.0", "base_commit_sha": "x", '
    '"prompts": {"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x", "model": "gpt-5"}}}}'
)


def add_notes(repo: str, env: dict[str, str], shas: list[str]) -> None:
    """A git-ai note on each of ``shas`` (refs/notes/ai), in one ``git fast-import``."""
    data = NOTE.encode()
    stream = b"blob\nmark :1\ndata %d\n%s\n" % (len(data), data)
    stream += b"commit refs/notes/ai\ncommitter Bench <bench@example.com> 0 +0000\ndata 0\n"
    stream += b"".join(b"N :1 %s\n" % sha.encode() for sha in shas)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=env, input=stream, check=True)


def real_history(repo: str, range_text: str, rounds: int) -> int:
    """``--repo``: git and the report over ``range_text`` of an existing repository, interleaved."""
    with tempfile.TemporaryDirectory() as root:
        env = env_for(root)
        count = git(repo, env, "rev-list", "--count", *range_text.split()).strip()
        graph = git(repo, env, "rev-parse", "--git-path", "objects/info").strip()
        graphed = any(
            os.path.exists(os.path.join(repo, graph, name)) for name in ("commit-graph", "commit-graphs")
        )
        runs: dict[str, list[float]] = {"git": [], "ours": []}
        argv = {
            "git": ["git", "log", "--format=%H%x00%B", *range_text.split()],
            "ours": [TOOL, "log", range_text, "--format", "json"],
        }
        for n in range(rounds):
            for which in ("git", "ours") if n % 2 == 0 else ("ours", "git"):
                runs[which].append(timed(argv[which], repo, env))
        print(machine())
        print(
            f"log of {repo} {range_text}: {int(count):,} commits,"
            f" {'a' if graphed else 'no'} commit-graph, {rounds} interleaved rounds"
        )
        print(f"    git log --format=%H%x00%B        {spread(runs['git'], 's')}")
        print(f"    ai-rollback log --format json    {spread(runs['ours'], 's')}")
        print(f"    ratio                            {spread(ratios(runs['ours'], runs['git']), 'x')}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--commits", type=int, default=50_000)
    parser.add_argument("--notes", type=int, default=5_000, help="commits that carry a git-ai note")
    parser.add_argument("--repo", help="an existing repository to time instead of a generated one")
    parser.add_argument("--range", default="HEAD", help="with --repo: the range (default HEAD)")
    args = parser.parse_args()
    if args.repo:
        return real_history(args.repo, args.range, args.rounds)
    import compileall

    import ai_rollback

    compileall.compile_dir(os.path.dirname(ai_rollback.__file__), quiet=1)
    with tempfile.TemporaryDirectory() as root:
        env = env_for(root)
        repo = os.path.join(root, "history")
        make_history(repo, commits=args.commits, files=500, lines=50, ai=args.commits // 10, env=env)
        first = git(repo, env, "rev-list", "--max-parents=0", "HEAD").strip()
        git(repo, env, "tag", "v0", first)
        every = git(repo, env, "rev-list", "HEAD").split()
        add_notes(repo, env, every[:: max(1, len(every) // args.notes)][: args.notes] if args.notes else [])
        # the same history with a commit-graph, as `git gc` (gc.writeCommitGraph) and
        # `git maintenance` leave one: git's walk of the range then streams from its start
        graphed = os.path.join(root, "graphed")
        shutil.copytree(repo, graphed, symlinks=True)
        git(graphed, env, "commit-graph", "write", "--reachable")
        no_graph = {**env, "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.commitGraph"}
        no_graph["GIT_CONFIG_VALUE_0"] = "false"
        log_argv = ["git", "log", "--format=%H%x00%B", "v0..HEAD"]
        ours_argv = [TOOL, "log", "v0..HEAD", "--format", "json"]
        runs: dict[str, list[float]] = {key: [] for key in ("git", "ours", "git+graph", "ours+graph")}
        for n in range(args.rounds):
            order = ["git", "ours", "git+graph", "ours+graph"]
            for which in order if n % 2 == 0 else order[::-1]:
                argv = log_argv if which.startswith("git") else ours_argv
                where, how = (graphed, env) if which.endswith("graph") else (repo, no_graph)
                runs[which].append(timed(argv, where, how))
        print(machine())
        print(
            f"log over {args.commits:,} commits ({args.commits // 10:,} AI, {args.notes:,} with a git-ai"
            f" note), {args.rounds} interleaved rounds"
        )
        for label, suffix in (("no commit-graph", ""), ("with a commit-graph", "+graph")):
            theirs, ours = runs["git" + suffix], runs["ours" + suffix]
            print(f"  {label}:")
            print(f"    git log --format=%H%x00%B        {spread(theirs, 's')}")
            print(f"    ai-rollback log --format json    {spread(ours, 's')}")
            print(f"    ratio                            {spread(ratios(ours, theirs), 'x')}   (budget 1.2x)")
        print("  peak Python heap as the range grows:")
        shas = git(repo, env, "rev-list", "--reverse", "HEAD").split()
        for size in (args.commits // 5, args.commits // 2, args.commits - 1):
            done = subprocess.run(
                [sys.executable, "-c", MEMORY_DRIVER, f"{shas[-size - 1]}..HEAD"],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"    {size:6,} commits                    {int(done.stdout.split()[-1]) / 2**20:8.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
