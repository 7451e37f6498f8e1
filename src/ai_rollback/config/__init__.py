"""Project configuration: ``[tool.ai-rollback]`` in pyproject.toml, or .ai-rollback.toml.

The file is at the repository root.  ``.ai-rollback.toml`` holds the same keys
at its top level.  Every key is validated; an unknown key or a bad value is a
:class:`~ai_rollback.errors.ConfigError` that names the file, the key and what
is allowed.

The commit-msg hook reads the configuration on every commit, and ``tomllib``
costs more than the whole hook may; so a validated configuration (the defaults
too) is cached (``marshal``) in the repository's git directory, keyed on the
files' size and modification time, and ``tomllib`` and the schema are
imported only when the cache is stale.  ``model.py``: what the code reads;
``schema.py``: every key's default and validator; ``files.py``: the files.
"""

from __future__ import annotations

from ai_rollback.config.files import load, pyproject_table
from ai_rollback.config.model import (
    CONFIG_FILE,
    FILES_MATCH_MODES,
    PYPROJECT,
    TABLE,
    WATCH_METRICS,
    WATCH_QUERIES,
    Config,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ai_rollback.config.schema import OPTIONS, TABLES, defaults, validate


def __getattr__(name: str) -> object:
    """The schema (``OPTIONS``, ``TABLES``, ``defaults``, ``validate``), loaded when first asked for."""
    if name in ("OPTIONS", "TABLES", "defaults", "validate"):
        from ai_rollback.config import schema

        return getattr(schema, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
