"""The report's summary for people: a table's closing lines, and markdown for release notes."""

from __future__ import annotations

from ai_rollback.console import plural
from ai_rollback.history.read import Entry, Totals

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

#: What the counts mean, the same in every format (and said in each).
DEFINITION = (
    "commits counts every commit of the range, merges included; mixed: squashes of AI and human work;"
    " the AI share is of the non-merge commits"
)


#: control characters a terminal acts on (all of C0 but tab and newline, DEL, C1): shown as U+FFFD
_CONTROLS = dict.fromkeys([*range(9), *range(11, 32), *range(127, 160)], "\ufffd")


class Printable:
    """A text stream that passes on only what prints: UTF-8 (bytes that were not become U+FFFD),
    and, with ``controls``, no control character a terminal would act on (a carriage return
    that redraws a row, an escape sequence that retitles the window).  JSON escapes its own."""

    def __init__(self, out: IO[str], controls: bool) -> None:
        import re

        self.out = out
        self._find = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]").search if controls else None

    def write(self, text: str) -> int:
        if not text.isascii():
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if self._find is not None and self._find(text):
            text = text.translate(_CONTROLS)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


#: what commit text must not do in markdown: end a table cell, open HTML, a link or an image
_MD = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|", "[": "\\[", "]": "\\]", "`": "'"})


def md_text(text: str) -> str:
    """Commit text as markdown shows it, and nothing more (no HTML, link, image, cell break)."""
    return " ".join(text.translate(_MD).split())


def md_code(text: str) -> str:
    """Text for inside a code span: no backtick to end it, no pipe to end its table cell."""
    return text.replace("`", "'").replace("|", "\\|")


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def counts(t: Totals) -> str:
    """``27 commits (2 merges): 11 AI, 14 human; AI share 44.0% of 25 non-merge commits``."""
    return (
        f"{plural(t.commits, 'commit')} ({plural(t.merges, 'merge')}): {t.ai} AI, {t.human} human"
        + (f", {t.mixed} mixed" if t.mixed else "")
        + "; "
        f"AI share {_pct(t.share())} of {plural(t.commits - t.merges, 'non-merge commit')}"
    )


def summary_text(
    range_text: str,
    totals: Totals,
    per_release: list[tuple[str, Totals]],
    summary: dict[str, object],
    with_lines: bool,
) -> str:
    lines = ["", f"{range_text}: {counts(totals)}", f"({DEFINITION})"]
    if with_lines and totals.lines:
        lines.append(
            f"changed lines: {totals.lines}, by AI {totals.ai_lines} ({_pct(totals.ai_lines / totals.lines)})"
        )
    if totals.models:
        lines.append("models: " + ", ".join(f"{m} ({n})" for m, n in totals.models.most_common()))
    for name, t in per_release:
        lines.append(f"  {name}: {counts(t)}")
    top = summary.get("top_ai_files")
    if isinstance(top, list) and top:
        lines.append(
            "files most touched by AI: " + ", ".join(f"{f['path']} ({f['ai_commits']})" for f in top)
        )
    return "\n".join(lines) + "\n"


def markdown(
    range_text: str,
    totals: Totals,
    per_release: list[tuple[str, Totals]],
    summary: dict[str, object],
    ai_entries: list[Entry],
    with_lines: bool,
) -> str:
    md = [
        f"## AI contributions in `{range_text}`",
        "",
        f"_{DEFINITION[0].upper()}{DEFINITION[1:]}._",
        "",
        "| | commits | merges | AI | human | mixed | AI share |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    md += [
        f"| {name} | {t.commits} | {t.merges} | {t.ai} | {t.human} | {t.mixed} | {_pct(t.share())} |"
        for name, t in [("all", totals), *per_release]
    ]
    if with_lines and totals.lines:
        md += [
            "",
            f"Changed lines: {totals.lines}, by AI {totals.ai_lines} "
            f"({_pct(totals.ai_lines / totals.lines)}).",
        ]
    if totals.models:
        md += [
            "",
            "**Models:** " + ", ".join(f"{md_text(m)} ({n})" for m, n in totals.models.most_common()),
        ]
    top = summary.get("top_ai_files")
    if isinstance(top, list) and top:
        md += [
            "",
            "**Files most touched by AI:** "
            + ", ".join(f"`{md_code(str(f['path']))}` ({f['ai_commits']})" for f in top),
        ]
    if ai_entries:
        md += ["", "### AI commits", "", "| commit | model | subject | files |", "| --- | --- | --- | --- |"]
        for e in ai_entries:
            subject = md_text(e.subject)
            model = md_text(e.model or "unknown")
            md.append(f"| `{e.sha[:10]}` | {model} | {subject} | {len(e.files or [])} |")
    return "\n".join(md) + "\n"
