"""The report's summary for people: a table's closing lines, and markdown for release notes."""

from __future__ import annotations

from ai_rollback.history.read import Entry, Totals


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def summary_text(
    range_text: str,
    totals: Totals,
    per_release: list[tuple[str, Totals]],
    summary: dict[str, object],
    with_lines: bool,
) -> str:
    lines = [
        "",
        f"{range_text}: {totals.commits} commits, {totals.ai} AI ({_pct(totals.share())} of "
        f"{totals.commits - totals.merges} non-merge commits), {totals.human} human, {totals.merges} merges",
    ]
    if with_lines and totals.lines:
        lines.append(
            f"changed lines: {totals.lines}, by AI {totals.ai_lines} ({_pct(totals.ai_lines / totals.lines)})"
        )
    if totals.models:
        lines.append("models: " + ", ".join(f"{m} ({n})" for m, n in totals.models.most_common()))
    for name, t in per_release:
        lines.append(f"  {name}: {t.commits} commits, {t.ai} AI ({_pct(t.share())})")
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
        "| | commits | AI | AI share |",
        "| --- | ---: | ---: | ---: |",
        f"| all | {totals.commits - totals.merges} | {totals.ai} | {_pct(totals.share())} |",
    ]
    md += [f"| {name} | {t.commits - t.merges} | {t.ai} | {_pct(t.share())} |" for name, t in per_release]
    if with_lines and totals.lines:
        md += [
            "",
            f"Changed lines: {totals.lines}, by AI {totals.ai_lines} "
            f"({_pct(totals.ai_lines / totals.lines)}).",
        ]
    if totals.models:
        md += ["", "**Models:** " + ", ".join(f"{m} ({n})" for m, n in totals.models.most_common())]
    top = summary.get("top_ai_files")
    if isinstance(top, list) and top:
        md += [
            "",
            "**Files most touched by AI:** " + ", ".join(f"`{f['path']}` ({f['ai_commits']})" for f in top),
        ]
    if ai_entries:
        md += ["", "### AI commits", "", "| commit | model | subject | files |", "| --- | --- | --- | --- |"]
        for e in ai_entries:
            subject = e.subject.replace("|", "\\|")
            md.append(f"| `{e.sha[:10]}` | {e.model or 'unknown'} | {subject} | {len(e.files or [])} |")
    return "\n".join(md) + "\n"
