"""The configuration as TOML: what ``ai-rollback config`` prints and ``init`` writes, commented."""

from __future__ import annotations

from ai_rollback.config.model import CONFIG_FILE, TABLE, Config
from ai_rollback.config.schema import OPTIONS, TABLES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def _toml_key(key: str) -> str:
    return key if key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key) else f'"{key}"'


def render(config: Config) -> str:
    """The effective configuration as TOML, in the form of the file in use (pyproject.toml by default)."""
    own = config.source == CONFIG_FILE
    lines = [f"# source: {config.source or 'defaults (no configuration file)'}"]
    if not own:
        lines.append(f"[{TABLE}]")
    for key in OPTIONS:
        value = config.values[key]
        lines.append(f"{key} = {toml_value(value)}" if value is not None else f"# {key} = (unset)")
    for name, options in TABLES.items():
        lines.append("")
        lines.append(f"[{name}]" if own else f"[{TABLE}.{name}]")
        table = config.table(name)
        for key in options:
            value = table.get(key)
            lines.append(
                f"{_toml_key(key)} = {toml_value(value)}" if value is not None else f"# {key} = (unset)"
            )
    return "\n".join(lines) + "\n"


def commented_defaults(table: str = TABLE, values: Mapping[str, object] | None = None) -> str:
    """A commented configuration with every key at its default (for ``init``).

    ``values``: top-level keys written set (not commented out), with these values.
    """
    lines = [f"[{table}]"] if table else []
    for key, option in OPTIONS.items():
        lines.append(f"# {option.doc}")
        if values and key in values:
            lines.append(f"{key} = {toml_value(values[key])}")
            continue
        shown = option.default if option.default is not None else option.example
        lines.append(f"# {key} = {toml_value(shown)}")
    for name, options in TABLES.items():
        lines.append("")
        lines.append(f"[{table}.{name}]" if table else f"[{name}]")
        for key, option in options.items():
            lines.append(f"# {option.doc}")
            default = option.default
            lines.append(
                f"# {_toml_key(key)} = {toml_value(default)}" if default is not None else f"# {key} ="
            )
    return "\n".join(lines) + "\n"
