"""What most commands start from: the repository, its git settings and the project config."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ai_rollback import config as project_config
from ai_rollback import hook
from ai_rollback.config import Config
from ai_rollback.git.repo import Repository, open_repository_fast
from ai_rollback.gitconfig import GitSettings


@dataclass(frozen=True)
class Project:
    repo: Repository
    config: Config
    settings: GitSettings


def open_project(path: str | None = None) -> Project:
    """The repository around ``path`` (default: here), read with one ``git rev-parse``."""
    repo = open_repository_fast(path)
    settings = hook.git_settings(repo.paths())
    config = project_config.load(repo.root, os.path.join(repo.common_dir, "ai-rollback"))
    return Project(repo, config, settings)
