"""The configuration's schema: every key, its default, its validator and its documentation.

Loaded to validate a configuration file (and for ``ai-rollback config``); the
commit-msg hook reads a cached result through ``model.py`` and needs none of it.
"""

from __future__ import annotations

from ai_rollback.config.model import (
    DEFAULT_EXTRA,
    FILES_MATCH_MODES,
    WATCH_METRICS,
    WATCH_QUERIES,
    section,
)
from ai_rollback.errors import ConfigError
from ai_rollback.kinds import DETECTORS, POLICIES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


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


HEX_DIGITS = frozenset("0123456789abcdef")


def _commit_id(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or len(value) not in (40, 64) or not set(value) <= HEX_DIGITS:
        raise _fail(
            where,
            key,
            value,
            "must be a full commit id (40 or 64 lowercase hex digits)",
            "the id `git rev-parse HEAD` prints, as `ai-rollback init` writes it",
        )
    return value


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

    __slots__ = ("default", "doc", "example", "validate")

    def __init__(
        self,
        default: object,
        validate: Callable[[str, str, object], object],
        doc: str,
        example: object = None,
    ) -> None:
        self.default = default
        self.validate = validate
        self.doc = doc
        self.example = example  # shown (commented) where the default is None


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
        "path/to/template.j2",
    ),
    "ai-coauthor": Option(
        "warn",
        _choice("allow", "warn", "reject"),
        "An AI identity in Co-authored-by (it fails contributor-licence checks such as EasyCLA): "
        "allow, warn, or reject. check --fix rewrites it into 'Assisted-by: AGENT:MODEL'. An AI in "
        "Signed-off-by is always an error: only a person can sign off.",
    ),
    "squash": Option(
        "refuse",
        _choice("refuse", "allow-mixed"),
        "A squash of AI and human commits (squash-message, the commit-msg hook): refuse it, or "
        "allow-mixed: let it through, read back as mixed (ai-revert's --entangled policy decides).",
    ),
    "agent-capture": Option(
        "optional",
        _choice("optional", "required"),
        "An agent's -m commit: Files from what its hooks said it wrote (ai-rollback init --agent), "
        "else from the staged paths (optional, said to be a guess); required: never from a guess.",
    ),
    "enforce-from": Option(
        None,
        _commit_id,
        "Where enforcement starts (adopting midway): pre-push, pre-receive and check --range judge "
        "only commits that are not this commit or its ancestors; log and ai-revert still classify "
        "every commit. `ai-rollback init` writes the commit HEAD was at.",
        "0123456789abcdef0123456789abcdef01234567",
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


def _command_line(where: str, key: str, value: object) -> object:
    import shlex

    try:
        words = shlex.split(value) if isinstance(value, str) else []
    except ValueError:
        words = []
    if not words:
        raise _fail(
            where, key, value, "must be a command line (split as a POSIX shell would, never run by one)"
        )
    return value


def _duration(where: str, key: str, value: object) -> object:
    from ai_rollback.errors import UsageError
    from ai_rollback.watch.machine import parse_duration

    try:
        parse_duration(str(value)) if isinstance(value, str) else parse_duration("")
    except UsageError:
        raise _fail(where, key, value, "must be a duration such as 30s, 10m or 1h") from None
    return value


def _repo_path(where: str, key: str, value: object) -> object:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise _fail(where, key, value, "must be a path (from the repository root, or absolute)")
    return value


#: Sub-tables: name -> options.
TABLES: dict[str, dict[str, Option]] = {
    "flags": {
        "file": Option(
            None,
            _repo_path,
            "ai-rollback flags: the flagd flag file (JSON) to switch flags in, from the repository root.",
            "deploy/flags.json",
        ),
        "command": Option(
            None,
            _command_line,
            "ai-rollback flags: instead of a file, the command that switches one flag of a flag service; "
            "placeholders {flag}, {state} (on/off), {tag}, {ai_tag}.",
            "flagctl set {flag} {state}",
        ),
        "timeout": Option("30s", _duration, "ai-rollback flags: how long the command may run, per flag."),
    },
    "deploy": {
        "rollback-command": Option(
            None,
            _command_line,
            "ai-rollback rollback: the command that returns production to a release; "
            "placeholders {tag}, {previous_tag}, {ai_tag}, {incident_tag} (also AI_ROLLBACK_TAG, ...).",
            "./deploy/rollback.sh --to {previous_tag}",
        ),
        "timeout": Option("10m", _duration, "ai-rollback rollback: how long the rollback command may run."),
        "alert-command": Option(
            None,
            _command_line,
            "ai-rollback rollback: run with the JSON alert on standard input.",
            "./deploy/page-oncall.sh",
        ),
    },
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
