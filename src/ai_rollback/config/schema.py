"""The configuration's schema: every key, its default, its validator and its documentation.

Also :class:`Config`, the validated values, with typed views of its sub-tables.
On the commit-msg hook path: standard library only.
"""

from __future__ import annotations

from ai_rollback.errors import ConfigError
from ai_rollback.kinds import DETECTORS, POLICIES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ai_rollback.kinds import Policy

CONFIG_FILE = ".ai-rollback.toml"
PYPROJECT = "pyproject.toml"
TABLE = "tool.ai-rollback"
FILES_MATCH_MODES = ("exact", "cover", "off")


def section(name: str, source: str | None) -> str:
    """How the file ``source`` spells the table ``name``: ``[tag]`` in .ai-rollback.toml, else under tool."""
    if source is not None and source.startswith(CONFIG_FILE):
        return f"[{name}]" if name else "the top level"
    return f"[{TABLE}.{name}]" if name else f"[{TABLE}]"


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
    if not isinstance(value, str) or not value or value.startswith(("/", "\\", "~")) or ":" in value[:3]:
        raise _fail(
            where,
            key,
            value,
            "must be a path relative to the repository root",
            "a repository's configuration may only name a file inside the repository",
        )
    if ".." in value.replace("\\", "/").split("/"):
        raise _fail(where, key, value, "must not leave the repository (no '..')")
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
    "fix": Option(
        False,
        _bool,
        "commit-msg repairs the message in place when every problem is one `check --fix` repairs "
        "(trailers glued to the subject, misspelled keys), and says what it changed.",
    ),
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
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN
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
DEFAULT_EXTRA = ("Co-authored-by-AI", "Made-with")
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
        raise _fail(
            where, key, value, "must be a table of PromQL queries", f"write it as {section(key, where)}"
        )
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


#: Sub-tables: name -> options.
TABLES: dict[str, dict[str, Option]] = {
    "revert": {
        "entangled": Option(
            "stop",
            _choice(*POLICIES),
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
        **{name: Option(True, _bool, doc) for name, doc in DETECTORS.items()},
        "ai-identities": Option(
            [],
            _string_list,
            'More AI identities: e-mail glob, optionally "=Tool" (e.g. "bot@example.com=OurBot").',
        ),
        "extra-trailers": Option(
            list(DEFAULT_EXTRA),
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

    def section(self, name: str = "") -> str:
        """The table ``name`` as this configuration's file writes it (for hints)."""
        return section(name, self.source)

    @property
    def revert(self) -> RevertSettings:
        return RevertSettings(self.table("revert"))

    @property
    def tag(self) -> TagSettings:
        return TagSettings(self.table("tag"))

    @property
    def watch(self) -> WatchSettings:
        return WatchSettings(self.table("watch"))

    @property
    def detectors(self) -> DetectorSettings:
        return DetectorSettings(self.table("detectors"))

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
    def fix(self) -> bool:
        return bool(self.values.get("fix", False))

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
                raise _fail(where, key, value, "must be a table", f"write it as {section(key, where)}")
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


def _text(table: Mapping[str, object], key: str, default: str) -> str:
    value = table.get(key)
    return value if isinstance(value, str) and value else default


def _texts(table: Mapping[str, object], key: str) -> list[str]:
    value = table.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


class RevertSettings:
    """``[tool.ai-rollback.revert]``, validated and typed."""

    __slots__ = ("entangled", "incident_tag")

    def __init__(self, table: Mapping[str, object]) -> None:
        entangled = _text(table, "entangled", "stop")
        self.entangled: Policy = (
            "skip" if entangled == "skip" else "include" if entangled == "include" else "stop"
        )
        self.incident_tag = _text(table, "incident-tag", "incident-%Y%m%d-%H%M")


class TagSettings:
    """``[tool.ai-rollback.tag]``, validated and typed."""

    __slots__ = ("ai_tag", "push_check", "release_pattern")

    def __init__(self, table: Mapping[str, object]) -> None:
        self.release_pattern = _text(table, "release-pattern", "v[0-9]*")
        self.ai_tag = _text(table, "ai-tag", "{version}-ai-{slug}")
        self.push_check = _text(table, "push-check", "warn")


class WatchSettings:
    """``[tool.ai-rollback.watch]``, validated and typed: thresholds by metric, breaches, queries."""

    __slots__ = ("breaches", "queries", "thresholds")

    def __init__(self, table: Mapping[str, object]) -> None:
        self.thresholds: dict[str, float] = {}
        for metric, default in WATCH_METRICS.items():
            value = table.get(metric)
            self.thresholds[metric] = float(value) if isinstance(value, int | float) else float(default)
        breaches = table.get("breaches")
        self.breaches = breaches if isinstance(breaches, int) else 2
        queries = table.get("queries")
        self.queries = {str(k): str(v) for k, v in queries.items()} if isinstance(queries, dict) else {}


class DetectorSettings:
    """``[tool.ai-rollback.detectors]``, validated and typed."""

    __slots__ = ("ai_identities", "enabled", "extra_trailers")

    def __init__(self, table: Mapping[str, object]) -> None:
        self.enabled = frozenset(name for name in DETECTORS if table.get(name, True))
        self.ai_identities = _texts(table, "ai-identities")
        self.extra_trailers = (
            _texts(table, "extra-trailers") if "extra-trailers" in table else list(DEFAULT_EXTRA)
        )
