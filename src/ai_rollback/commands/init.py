"""``ai-rollback init``: a commented configuration and the pre-commit entry.

Never clobbers: the configuration is appended to pyproject.toml (or written
to a new .ai-rollback.toml), the pre-commit entry is added to an existing
.pre-commit-config.yaml only where that is safe to do as text; otherwise the
snippet is printed for the user to paste.

No release is tagged yet, so ``rev:`` is the commit of the ai-rollback that
runs: the clone it runs from, or the commit pip recorded installing it (PEP
610 ``direct_url.json``).  When neither is known it is a marked placeholder,
and init says that the user must set it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ai_rollback import config as project_config
from ai_rollback.config import toml as config_toml
from ai_rollback.console import echo
from ai_rollback.errors import OK, AiRollbackError, UsageError
from ai_rollback.git.repo import open_repository
from ai_rollback.git.run import Git, decode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

REPO_URL = "https://github.com/ai-rollback/ai-rollback"
PLACEHOLDER = "SET-ME"  # the rev: init writes when it cannot know a commit
HOOK_IDS = ("ai-rollback-commit-msg", "ai-rollback-prepare-commit-msg", "ai-rollback-pre-push")
HOOK_TYPES = ("commit-msg", "prepare-commit-msg", "pre-push")  # no pre-commit stage: none of ours runs there
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


@dataclass(frozen=True)
class Pin:
    """The ``repo:`` and ``rev:`` of the pre-commit entry; where ``rev:`` comes from, what to check."""

    url: str
    rev: str
    source: str = ""
    advice: str = ""

    def note(self) -> str:
        if self.rev == PLACEHOLDER:
            return (
                f"rev: is a placeholder ({PLACEHOLDER}): set it to a commit of the ai-rollback "
                f"repository, e.g. the one `git ls-remote {self.url} HEAD` prints (no release is tagged yet)"
            )
        return self.source + (f"; {self.advice}" if self.source and self.advice else "")


def repo_entry(url: str, rev: str, indent: str = "  ") -> str:
    comment = f"  # a commit of {url}: git ls-remote {url} HEAD" if rev == PLACEHOLDER else ""
    lines = [f"{indent}- repo: {url}", f"{indent}  rev: {rev}{comment}", f"{indent}  hooks:"]
    lines += [f"{indent}    - id: {hook}" for hook in HOOK_IDS]
    return "\n".join(lines) + "\n"


def pre_commit_config(url: str, rev: str) -> str:
    return (
        "# ai-rollback needs its hooks installed for these stages too.\n"
        f"default_install_hook_types: [{', '.join(HOOK_TYPES)}]\n"
        "repos:\n" + repo_entry(url, rev)
    )


def head_commit(root: str) -> str | None:
    """The commit HEAD is at, or None in a repository with no commits yet."""
    code, out, _ = Git(root).run_full("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    return (decode(out).strip() or None) if code == 0 else None


def _enforcement(start: str) -> str:
    return (
        f"enforcement starts after {start[:12]} (HEAD): pre-push and check --range judge only commits "
        "made from now on (enforce-from); log and ai-revert still read every commit"
    )


def _write_config(root: str, start: str | None) -> list[str]:
    """Write the configuration; with ``start``, enforcement begins after that commit."""
    pyproject = os.path.join(root, project_config.PYPROJECT)
    own = os.path.join(root, project_config.CONFIG_FILE)
    values = {"enforce-from": start} if start else None
    if os.path.exists(own) or (
        os.path.exists(pyproject) and project_config.pyproject_table(pyproject) is not None
    ):
        name = project_config.CONFIG_FILE if os.path.exists(own) else project_config.PYPROJECT
        kept = (
            f"kept: {name} already configures ai-rollback"
            if name == project_config.CONFIG_FILE
            else f"kept: {name} already has [{project_config.TABLE}]"
        )
        return [kept, *_enforcement_hint(root, name, start)]
    if os.path.exists(pyproject):
        with open(pyproject, encoding="utf-8") as f:
            text = f.read()
        block = "\n# ai-rollback: every key is shown at its default; uncomment to change.\n"
        block += config_toml.commented_defaults(values=values)
        with open(pyproject, "a", encoding="utf-8") as f:
            f.write(("" if text.endswith("\n") or not text else "\n") + block)
        done = f"added [{project_config.TABLE}] to {project_config.PYPROJECT}"
    else:
        body = "# ai-rollback configuration: every key is shown at its default; uncomment to change.\n"
        body += config_toml.commented_defaults(table="", values=values)
        with open(own, "w", encoding="utf-8") as f:
            f.write(body)
        done = f"wrote {project_config.CONFIG_FILE}"
    return [done, _enforcement(start)] if start else [done]


def _enforcement_hint(root: str, name: str, start: str | None) -> list[str]:
    """For a configuration init keeps: how to start enforcement at HEAD, unless it is set."""
    if start is None:
        return []
    try:
        if project_config.load(root).enforce_from:
            return []
    except AiRollbackError:
        return []  # an invalid file: the first command that reads it says what is wrong
    where = "at its top level" if name == project_config.CONFIG_FILE else f"under [{project_config.TABLE}]"
    return [f'to judge only commits made from now on, add enforce-from = "{start}" to {name} {where}']


def _add_to_pre_commit(root: str, url: str, rev: str) -> tuple[str, str | None]:
    """Returns (what was done, snippet to paste or None)."""
    path = os.path.join(root, PRE_COMMIT_CONFIG)
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(pre_commit_config(url, rev))
        return f"wrote {PRE_COMMIT_CONFIG}", None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if any(hook in text for hook in HOOK_IDS):
        return f"kept: {PRE_COMMIT_CONFIG} already runs ai-rollback", None
    lines = text.splitlines()
    top_keys = [i for i, line in enumerate(lines) if line[:1].isalpha() and ":" in line]
    repos = [i for i in top_keys if lines[i].startswith("repos:")]
    items = [line for line in lines[repos[0] + 1 :] if line.lstrip().startswith("- ")] if repos else []
    if not repos or repos[0] != top_keys[-1] or lines[repos[0]].strip() != "repos:" or not items:
        return f"not changed: {PRE_COMMIT_CONFIG} (add the entry below by hand)", repo_entry(url, rev)
    indent = items[0][: len(items[0]) - len(items[0].lstrip())]
    new = text + ("" if text.endswith("\n") else "\n") + repo_entry(url, rev, indent)
    note = f"added ai-rollback to {PRE_COMMIT_CONFIG}"
    if not any(line.startswith("default_install_hook_types:") for line in lines):
        types = f"default_install_hook_types: [{', '.join(HOOK_TYPES)}]\n"
        marker = next((i for i, line in enumerate(lines) if line.strip() == "---"), None)
        if marker is not None and all(not line.strip() or line.startswith("#") for line in lines[:marker]):
            parts = new.split("\n")
            parts.insert(marker + 1, types.rstrip("\n"))  # after the YAML document marker
            new = "\n".join(parts)
        else:
            new = types + new
    else:
        note += f"; make sure default_install_hook_types lists {', '.join(HOOK_TYPES)}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    return note, None


def init(
    repo_url: str | None = None,
    rev: str | None = None,
    agents: Sequence[str] = (),
    root: str | None = None,
) -> int:
    """Write the commented configuration and the pre-commit entry (and agents' hooks); say what."""
    if root is None:
        repo = open_repository()
        if repo.work_tree is None:
            raise UsageError("init needs a work tree; this repository is bare")
        root = repo.work_tree
    done, snippet = set_up(root, repo_url, rev)
    if agents:
        from ai_rollback.commands.agent import init_agent

        for name in agents:
            done += init_agent(root, name)
    for line in done:
        echo(line)
    if snippet:
        echo("\nAdd under `repos:` in .pre-commit-config.yaml:\n\n" + snippet)
    return OK


def set_up(root: str, url: str | None = None, rev: str | None = None) -> tuple[list[str], str | None]:
    """Set a repository up; returns the lines to print and a snippet to paste, if any."""
    done = _write_config(root, head_commit(root))
    pin = Pin(url or REPO_URL, rev) if rev else installed_pin()
    if url and url != pin.url:
        pin = Pin(url, pin.rev, pin.source, f"check that {url} has that commit")
    note, snippet = _add_to_pre_commit(root, pin.url, pin.rev)
    done.append(note)
    if pin.note() and not note.startswith("kept"):
        done.append(pin.note())
    return done, snippet


# --------------------------------------------------------------------------
# Which ai-rollback this is: a clone, a commit pip recorded, or unknown
# --------------------------------------------------------------------------


def installed_pin(package_dir: str | None = None) -> Pin:
    """``repo:``/``rev:`` naming the ai-rollback installed here (``package_dir``: its package)."""
    if package_dir is None:
        import ai_rollback

        package_dir = os.path.dirname(os.path.abspath(ai_rollback.__file__))
    clone = _clone_of(package_dir)
    if clone is not None:
        return _clone_pin(clone, "the ai-rollback clone this runs from")
    direct = _direct_url(package_dir)
    if direct is not None:
        url, commit, source_dir = direct
        if commit:
            return Pin(url, commit, f"rev: {commit} is the commit pip installed ai-rollback from ({url})")
        clone = _clone_of(source_dir, top=True) if source_dir else None
        if clone is not None:
            return _clone_pin(clone, "the clone pip installed ai-rollback from (its HEAD now)")
    return Pin(REPO_URL, PLACEHOLDER)


def _git(cwd: str) -> Git:
    """git in ``cwd`` itself, whatever repository the caller's environment points at."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    return Git(cwd, env)


def _clone_of(path: str, top: bool = False) -> str | None:
    """The ai-rollback clone whose ``src/ai_rollback`` (``top``: whose top level) is ``path``, if any.

    A virtual environment inside some other repository is no clone of
    ai-rollback: the package must sit where the clone keeps it, and the
    clone's HEAD must ship the pre-commit hooks.
    """
    if not os.path.isdir(path):
        return None
    git = _git(path)
    code, out, _ = git.run_full("rev-parse", "--show-toplevel", check=False)
    toplevel = decode(out).strip()
    if code != 0 or not toplevel:
        return None
    where = toplevel if top else os.path.join(toplevel, "src", "ai_rollback")
    if not os.path.exists(where) or not os.path.samefile(where, path):
        return None
    code, _, _ = git.run_full("cat-file", "-e", "HEAD:.pre-commit-hooks.yaml", check=False)
    return toplevel if code == 0 else None


def _clone_pin(clone: str, what: str) -> Pin:
    git = _git(clone)
    sha = git.text("rev-parse", "--verify", "HEAD^{commit}")
    branch = git.text("symbolic-ref", "-q", "--short", "HEAD", check=False)
    remote = (git.text("config", f"branch.{branch}.remote", check=False) if branch else "") or "origin"
    url = git.text("config", f"remote.{remote}.url", check=False)
    source = f"rev: {sha} is HEAD of {clone}, {what}"
    if not url:
        return Pin(REPO_URL, sha, source, f"the clone has no remote: check that {REPO_URL} has that commit")
    if not git.text("branch", "-r", "--contains", sha, check=False):
        advice = (
            f"no branch of its remote has it: push it, or set rev: to a commit `git ls-remote {url}` lists"
        )
        return Pin(url, sha, source, advice)
    return Pin(url, sha, source, f"repo: is its remote {remote!r}")


def _direct_url(package_dir: str) -> tuple[str, str, str] | None:
    """(url, commit, local directory) pip recorded installing this package from; None if unknown."""
    import json
    from importlib import metadata

    try:
        dist = metadata.distribution("ai-rollback")
        installed = str(dist.locate_file("ai_rollback"))
        if not os.path.exists(installed) or not os.path.samefile(installed, package_dir):
            return None  # the metadata describes another copy than the one running
        info = json.loads(dist.read_text("direct_url.json") or "null")
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return None
    return _parse_direct_url(info) if isinstance(info, dict) else None


def _parse_direct_url(info: dict[str, object]) -> tuple[str, str, str] | None:
    """PEP 610: a git install's url and commit, or the local directory of a ``pip install DIR``."""
    from urllib.parse import unquote, urlsplit

    url = info.get("url")
    vcs = info.get("vcs_info")
    if not isinstance(url, str):
        return None
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and isinstance(vcs.get("commit_id"), str):
        return url, str(vcs["commit_id"]), ""
    parts = urlsplit(url)
    if "dir_info" in info and parts.scheme == "file":
        return url, "", unquote(parts.path)
    return None
