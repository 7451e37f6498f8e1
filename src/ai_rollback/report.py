"""Printing check results: text for people, JSON for tools.

JSON shape (stable)::

    {"ok": bool,
     "commits": [{"sha": str | null, "kind": "ai" | "human" | "exempt" | "mixed",
                  "subject": str,
                  "trailers": [{"key": str, "value": str}],
                  "violations": [{"rule": str, "level": "error" | "warning",
                                  "message": str, "line": int | null}]}]}

``--format github`` writes one workflow command per violation (``::error`` or
``::warning``, titled with the rule, naming the commit and the fix), and
:func:`render_summary` the markdown of ``$GITHUB_STEP_SUMMARY``.

Lines are 1-based: in the message file for a commit being made, in the
stored message for an existing commit.
"""

from __future__ import annotations

import os
import sys

from ai_rollback.credentials import redact_text
from ai_rollback.rules.base import Checked

__all__ = [
    "Checked",
    "checked_json",
    "emit",
    "printable",
    "render_github",
    "render_json",
    "render_summary",
    "render_text",
    "use_color",
]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO


def checked_json(item: Checked) -> dict[str, object]:
    """One judged message as JSON; text redacted before JSON escapes it."""
    v = item.verdict
    return {
        "sha": item.sha,
        "kind": v.kind,
        # redacted before JSON escapes them (an escaped quote hides a password="..." from the scan)
        "subject": redact_text(v.subject),
        "trailers": [{"key": t.key, "value": redact_text(t.value)} for t in v.trailers],
        "violations": [
            {
                "rule": x.rule,
                "level": x.level,
                "message": redact_text(x.message + (f"; fix: {x.fix}" if x.fix else "")),
                "line": None if x.line is None else item.line_of(x.line),
            }
            for x in v.violations
        ],
    }


def use_color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def render_text(items: Sequence[Checked], color: bool = False) -> str:
    """One line per violation: ``location:line: rule: message; fix: ...``."""
    out = []
    for item in items:
        for x in item.verdict.violations:
            line = None if x.line is None else item.line_of(x.line)
            where = item.location + (f":{line}" if line is not None else "")
            warn = "warning: " if x.level != "error" else ""
            text = f"{where}: {warn}{_paint(x.rule, '1;33' if warn else '1;31', color)}: {x.message}"
            if x.fix:
                text += f"; {_paint('fix', '1', color)}: {x.fix}"
            out.append(text)
    return redact_text("\n".join(out) + ("\n" if out else ""))


def render_json(items: Sequence[Checked]) -> str:
    import json

    return (
        json.dumps(
            {"ok": all(i.verdict.ok for i in items), "commits": [checked_json(i) for i in items]},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


def render_github(items: Sequence[Checked]) -> str:
    """GitHub workflow commands: an annotation per violation, naming the commit, the rule and the fix."""
    from ai_rollback.ci import annotation

    out = []
    for item in items:
        for x in item.verdict.violations:
            where = f"{(item.sha or item.location)[:12]} {item.verdict.subject!r}"
            line = None if x.line is None else item.line_of(x.line)
            at = f" (message line {line})" if line is not None else ""
            fix = f" Fix: {x.fix}" if x.fix else ""
            out.append(annotation(x.level, f"ai-rollback: {x.rule}", f"{where}{at}: {x.message}.{fix}"))
    return redact_text("\n".join(out) + ("\n" if out else ""))


#: rows of the step summary's table at most (a huge range says how many it left out)
SUMMARY_ROWS = 200


def _cell(text: str) -> str:
    """Text safe in a markdown table cell: no pipe, no HTML, no line break."""
    from ai_rollback.history.text import md_text

    return md_text(text)


def render_summary(items: Sequence[Checked], title: str, notes: Sequence[str] = ()) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the counts, each note, a row per commit."""
    bad = [i for i in items if not i.verdict.ok]
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item.verdict.kind] = kinds.get(item.verdict.kind, 0) + 1
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    md = [
        f"## ai-rollback: {_cell(title)}",
        "",
        f"{len(items)} commit{'s' if len(items) != 1 else ''} checked"
        + (f" ({counted})" if counted else "")
        + f": {'**' + str(len(bad)) + ' break the convention**' if bad else 'all follow the convention'}.",
    ]
    md += [f"> {_cell(note)}" for note in notes]
    if items:
        md += ["", "| commit | kind | subject | result |", "| --- | --- | --- | --- |"]
        for item in items[:SUMMARY_ROWS]:
            v = item.verdict
            result = "<br>".join(
                f"{'❌' if x.level == 'error' else '⚠️'} `{x.rule}`: {_cell(x.message)}"
                + (f" (fix: {_cell(x.fix)})" if x.fix else "")
                for x in v.violations
            )
            sha = (item.sha or item.location)[:12]
            md.append(f"| `{sha}` | {v.kind} | {_cell(v.subject)} | {result or '✅'} |")
        if len(items) > SUMMARY_ROWS:
            md.append(f"\n_{len(items) - SUMMARY_ROWS} more commits are not listed here._")
    return redact_text("\n".join(md) + "\n")


def printable(text: str) -> str:
    """Text safe to print: bytes that were not UTF-8 become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def emit(items: Sequence[Checked], fmt: str, stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(printable(render_json(items)))
    elif fmt == "github":
        stream.write(printable(render_github(items)))
    else:
        stream.write(printable(render_text(items, use_color(stream))))
    stream.flush()
