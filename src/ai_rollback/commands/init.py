"""``ai-rollback init``: a commented configuration and the pre-commit entry.

Never clobbers: the configuration is appended to pyproject.toml (or written
to a new .ai-rollback.toml), the pre-commit entry is added to an existing
.pre-commit-config.yaml only where that is safe to do as text; otherwise the
snippet is printed for the user to paste.
"""

from __future__ import annotations

import os

from ai_rollback import __version__
from ai_rollback import config as project_config
from ai_rollback.config import toml as config_toml
from ai_rollback.console import echo
from ai_rollback.errors import OK, UsageError
from ai_rollback.git.repo import open_repository

REPO_URL = "https://github.com/ai-rollback/ai-rollback"
HOOK_IDS = ("ai-rollback-commit-msg", "ai-rollback-prepare-commit-msg", "ai-rollback-pre-push")
HOOK_TYPES = ("commit-msg", "prepare-commit-msg", "pre-push")  # no pre-commit stage: none of ours runs there
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


def repo_entry(url: str, rev: str, indent: str = "  ") -> str:
    lines = [f"{indent}- repo: {url}", f"{indent}  rev: {rev}", f"{indent}  hooks:"]
    lines += [f"{indent}    - id: {hook}" for hook in HOOK_IDS]
    return "\n".join(lines) + "\n"


def pre_commit_config(url: str, rev: str) -> str:
    return (
        "# ai-rollback needs its hooks installed for these stages too.\n"
        f"default_install_hook_types: [{', '.join(HOOK_TYPES)}]\n"
        "repos:\n" + repo_entry(url, rev)
    )


def _write_config(root: str) -> str:
    pyproject = os.path.join(root, project_config.PYPROJECT)
    own = os.path.join(root, project_config.CONFIG_FILE)
    if os.path.exists(own):
        return f"kept: {project_config.CONFIG_FILE} already configures ai-rollback"
    if os.path.exists(pyproject):
        with open(pyproject, encoding="utf-8") as f:
            text = f.read()
        if project_config.pyproject_table(pyproject) is not None:
            return f"kept: {project_config.PYPROJECT} already has [{project_config.TABLE}]"
        block = "\n# ai-rollback: every key is shown at its default; uncomment to change.\n"
        block += config_toml.commented_defaults()
        with open(pyproject, "a", encoding="utf-8") as f:
            f.write(("" if text.endswith("\n") or not text else "\n") + block)
        return f"added [{project_config.TABLE}] to {project_config.PYPROJECT}"
    body = "# ai-rollback configuration: every key is shown at its default; uncomment to change.\n"
    body += config_toml.commented_defaults(table="")
    with open(own, "w", encoding="utf-8") as f:
        f.write(body)
    return f"wrote {project_config.CONFIG_FILE}"


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


def init(repo_url: str | None = None, rev: str | None = None, root: str | None = None) -> int:
    """Write the commented configuration and the pre-commit entry; print what was done."""
    if root is None:
        repo = open_repository()
        if repo.work_tree is None:
            raise UsageError("init needs a work tree; this repository is bare")
        root = repo.work_tree
    done, snippet = set_up(root, repo_url or REPO_URL, rev)
    for line in done:
        echo(line)
    if snippet:
        echo("\nAdd under `repos:` in .pre-commit-config.yaml:\n\n" + snippet)
    return OK


def set_up(root: str, url: str = REPO_URL, rev: str | None = None) -> tuple[list[str], str | None]:
    """Set a repository up; returns the lines to print and a snippet to paste, if any."""
    rev = rev or f"v{__version__}"
    done = [_write_config(root)]
    note, snippet = _add_to_pre_commit(root, url, rev)
    done.append(note)
    return done, snippet
