"""Printing check results: text for people, JSON for tools.

JSON shape (stable)::

    {"ok": bool,
     "commits": [{"sha": str | null, "kind": "ai" | "human" | "exempt" | "mixed",
                  "subject": str,
                  "trailers": [{"key": str, "value": str}],
                  "violations": [{"rule": str, "message": str, "line": int | null}]}]}

Lines are 1-based: in the message file for a commit being made, in the
stored message for an existing commit.
"""

from __future__ import annotations

import os
import sys

from ai_rollback.credentials import redact_text
from ai_rollback.rules.base import Checked

__all__ = ["Checked", "checked_json", "emit", "printable", "render_json", "render_text", "use_color"]

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
            text = f"{where}: {_paint(x.rule, '1;31', color)}: {x.message}"
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


def printable(text: str) -> str:
    """Text safe to print: bytes that were not UTF-8 become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def emit(items: Sequence[Checked], fmt: str, stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(printable(render_json(items)))
    else:
        stream.write(printable(render_text(items, use_color(stream))))
    stream.flush()
