"""``ai-rollback watch``: watch a release's health; roll it back when a breach holds.

One module per stage:

* ``machine``: the pure core: :func:`parse_duration`, :func:`next_poll`, and
  :class:`Watchdog`, the state machine that turns samples (plain numbers, or
  "could not read") into verdicts.  Its docstring states the rules.
* ``sources``: reading samples (the Prometheus HTTP API, or a command that
  prints JSON), and the capped process and HTTP helpers.
* ``actions``: the rollback (a rollback command, ai-revert) and the alerts
  (a webhook, an alert command).
* ``loop``: :func:`run` ties them together on a clock and reports each poll.

The click layer (``ai_rollback.commands.watch``) only parses and merges the
configuration.
"""

from __future__ import annotations

from ai_rollback.watch.actions import Outcome, Plan, alert_for, run_rollback, send_alerts
from ai_rollback.watch.loop import Options, Source, run
from ai_rollback.watch.machine import (
    BLIND,
    BREACHING,
    CONFIRMED,
    HEALTHY,
    METRICS,
    UNREADABLE,
    Breach,
    Verdict,
    Watchdog,
    format_duration,
    next_poll,
    parse_duration,
    planned_polls,
)
from ai_rollback.watch.sources import (
    OUTPUT_LIMIT,
    CommandSource,
    PrometheusSource,
    RunError,
    SourceError,
    capped_run,
    checked_url,
    prometheus_value,
    redact_url,
    split_command,
)

__all__ = [
    "BLIND",
    "BREACHING",
    "CONFIRMED",
    "HEALTHY",
    "METRICS",
    "OUTPUT_LIMIT",
    "UNREADABLE",
    "Breach",
    "CommandSource",
    "Options",
    "Outcome",
    "Plan",
    "PrometheusSource",
    "RunError",
    "Source",
    "SourceError",
    "Verdict",
    "Watchdog",
    "alert_for",
    "capped_run",
    "checked_url",
    "format_duration",
    "next_poll",
    "parse_duration",
    "planned_polls",
    "prometheus_value",
    "redact_url",
    "run",
    "run_rollback",
    "send_alerts",
    "split_command",
]
