"""``ai-rollback install`` / ``uninstall``: the plain git hooks (for people without pre-commit).

The shims in ``hooks/`` (shipped in the wheel as ``ai_rollback/hooks``) are
copied into the hooks folder git uses (``git rev-parse --git-path hooks``:
honours ``core.hooksPath`` and linked worktrees), with the path of the Python
ai-rollback is installed in.  Each carries a marker line; a hook without it is
someone else's and is never overwritten unless ``--force``, which keeps it
next to ours as ``<hook>.pre-ai-rollback``, where our hook runs it first
(``uninstall`` puts it back).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from ai_rollback.console import echo
from ai_rollback.errors import OK, GitError, UsageError
from ai_rollback.git.repo import Repository, open_repository

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

MARKER = "# ai-rollback-managed-hook:"
BACKUP_SUFFIX = ".pre-ai-rollback"
#: hook name -> what it does (``ai-rollback install --hook NAME``)
HOOKS = {
    "commit-msg": "checks each commit message",
    "prepare-commit-msg": "pre-fills the message template",
    "pre-push": "checks the commits being pushed",
    "pre-receive": "server side: checks the commits a push brings",
    "reference-transaction": "creates the AI tag when a release tag is created",
}
DEFAULT_HOOKS = ("commit-msg", "prepare-commit-msg", "pre-push")


def shim_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "hooks", package.parent.parent / "hooks"):  # the wheel, a checkout
        if (candidate / "commit-msg").is_file():
            return candidate
    raise GitError(
        "ai-rollback's hook scripts are missing from this installation",
        hint="reinstall it: pip install --force-reinstall ai-rollback",
    )


def hooks_dir(repo: Repository) -> Path:
    return Path(repo.git.git_path("hooks"))


def shim_text(name: str, python: str | None = None) -> str:
    text = (shim_dir() / name).read_text(encoding="utf-8")
    python = python or sys.executable
    # The shim quotes it in '...': make any quote in the path safe.
    quoted = shlex.quote(python)
    # where this ai_rollback lives: the hook puts it on sys.path itself and skips `site`
    site_dir = str(Path(__file__).resolve().parent.parent.parent)
    return text.replace("'@PYTHON@'", quoted).replace("'@SITE@'", shlex.quote(site_dir))


def is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return MARKER in f.read(4096)
    except OSError:
        return False


def _check_names(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in HOOKS]
    if unknown:
        raise UsageError(
            f"unknown hook {unknown[0]!r}",
            hint="choose from: " + ", ".join(HOOKS),
        )
    return list(dict.fromkeys(names))


def install(hooks: Sequence[str], force: bool = False, repo: Repository | None = None) -> int:
    """Write the hooks (default: commit-msg, prepare-commit-msg, pre-push); one line per hook."""
    for line in install_hooks(repo or open_repository(), hooks, force):
        echo(line)
    return OK


def uninstall(hooks: Sequence[str], repo: Repository | None = None) -> int:
    """Remove our hooks (default: all of them) and put back the ones they replaced."""
    done = uninstall_hooks(repo or open_repository(), hooks)
    for line in done or ["nothing to remove: no ai-rollback hooks are installed"]:
        echo(line)
    return OK


def install_hooks(repo: Repository, names: Sequence[str], force: bool = False) -> list[str]:
    """Write the hooks; returns one line per hook saying what was done."""
    names = _check_names(names or DEFAULT_HOOKS)
    directory = hooks_dir(repo)
    foreign = [n for n in names if (directory / n).exists() and not is_ours(directory / n)]
    if foreign and not force:
        path = directory / foreign[0]
        generated_by_pre_commit = "pre-commit" in path.read_text(encoding="utf-8", errors="replace")
        raise UsageError(
            f"{path} exists and was not written by ai-rollback; not overwriting it",
            hint=(
                "pre-commit manages your hooks: add ai-rollback to .pre-commit-config.yaml instead "
                "(see `ai-rollback init`)"
                if generated_by_pre_commit
                else f"rerun with --force to install ours and keep yours as {path.name}{BACKUP_SUFFIX}"
            ),
        )
    directory.mkdir(parents=True, exist_ok=True)
    done = []
    for name in names:
        target = directory / name
        note = "installed"
        if target.exists() and not is_ours(target):
            backup = target.with_name(name + BACKUP_SUFFIX)
            if backup.exists():
                raise UsageError(f"{backup} exists already; move it away first")
            os.replace(target, backup)
            note = f"installed (yours kept as {backup.name}, and run first)"
        elif target.exists():
            note = "updated"
        tmp = target.with_name(f".{name}.ai-rollback.tmp")
        tmp.write_text(shim_text(name), encoding="utf-8")
        tmp.chmod(0o755)
        os.replace(tmp, target)
        done.append(f"{note}: {target}")
    return done


def uninstall_hooks(repo: Repository, names: Sequence[str]) -> list[str]:
    names = _check_names(names or list(HOOKS))
    directory = hooks_dir(repo)
    done = []
    for name in names:
        target = directory / name
        if not target.exists() or not is_ours(target):
            continue
        target.unlink()
        backup = target.with_name(name + BACKUP_SUFFIX)
        if backup.exists():
            os.replace(backup, target)
            done.append(f"removed: {target} (restored your previous hook)")
        else:
            done.append(f"removed: {target}")
    return done
