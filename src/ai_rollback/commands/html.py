"""``ai-rollback log [RANGE] --format html``: one self-contained page, by release.

The numbers are ``log --by release --lines``'s (the same reader and
counters); the release marks (AI tag, stable, rolled back, incident) are
``releases``'; the charts are drawn by :mod:`ai_rollback.charts`; the page is
``templates/report.html.j2``, rendered with every value escaped.  The page
stays small on any history: everything is aggregated, and the table of AI
commits holds at most ``TABLE_LIMIT`` rows, with a note saying how many more
there are.
"""

from __future__ import annotations

import os
import shlex
import time
from collections import Counter
from typing import TypeVar

from markupsafe import Markup

from ai_rollback import __version__, charts, history, kinds, render, tagging
from ai_rollback.commands.releases import read_releases
from ai_rollback.credentials import redact_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

    from ai_rollback.history import Entry, Reader

TABLE_LIMIT = 1000
V = TypeVar("V")
#: the longest subject, prompt or model a row shows (the full text is in ``--format json``),
#: the files it shows and how long each may be, and how much of its files its search finds:
#: with the table's cap, they bound the page whatever a history holds
TEXT_LIMIT = 240
MODEL_LIMIT = 80
FILES_SHOWN = 8
PATH_LIMIT = 160
SEARCH_LIMIT = 2000  # characters of a row's files its search finds


def _searched(sha: str, files: list[str]) -> str:
    """The whole sha and as many whole paths as fit in ``SEARCH_LIMIT`` characters."""
    words, room = [sha], SEARCH_LIMIT
    for path in files:
        room -= len(path) + 1
        if room < 0:
            break
        words.append(path)
    return " ".join(words)


def _redacted(value: V) -> V:
    """Every text in ``value`` (dicts, lists, tuples of them) redacted; the charts (``Markup``,
    built from texts redacted before) as they are.  Value by value, never over the page: a
    pass over the markup matched across it."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return redact_text(value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, (list, tuple)):
        return type(value)(_redacted(v) for v in value)
    return value


def _distinct(names: list[str]) -> list[str]:
    """``names`` made distinct (two models' names cut to the same text: ``name (2)``)."""
    seen: set[str] = set()
    out = []
    for name in names:
        shown, n = name, 1
        while shown in seen:
            n += 1
            shown = f"{name} ({n})"
        seen.add(shown)
        out.append(shown)
    return out


def _cut(text: str, limit: int) -> str:
    """``text`` redacted (a report is shared), at most ``limit`` characters, cut with an ellipsis."""
    text = redact_text(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(markup: str) -> Markup:
    """A chart, put into the page as it is: :mod:`ai_rollback.charts` escapes every text it draws."""
    return Markup(markup)  # noqa: S704 - built by charts.py, every text in it escaped there


TOP = 12
MODELS = 7  # the rest are "other"


def html_report(
    tagger: tagging.Tagger,
    reader: Reader,
    revisions: Sequence[str],
    positives: Sequence[str],
    negatives: Sequence[str],
    out: IO[str],
    *,
    range_text: str,
    table_limit: int | None = None,
) -> None:
    out.write(render.render_html("report.html.j2", report_values(
        tagger, reader, revisions, positives, negatives, range_text=range_text, table_limit=table_limit
    )))  # fmt: skip


def report_values(
    tagger: tagging.Tagger,
    reader: Reader,
    revisions: Sequence[str],
    positives: Sequence[str],
    negatives: Sequence[str],
    *,
    range_text: str,
    table_limit: int | None = None,
) -> dict[str, object]:
    table_limit = TABLE_LIMIT if table_limit is None else table_limit
    merged = tagger.releases(merged_into=positives)
    parts = history.segments(revisions, positives, negatives, merged, True)  # newest first
    marks = {r.name: r for r in read_releases(tagger)}
    columns: list[tuple[str, history.Totals]] = []
    rows: list[tuple[str, Entry]] = []
    ai_total = 0
    overall = history.Totals()
    for part in parts:
        seg = history.Totals()
        label = part.release if merged else "the range"
        for entry in reader.entries(part.revisions, True):
            seg.add(entry)
            if entry.kind in (kinds.AI, kinds.MIXED):
                ai_total += 1
                if len(rows) < table_limit:
                    rows.append((str(label), entry))
        if seg.commits:  # a release of the range (as ``--by release`` has it): not those before it
            columns.append((str(label), seg))
        overall.merge(seg)
    columns.reverse()  # oldest first, left to right
    labels = [redact_text(name) for name, _ in columns]  # every text of the page is redacted
    has_ai = bool(overall.ai or overall.mixed)
    figures: dict[str, Markup] = {}
    if has_ai:  # a chart only where there is something to draw; else the page says why not
        if overall.ai:
            figures["commits"] = _svg(
                charts.share_bars(
                    "chart-commits",
                    "AI share of commits per release",
                    labels,
                    [t.share() for _, t in columns],
                )
            )
        if overall.lines:
            figures["lines"] = _svg(
                charts.share_bars(
                    "chart-lines",
                    "AI share of changed lines per release",
                    labels,
                    [t.ai_lines / t.lines if t.lines else None for _, t in columns],
                )
            )
        kept = [m for m, _ in overall.models.most_common(MODELS)]
        others = len(overall.models) > MODELS
        # the names drawn: distinct, "other models" too (a model may be called that)
        names = _distinct([*(_cut(m, MODEL_LIMIT) for m in kept), *(["other models"] if others else [])])
        stacks = []
        for _, t in columns:
            stack = {shown: t.models.get(m, 0) for m, shown in zip(kept, names, strict=False)}
            if others:
                stack[names[-1]] = sum(n for m, n in t.models.items() if m not in kept)
            stacks.append(stack)
        figures["models"] = _svg(
            charts.stacked_bars("chart-models", "AI commits per model and release", labels, stacks, names)
        )
        directories: Counter[str] = Counter()
        files: Counter[str] = Counter()
        for path, n in overall.files.items():
            files[redact_text(path)] += n
        for path, n in files.items():
            directories[os.path.dirname(path) or "(top level)"] += n
        if directories:
            figures["directories"] = _svg(
                charts.ranked_bars(
                    "chart-directories", "AI commits per directory", directories.most_common(TOP)
                )
            )
            figures["files"] = _svg(
                charts.ranked_bars("chart-files", "AI commits per file", files.most_common(TOP))
            )
    releases = []
    for name, t in reversed(columns):  # newest first
        mark = marks.get(name)
        releases.append(
            {
                "name": name,
                "anchor": "release-"
                + "".join(c if c.isalnum() or c in "-." else "-" for c in redact_text(name)),
                "commits": t.commits - t.merges,
                "ai": t.ai,
                "mixed": t.mixed,
                "share": t.share(),
                "lines": round(t.ai_lines / t.lines, 4) if t.lines else None,
                "ai_tag": mark.ai_tag if mark else None,
                "state": mark.state if mark else None,
                "rollbacks": [
                    {"record": r.ref, "returned_to": r.returned_to, "at": r.when, "incident": r.incident}
                    for r in (mark.rollbacks if mark else [])
                ],
            }
        )
    return _redacted(
        {
            "range_text": range_text,
            "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "version": __version__,
            "totals": overall,
            "line_share": round(overall.ai_lines / overall.lines, 4) if overall.lines else None,
            "has_ai": has_ai,
            "has_releases": bool(merged),
            "figures": figures,
            "releases": releases,
            "commits": [
                {
                    "sha": e.sha,
                    "short": e.sha[:10],
                    "release": release,
                    "kind": e.kind,
                    "model": _cut(", ".join(e.models) if e.models else e.model or "unknown", MODEL_LIMIT),
                    "subject": _cut(e.subject, TEXT_LIMIT),
                    "prompt": _cut(e.prompt or "", TEXT_LIMIT),
                    "files": [charts.middle(f, PATH_LIMIT) for f in (e.files or [])[:FILES_SHOWN]],
                    "more_files": max(0, len(e.files or []) - FILES_SHOWN),
                    # what the search box finds beyond the row's text: the whole sha, its files
                    "search": _searched(e.sha, e.files or []),
                }
                for release, e in rows
            ],
            "ai_total": ai_total,
            "table_limit": table_limit,
            # typed as shown, it runs: the range quoted as one word (under --ci, the event's revisions)
            "full_command": f"ai-rollback log {shlex.quote(' '.join(revisions))} --format json",
        }
    )
