"""Project configuration: ``[tool.ai-rollback]`` in pyproject.toml, or .ai-rollback.toml.

The file is at the repository root.  ``.ai-rollback.toml`` holds the same keys
at its top level.  Every key is validated; an unknown key or a bad value is a
:class:`~ai_rollback.errors.ConfigError` that names the file, the key and what
is allowed.

The commit-msg hook reads the configuration on every commit, and ``tomllib``
costs more than the whole hook may; so a validated configuration is cached
(``marshal``) in the repository's git directory, keyed on the files' size and
modification time, and ``tomllib`` is imported only when the cache is stale.
"""

from __future__ import annotations

from ai_rollback.config.files import load, pyproject_table
from ai_rollback.config.schema import (
    CONFIG_FILE,
    FILES_MATCH_MODES,
    OPTIONS,
    PYPROJECT,
    TABLE,
    TABLES,
    WATCH_METRICS,
    WATCH_QUERIES,
    Config,
    defaults,
    validate,
)

__all__ = [
    "CONFIG_FILE",
    "FILES_MATCH_MODES",
    "OPTIONS",
    "PYPROJECT",
    "TABLE",
    "TABLES",
    "WATCH_METRICS",
    "WATCH_QUERIES",
    "Config",
    "defaults",
    "load",
    "pyproject_table",
    "validate",
]
