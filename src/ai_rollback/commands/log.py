"""``ai-rollback log [RANGE]``: who wrote what, AI or human, per model and per release."""

from __future__ import annotations

import sys

from ai_rollback import classify, history, tagging
from ai_rollback.commands.tag import open_tagger
from ai_rollback.errors import OK, UsageError
from ai_rollback.git.notes import ai_notes
from ai_rollback.git.run import check_rev_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO


def log(
    range_text: str | None = None,
    fmt: str = "table",
    by_release: bool = False,
    with_lines: bool = False,
    out: IO[str] | None = None,
) -> int:
    """Stream the report of RANGE (default HEAD) to ``out`` in ``fmt`` (table, json, markdown)."""
    tagger = open_tagger()
    git = tagger.git
    text = range_text or "HEAD"
    check_rev_arg(text, "range")
    code, stdout, _ = git.run_full(
        "rev-parse", "--revs-only", "--end-of-options", *text.split(), "--", check=False
    )
    revs = stdout.decode().split()
    if code != 0 or not revs:
        raise UsageError(
            f"unknown revision or range {text!r}", hint="check the names with `git log --oneline -5`"
        )
    positives = [r for r in revs if not r.startswith("^")]
    negatives = [r[1:] for r in revs if r.startswith("^")]
    releases: list[str] = []
    if by_release:
        merged = [r for p in positives for r in tagger.releases(merged_into=p)]
        releases = sorted(set(merged), key=tagging.version_key)
    parts = history.segments(text.split(), positives, negatives, releases, by_release)
    reader = history.Reader(git, classify.detection_from(tagger.config, ai_notes(git)), tagger.settings)
    history.write_report(reader, parts, fmt, out or sys.stdout, range_text=text, with_lines=with_lines)
    return OK
