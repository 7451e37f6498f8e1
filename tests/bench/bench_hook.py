"""Benchmark: the commit-msg hook against ``python -c pass`` and other commit linters.

The budget (issue #10): the commit-msg entry that ``.pre-commit-hooks.yaml``
declares, and the raw shim ``ai-rollback install`` writes, each run on a valid
AI message with its staged-files check, take at most 1.5x the wall time of the
same interpreter running ``python -c pass`` (median of the per-round ratios of
interleaved rounds), and less than conventional-pre-commit, gitlint and
``cz check`` on a message of theirs.

``--framework`` also times whole ``git commit -m`` runs with the hooks the
pre-commit framework installs (``ai-rollback init``'s hook types) against the
raw hooks: the framework's own start-up, once per stage, is most of a commit.

Not a test: it prints numbers.  Usage, from a checkout with the project installed::

    pip install -e '.[bench]'      # adds conventional-pre-commit, gitlint, commitizen
    python tests/bench/bench_hook.py [--rounds 40] [--framework]

Tools that are not installed are reported as such and skipped.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import env_for, git, machine, ratios, spread, timed

BUDGET = 1.5
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
MESSAGE = (
    "AI: Initial image optimization implementation\n\n"
    "Generated-by: Claude 3.5 Sonnet\n"
    "Prompt: Optimize image processing pipeline for memory efficiency\n"
    "Files: src/image_processor.py, utils/memory_manager.py\n"
)


def make_repo(root: str, env: dict[str, str], name: str = "repo") -> str:
    repo = os.path.join(root, name)
    os.makedirs(repo)
    git(repo, env, "init", "-q")
    Path(repo, "README.md").write_text("hello\n")
    git(repo, env, "add", "README.md")
    git(repo, env, "commit", "-q", "--no-verify", "-m", "Human: start")
    for path in ("src/image_processor.py", "utils/memory_manager.py"):
        Path(repo, path).parent.mkdir(parents=True, exist_ok=True)
        Path(repo, path).write_text("print('hi')\n")
    git(repo, env, "add", "-A")
    Path(repo, ".git", "COMMIT_EDITMSG").write_text(MESSAGE)
    Path(repo, "conventional.txt").write_text("feat(img): initial image optimization implementation\n")
    Path(repo, "gitlint.txt").write_text(
        "Initial image optimization implementation\n\nOptimize the pipeline for memory efficiency.\n"
    )
    return repo


def pre_commit_entry(hook_id: str) -> list[str]:
    """The hook's ``entry`` from .pre-commit-hooks.yaml, split as pre-commit splits it."""
    lines = (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines()
    start = lines.index(f"- id: {hook_id}")
    entry = next(line for line in lines[start:] if line.strip().startswith("entry:"))
    return shlex.split(entry.split(":", 1)[1].strip())


def hook_environment(root: str) -> str:
    """A fresh virtual environment holding ai_rollback as a wheel installs it: where pre-commit runs it.

    pre-commit installs the hook repository into a venv of its own (not
    editable); the entry finds ai_rollback in that venv's site-packages.
    Returns the venv's python.
    """
    import compileall
    import venv

    import ai_rollback

    home = os.path.join(root, "hook-env")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(home)
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    target = os.path.join(home, "lib", version, "site-packages", "ai_rollback")
    shutil.copytree(
        os.path.dirname(ai_rollback.__file__), target, ignore=shutil.ignore_patterns("__pycache__")
    )
    compileall.compile_dir(target, quiet=1)
    return os.path.join(home, "bin", "python")


#: Each row's baseline: ``python -c pass`` of the same environment.
BASE = "python -c pass (baseline)"
HOOK_BASE = "python -c pass (pre-commit's venv)"
PRE_COMMIT = "pre-commit entry, in pre-commit's venv"
RAW = "raw shim (.git/hooks/commit-msg)"


def candidates(repo: str, env: dict[str, str], hook_python: str) -> list[tuple[str, list[str]]]:
    python = sys.executable
    git_path = shutil.which("git") or "git"
    entry = pre_commit_entry("ai-rollback-commit-msg")
    here = list(entry)
    if entry[0] == "python":  # pre-commit finds it first on its environment's PATH
        entry[0] = hook_python
        here[0] = python
    subprocess.run(
        [str(BIN / "ai-rollback"), "install", "--hook", "commit-msg"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    spawn_git = (
        "import os\nr, w = os.pipe()\n"
        f"pid = os.posix_spawn({git_path!r}, ['git', 'diff', '--cached', '--name-only', '-z'], os.environ,"
        " file_actions=[(os.POSIX_SPAWN_DUP2, w, 1)])\nos.close(w)\n"
        "while os.read(r, 65536): pass\nos.waitpid(pid, 0)\n"
    )
    rows: list[tuple[str, list[str]]] = [
        (BASE, [python, "-c", "pass"]),
        (HOOK_BASE, [hook_python, "-c", "pass"]),
        (PRE_COMMIT, [*entry, ".git/COMMIT_EDITMSG"]),
        (RAW, [os.path.join(repo, ".git", "hooks", "commit-msg"), ".git/COMMIT_EDITMSG"]),
        ("pre-commit entry, here (editable: site runs)", [*here, ".git/COMMIT_EDITMSG"]),
        ("console script: ai-rollback check", [str(BIN / "ai-rollback"), "check", ".git/COMMIT_EDITMSG"]),
        ("python -m ai_rollback check", [python, "-m", "ai_rollback", "check", ".git/COMMIT_EDITMSG"]),
        ("import re, sys", [python, "-c", "import re, sys"]),
        ("os.posix_spawn + pipe + one git call", [python, "-c", spawn_git]),
        (
            "import subprocess + one git call",
            [
                python,
                "-c",
                f"import subprocess; subprocess.run([{git_path!r}, 'diff', '--cached', '--name-only', '-z'],"
                " capture_output=True)",
            ],
        ),
        ("import click", [python, "-c", "import click"]),
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
    """Give the package bytecode, as a pip-installed wheel has.

    An editable install, or a shell with PYTHONDONTWRITEBYTECODE=1, would
    otherwise compile every module on every run, which no user pays.
    """
    import compileall

    import ai_rollback

    package = os.path.dirname(ai_rollback.__file__)
    compileall.compile_dir(package, quiet=1)
    return package


def framework(root: str, env: dict[str, str], rounds: int) -> None:
    """Whole commits: the pre-commit framework's hooks against the raw shims."""
    head = git(str(ROOT), env, "rev-parse", "HEAD").strip()
    dirty = git(str(ROOT), env, "status", "--porcelain", "--untracked-files=no")
    if dirty:
        print(
            "framework: the checkout has uncommitted changes; pre-commit clones HEAD, so they are not measured"
        )
    from ai_rollback.commands.init import pre_commit_config

    env = dict(
        env, PRE_COMMIT_HOME=os.path.join(root, "pre-commit-home"), PATH=f"{BIN}{os.pathsep}{env['PATH']}"
    )
    framed = make_repo(root, env, "framework")
    Path(framed, ".pre-commit-config.yaml").write_text(pre_commit_config(str(ROOT), head))
    git(framed, env, "add", ".pre-commit-config.yaml")
    git(framed, env, "commit", "-q", "--no-verify", "-m", "Human: config")
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install", "--install-hooks"],
        cwd=framed,
        env=env,
        check=True,
        capture_output=True,
    )
    raw = make_repo(root, env, "raw")
    subprocess.run([str(BIN / "ai-rollback"), "install"], cwd=raw, env=env, check=True, capture_output=True)
    git(raw, env, "commit", "-q", "--no-verify", "-m", "Human: the files")  # as "Human: config" did above
    times: dict[str, list[float]] = {"pre-commit framework": [], "raw hooks": []}
    for n in range(rounds + 1):
        for label, repo in (("pre-commit framework", framed), ("raw hooks", raw)):
            Path(repo, "src", "image_processor.py").write_text(f"print({n})\n")
            git(repo, env, "add", "src/image_processor.py")
            message = MESSAGE.replace(
                "src/image_processor.py, utils/memory_manager.py", "src/image_processor.py"
            )
            elapsed = timed(["git", "commit", "-q", "-m", message], repo, env)
            if n:  # the first round warms caches
                times[label].append(elapsed)
    types = ", ".join(line for line in pre_commit_config("x", "y").splitlines() if "hook_types" in line)
    print(f"\nwhole `git commit -m` (valid AI message), {rounds} interleaved rounds; {types}")
    for label, values in times.items():
        print(f"  {label:22} {spread([v * 1000 for v in values], ' ms', 1)}")
    print(
        f"  framework / raw:       {spread(ratios(times['pre-commit framework'], times['raw hooks']), 'x')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--framework", action="store_true", help="also time whole commits under pre-commit")
    args = parser.parse_args()
    print(f"ai_rollback from {compile_package()}")
    with tempfile.TemporaryDirectory() as root:
        env = env_for(root)
        repo = make_repo(root, env)
        rows = candidates(repo, env, hook_environment(root))
        runnable = [(label, argv) for label, argv in rows if argv]
        times: dict[str, list[float]] = {label: [] for label, _ in runnable}
        for _label, argv in runnable:  # warm-up: caches, .pyc files
            timed(argv, repo, env)
        for _ in range(args.rounds):
            for label, argv in runnable:
                times[label].append(timed(argv, repo, env))

        def base(label: str) -> list[float]:
            return times[HOOK_BASE if label in (HOOK_BASE, PRE_COMMIT) else BASE]

        print(f"{machine()}; {args.rounds} interleaved rounds; median [min-max]")
        print(f"{'command':45} {'ms':>22} {'x python -c pass':>24}")
        for label, argv in rows:
            if not argv:
                print(f"{label:45} {'not installed (pip install -e .[bench])':>40}")
                continue
            ms = spread([t * 1000 for t in times[label]], "", 1)
            print(f"{label:45} {ms:>22} {spread(ratios(times[label], base(label))):>24}")
        print("(the pre-commit entry against python -c pass of its own venv; the rest against this one's)")
        verdicts = []
        others = [statistics.median(ratios(times[label], base(label))) for label, argv in rows[-3:] if argv]
        for label in (PRE_COMMIT, RAW):
            ours = statistics.median(ratios(times[label], base(label)))
            ok = ours <= BUDGET and all(ours < other for other in others)
            verdicts.append(ok)
            print(
                f"\n{label}: {ours:.2f}x python -c pass (budget {BUDGET}x) -> {'WITHIN' if ok else 'OVER'} BUDGET"
            )
        if args.framework:
            framework(root, env, max(5, args.rounds // 4))
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
