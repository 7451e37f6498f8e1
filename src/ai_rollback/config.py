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

import math
import os

from ai_rollback import __version__
from ai_rollback.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

CONFIG_FILE = ".ai-rollback.toml"
PYPROJECT = "pyproject.toml"
TABLE = "tool.ai-rollback"
FILES_MATCH_MODES = ("exact", "cover", "off")


def _fail(where: str, key: str, value: object, problem: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"{where}: {key} = {value!r}: {problem}", hint=hint)


def _label(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, value, "must be a non-empty string", 'for example "AI"')
    if value != value.strip() or ":" in value or "\n" in value:
        raise _fail(
            where,
            key,
            value,
            "must not contain spaces at its ends, a colon or a newline",
            'write the label without its colon: "AI", not "AI:"',
        )
    return value


def _trailer_keys(where: str, key: str, value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(
            where,
            key,
            value,
            "must be a list of trailer keys",
            '["Generated-by", "Prompt", "Files"]',
        )
    for item in value:
        if not item or not all((c.isascii() and c.isalnum()) or c == "-" for c in item):
            raise _fail(where, key, value, f"{item!r} is not a key git can parse (letters, digits, '-')")
    return list(value)


def _choice(*choices: str) -> Callable[[str, str, object], object]:
    def check(where: str, key: str, value: object) -> object:
        if value not in choices:
            raise _fail(where, key, value, "must be one of " + ", ".join(choices))
        return value

    return check


def _bool(where: str, key: str, value: object) -> object:
    if not isinstance(value, bool):
        raise _fail(where, key, value, "must be true or false")
    return value


def _regex_list(where: str, key: str, value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, value, "must be a list of regular expressions")
    if value:
        import re

        for item in value:
            try:
                re.compile(item)
            except re.error as exc:
                raise _fail(where, key, item, f"is not a valid regular expression: {exc}") from None
    return list(value)


def _optional_path(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or not value:
        raise _fail(where, key, value, "must be a path relative to the repository root")
    return value


class Option:
    """One configuration key: its validator, default and documentation."""

    __slots__ = ("default", "doc", "validate")

    def __init__(self, default: object, validate: Callable[[str, str, object], object], doc: str) -> None:
        self.default = default
        self.validate = validate
        self.doc = doc


#: Top-level keys.  Sub-tables (``[tool.ai-rollback.revert]``...) are in TABLES.
OPTIONS: dict[str, Option] = {
    "ai-label": Option("AI", _label, "Subject label of AI commits (written with a colon: 'AI: ...')."),
    "human-label": Option("Human", _label, "Subject label of human commits."),
    "required-trailers": Option(
        ["Generated-by", "Prompt", "Files"],
        _trailer_keys,
        "Trailers an AI commit must carry. 'Assisted-by: AGENT:MODEL' satisfies Generated-by.",
    ),
    "files-match": Option(
        "exact",
        _choice(*FILES_MATCH_MODES),
        "How 'Files:' must match the paths the commit changes: exact (the same set), "
        "cover (every changed path listed, directly, under a listed 'dir/' or by a glob), off.",
    ),
    "secret-scan": Option(True, _bool, "Reject a Prompt that looks like it carries a credential."),
    "exempt-subjects": Option(
        [], _regex_list, "Extra subjects (Python regular expressions) let through unchecked."
    ),
    "template": Option(
        None,
        _optional_path,
        "Your own commit message template (jinja2, rendered sandboxed) for prepare-commit-msg.",
    ),
}


def _string_list(where: str, key: str, value: object) -> object:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, key, value, "must be a list of non-empty strings")
    return list(value)


def _strftime_pattern(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or not value.strip() or value.startswith("-"):
        raise _fail(where, key, value, "must be a tag name pattern such as incident-%Y%m%d-%H%M")
    return value


def _glob_pattern(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or not value or value.startswith("-") or "\n" in value:
        raise _fail(where, key, value, "must be a tag pattern such as v[0-9]*")
    return value


def _ai_tag_pattern(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or "{version}" not in value or "{slug}" not in value:
        raise _fail(
            where, key, value, "must contain {version} and {slug}", 'for example "{version}-ai-{slug}"'
        )
    return value


def _number(minimum: float) -> Callable[[str, str, object], object]:
    def check(where: str, key: str, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise _fail(where, key, value, "must be a number")
        if value < minimum:
            raise _fail(where, key, value, f"must be at least {minimum}")
        return value

    return check


def _count(where: str, key: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _fail(where, key, value, "must be a whole number, at least 1")
    return value


#: The metrics ``ai-rollback watch`` reads, with their default thresholds.
WATCH_METRICS = {"error-rate": 0.05, "response-time-ms": 2000, "memory-usage": 0.85}
#: Default PromQL per metric (the usual names of the Prometheus client libraries and node_exporter).
WATCH_QUERIES = {
    "error-rate": 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    "response-time-ms": "1000 * histogram_quantile(0.95, "
    "sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "memory-usage": "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
}


def _queries(where: str, key: str, value: object) -> object:
    if not isinstance(value, dict):
        raise _fail(where, key, value, "must be a table of PromQL queries", f"write it as [{TABLE}.{key}]")
    out = dict(WATCH_QUERIES)
    for metric, query in value.items():
        if metric not in WATCH_METRICS:
            raise ConfigError(
                f"{where}: unknown key {key}.{metric!s}", hint="known keys: " + ", ".join(WATCH_METRICS)
            )
        if not isinstance(query, str) or not query.strip():
            raise _fail(where, f"{key}.{metric}", query, "must be a PromQL query (a non-empty string)")
        out[str(metric)] = query
    return out


_DETECTOR_DOCS = {
    "convention": 'Our subject label "AI:" ("Human:" marks a human commit and wins).',
    "generated-by": "A Generated-by: trailer.",
    "assisted-by": "An Assisted-by: trailer (Linux kernel style).",
    "co-authored-by": "A Co-authored-by: trailer whose e-mail is a known AI identity.",
    "ai-author": "An author or committer e-mail that is a known AI identity.",
    "aider-author": 'An author name ending in " (aider)".',
    "aider-subject": 'A subject starting with "aider: ".',
    "extra-trailers": "A trailer key listed in extra-trailers.",
}

#: Sub-tables: name -> options.
TABLES: dict[str, dict[str, Option]] = {
    "revert": {
        "entangled": Option(
            "stop",
            _choice("stop", "skip", "include"),
            "ai-revert's default --entangled policy: stop, skip or include.",
        ),
        "incident-tag": Option(
            "incident-%Y%m%d-%H%M",
            _strftime_pattern,
            "Name of the tag --incident creates (strftime pattern, UTC).",
        ),
    },
    "tag": {
        "release-pattern": Option(
            "v[0-9]*",
            _glob_pattern,
            "Release tags (a git tag --list pattern); AI tags never count as releases.",
        ),
        "ai-tag": Option(
            "{version}-ai-{slug}", _ai_tag_pattern, "Name of the AI tag of a release: {version} and {slug}."
        ),
        "push-check": Option(
            "warn",
            _choice("warn", "block", "off"),
            "pre-push: a release tag that carries AI commits pushed without its AI tag: warn, block or off.",
        ),
    },
    "watch": {
        "error-rate": Option(
            WATCH_METRICS["error-rate"],
            _number(0),
            "ai-rollback watch: highest healthy error rate (0.05 is 5%).",
        ),
        "response-time-ms": Option(
            WATCH_METRICS["response-time-ms"],
            _number(0),
            "ai-rollback watch: highest healthy response time (ms).",
        ),
        "memory-usage": Option(
            WATCH_METRICS["memory-usage"],
            _number(0),
            "ai-rollback watch: highest healthy memory use (0.85 is 85%).",
        ),
        "breaches": Option(2, _count, "ai-rollback watch: consecutive breached polls before acting."),
        "queries": Option(
            dict(WATCH_QUERIES), _queries, "ai-rollback watch --prometheus: the PromQL query of each metric."
        ),
    },
    "detectors": {
        **{name: Option(True, _bool, doc) for name, doc in _DETECTOR_DOCS.items()},
        "ai-identities": Option(
            [],
            _string_list,
            'More AI identities: e-mail glob, optionally "=Tool" (e.g. "bot@example.com=OurBot").',
        ),
        "extra-trailers": Option(
            ["Co-authored-by-AI", "Made-with"],
            _trailer_keys,
            "Trailer keys that mark a commit as AI output.",
        ),
    },
}


class Config:
    """The validated configuration of one repository."""

    __slots__ = ("root", "source", "values")

    def __init__(self, values: dict[str, object], source: str | None, root: str | None) -> None:
        self.values = values
        self.source = source
        self.root = root

    def get(self, key: str) -> object:
        return self.values[key]

    def table(self, name: str) -> dict[str, object]:
        table = self.values.get(name)
        return dict(table) if isinstance(table, dict) else {}

    @property
    def ai_label(self) -> str:
        return str(self.values["ai-label"])

    @property
    def human_label(self) -> str:
        return str(self.values["human-label"])

    @property
    def required_trailers(self) -> list[str]:
        value = self.values["required-trailers"]
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def files_match(self) -> str:
        return str(self.values["files-match"])

    @property
    def secret_scan(self) -> bool:
        return bool(self.values["secret-scan"])

    @property
    def exempt_subjects(self) -> list[str]:
        value = self.values["exempt-subjects"]
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def template(self) -> str | None:
        value = self.values["template"]
        return str(value) if value is not None else None


def defaults() -> dict[str, object]:
    values: dict[str, object] = {k: _copy(o.default) for k, o in OPTIONS.items()}
    for name, options in TABLES.items():
        values[name] = {k: _copy(o.default) for k, o in options.items()}
    return values


def _copy(value: object) -> object:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def validate(data: Mapping[str, object], where: str) -> dict[str, object]:
    """Check ``data`` (one parsed table) and merge it over the defaults."""
    values = defaults()
    for key, value in data.items():
        if key in OPTIONS:
            values[key] = OPTIONS[key].validate(where, key, value)
        elif key in TABLES:
            if not isinstance(value, dict):
                raise _fail(where, key, value, "must be a table", f"write it as [{TABLE}.{key}]")
            sub = values[key]
            if not isinstance(sub, dict):  # pragma: no cover - defaults() always makes one
                raise TypeError(key)
            for subkey, subvalue in value.items():
                option = TABLES[key].get(subkey)
                if option is None:
                    raise ConfigError(
                        f"{where}: unknown key {key}.{subkey!s}",
                        hint="known keys: " + ", ".join(sorted(TABLES[key])),
                    )
                sub[subkey] = option.validate(where, f"{key}.{subkey}", subvalue)
        else:
            raise ConfigError(
                f"{where}: unknown key {key!r}",
                hint="known keys: " + ", ".join(sorted([*OPTIONS, *TABLES])),
            )
    return values


def _stat_key(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _parse_toml(path: str) -> dict[str, object]:
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def pyproject_table(path: str) -> dict[str, object] | None:
    data = _parse_toml(path)
    tool = data.get("tool")
    if not isinstance(tool, dict) or "ai-rollback" not in tool:
        return None
    table = tool["ai-rollback"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    return table


def _read(root: str) -> tuple[dict[str, object], str | None]:
    own = os.path.join(root, CONFIG_FILE)
    pyproject = os.path.join(root, PYPROJECT)
    own_exists = os.path.isfile(own)
    table = pyproject_table(pyproject) if _mentions_us(pyproject) else None
    if own_exists:
        if table is not None:
            raise ConfigError(
                f"both {CONFIG_FILE} and [{TABLE}] in {PYPROJECT} configure ai-rollback",
                hint="keep one of them",
            )
        return validate(_parse_toml(own), CONFIG_FILE), CONFIG_FILE
    if table is not None:
        return validate(table, f"{PYPROJECT} [{TABLE}]"), PYPROJECT
    return defaults(), None


def _mentions_us(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"ai-rollback" in f.read()
    except OSError:
        return False


def load(root: str | None, cache_dir: str | None = None) -> Config:
    """The configuration of the repository at ``root`` (defaults when there is none).

    With ``cache_dir`` the validated result is cached there.
    """
    if root is None:
        return Config(defaults(), None, None)
    key = (
        __version__,
        root,
        _stat_key(os.path.join(root, CONFIG_FILE)),
        _stat_key(os.path.join(root, PYPROJECT)),
    )
    if key[2] is None and key[3] is None:
        return Config(defaults(), None, root)
    cache = os.path.join(cache_dir, "config.cache") if cache_dir else None
    if cache:
        cached = _read_cache(cache, key)
        if cached is not None:
            return Config(cached[0], cached[1], root)
    values, source = _read(root)
    if cache:
        _write_cache(cache, key, values, source)
    return Config(values, source, root)


def _read_cache(path: str, key: tuple[object, ...]) -> tuple[dict[str, object], str | None] | None:
    import marshal

    try:
        with open(path, "rb") as f:
            stored = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, tuple) or len(stored) != 3 or stored[0] != key:
        return None
    values, source = stored[1], stored[2]
    if not isinstance(values, dict) or not (source is None or isinstance(source, str)):
        return None
    return values, source


def _write_cache(path: str, key: tuple[object, ...], values: dict[str, object], source: str | None) -> None:
    import marshal

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            marshal.dump((key, values, source), f)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only repository still works, just without the cache


# --------------------------------------------------------------------------
# Rendering (``ai-rollback config`` and ``ai-rollback init``)
# --------------------------------------------------------------------------


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
    """The effective configuration as TOML, ready for pyproject.toml."""
    lines = [f"# source: {config.source or 'defaults (no configuration file)'}", f"[{TABLE}]"]
    for key in OPTIONS:
        value = config.values[key]
        lines.append(f"{key} = {toml_value(value)}" if value is not None else f"# {key} = (unset)")
    for name, options in TABLES.items():
        lines.append("")
        lines.append(f"[{TABLE}.{name}]")
        table = config.table(name)
        for key in options:
            value = table.get(key)
            lines.append(
                f"{_toml_key(key)} = {toml_value(value)}" if value is not None else f"# {key} = (unset)"
            )
    return "\n".join(lines) + "\n"


def commented_defaults(table: str = TABLE) -> str:
    """A commented configuration with every key at its default (for ``init``)."""
    lines = [f"[{table}]"] if table else []
    for key, option in OPTIONS.items():
        lines.append(f"# {option.doc}")
        default = option.default
        lines.append(
            f"# {key} = {toml_value(default)}" if default is not None else f'# {key} = "path/to/template.j2"'
        )
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
