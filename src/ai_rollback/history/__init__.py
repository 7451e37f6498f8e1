"""``ai-rollback log``: who wrote what, AI or human, per model and per release.

* :mod:`~ai_rollback.history.read`: classified entries, counters, release segments.
* :mod:`~ai_rollback.history.report`: the streamed report (table, JSON, markdown).
* :mod:`~ai_rollback.history.text`: the summary for people.
"""

from __future__ import annotations

from ai_rollback.history.read import Entry, Reader, Segment, Totals, ai_facts, segments
from ai_rollback.history.report import write_report

__all__ = ["Entry", "Reader", "Segment", "Totals", "ai_facts", "segments", "write_report"]
