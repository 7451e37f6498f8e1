"""The validated configuration as the code reads it: :class:`Config` and typed views of its tables.

On the commit-msg hook path (standard library only): a cached configuration
needs this module, not the schema (``schema.py``, every key's validator),
which is loaded only to validate a file that changed.
"""

from __future__ import annotations

from ai_rollback.kinds import DETECTORS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

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


DEFAULT_EXTRA = ("Co-authored-by-AI", "Made-with")
WATCH_METRICS = {"error-rate": 0.05, "response-time-ms": 2000, "memory-usage": 0.85}
#: Default PromQL per metric (the usual names of the Prometheus client libraries and node_exporter).
WATCH_QUERIES = {
    "error-rate": 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    "response-time-ms": "1000 * histogram_quantile(0.95, "
    "sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "memory-usage": "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
}


class Config:
    """The validated configuration of one repository."""

    __slots__ = ("cache_dir", "root", "source", "values")

    def __init__(
        self,
        values: dict[str, object],
        source: str | None,
        root: str | None,
        cache_dir: str | None = None,
    ) -> None:
        self.values = values
        self.source = source
        self.root = root
        #: where this repository keeps ai-rollback's caches (its git directory), if anywhere
        self.cache_dir = cache_dir

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
    def flags(self) -> FlagSettings:
        return FlagSettings(self.table("flags"))

    @property
    def deploy(self) -> DeploySettings:
        return DeploySettings(self.table("deploy"))

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
    def ai_coauthor(self) -> str:
        return str(self.values.get("ai-coauthor", "warn"))

    @property
    def squash(self) -> str:
        return str(self.values.get("squash", "refuse"))

    @property
    def agent_capture(self) -> str:
        return str(self.values.get("agent-capture", "optional"))

    @property
    def enforce_from(self) -> str | None:
        value = self.values.get("enforce-from")
        return str(value) if value else None

    @property
    def template(self) -> str | None:
        value = self.values["template"]
        return str(value) if value is not None else None


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


class FlagSettings:
    """``[tool.ai-rollback.flags]``, validated: where ``ai-rollback flags`` switches flags."""

    __slots__ = ("command", "file", "timeout")

    def __init__(self, table: Mapping[str, object]) -> None:
        file = table.get("file")
        self.file = file if isinstance(file, str) and file else None
        command = table.get("command")
        self.command = command if isinstance(command, str) and command else None
        self.timeout = _text(table, "timeout", "30s")


class DeploySettings:
    """``[tool.ai-rollback.deploy]``, validated: what ``ai-rollback rollback`` runs."""

    __slots__ = ("alert_command", "rollback_command", "timeout")

    def __init__(self, table: Mapping[str, object]) -> None:
        command = table.get("rollback-command")
        self.rollback_command = command if isinstance(command, str) and command else None
        alert = table.get("alert-command")
        self.alert_command = alert if isinstance(alert, str) and alert else None
        self.timeout = _text(table, "timeout", "10m")


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
