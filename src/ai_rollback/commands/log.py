"""``ai-rollback log [RANGE]``: who wrote what, AI or human, per model and per release."""

from __future__ import annotations

import os
import sys

from ai_rollback import classify, history
from ai_rollback.commands.tag import open_tagger
from ai_rollback.errors import OK, UsageError
from ai_rollback.git.notes import ai_notes
from ai_rollback.git.run import check_range_words
from ai_rollback.guard import terminate_as_interrupt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO

    from ai_rollback.git.run import Git


def _commits_only(git: Git, revs: list[str], text: str) -> None:
    """Every revision of the range is a commit (or a tag of one): a blob or a tree is a usage
    error, said the same way by every format (git would report on it nothing, or fail later)."""
    names = [r[1:] if r.startswith("^") else r for r in revs]
    asked = "".join(f"{n}\n{n}^{{commit}}\n{n}^{{}}\n" for n in names).encode()
    answers = git.run("cat-file", "--batch-check=%(objecttype)", input=asked).decode().split("\n")
    for n, name in enumerate(names):
        kind, peeled, inner = answers[3 * n : 3 * n + 3]
        if peeled != "commit":
            what = f"a tag of a {inner}" if kind == "tag" else f"a {kind}"
            raise UsageError(
                f"{text!r} names {what} ({name[:12]}), not a commit",
                hint="a range names commits: branches, tags of commits or commit ids, as "
                "`git log --oneline -5` shows",
            )


def log(
    range_text: str | None = None,
    fmt: str = "table",
    by_release: bool = False,
    with_lines: bool = False,
    out: IO[str] | None = None,
    ci: bool = False,
    env: Mapping[str, str] | None = None,
) -> int:
    """Stream the report of RANGE (default HEAD) to ``out`` in ``fmt`` (table, json, markdown, github,
    html, agent-trace).

    ``ci``: the commits of the CI run instead (see ``ai_rollback.ci``); ``github``: the markdown
    report goes into ``$GITHUB_STEP_SUMMARY`` (or ``out`` without one) and a notice says the counts.
    """
    tagger = open_tagger()
    git = tagger.git
    env = os.environ if env is None else env
    text = range_text or "HEAD"
    shown = text
    if ci:
        from ai_rollback import ci as ci_event

        found = ci_event.event_range(env, ci_event.read_event(env))
        text = " ".join(ci_event.revisions(git, found))
        shown = f"{found.what} ({found.text})"
    check_range_words(text)
    terminate_as_interrupt()
    code, stdout, _ = git.run_full(
        "rev-parse", "--revs-only", "--end-of-options", *text.split(), "--", check=False
    )
    revs = stdout.decode().split()
    if code != 0 or not revs:
        if (
            range_text is None
            and not ci
            and git.run_full("rev-parse", "-q", "--verify", "HEAD", check=False)[0]
        ):
            raise UsageError("the current branch has no commits yet: there is nothing to report")
        raise UsageError(
            f"unknown revision or range {text!r}", hint="check the names with `git log --oneline -5`"
        )
    _commits_only(git, revs, text)
    positives = [r for r in revs if not r.startswith("^")]
    negatives = [r[1:] for r in revs if r.startswith("^")]
    releases: list[str] = []
    if by_release:
        releases = tagger.releases(merged_into=positives)
    parts = history.segments(text.split(), positives, negatives, releases, by_release)
    reader = history.Reader(git, classify.detection_from(tagger.config, ai_notes(git)), tagger.settings)
    from ai_rollback.history.text import Printable

    stream: IO[str] = Printable(out or sys.stdout, controls=fmt not in ("json", "agent-trace"))  # type: ignore[assignment]
    if fmt == "agent-trace":
        from ai_rollback.commands.export import agent_trace

        agent_trace(reader, text.split(), stream)
        return OK
    if fmt == "html":
        from ai_rollback.commands.html import html_report

        html_report(tagger, reader, text.split(), positives, negatives, stream, range_text=shown)
        return OK
    if fmt != "github":
        history.write_report(reader, parts, fmt, stream, range_text=shown, with_lines=with_lines)
        return OK
    import io

    from ai_rollback.ci import annotation
    from ai_rollback.history.text import counts

    buffer = io.StringIO()
    totals = history.write_report(reader, parts, "markdown", buffer, range_text=shown, with_lines=with_lines)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            Printable(f, controls=True).write(buffer.getvalue())
    else:
        stream.write(buffer.getvalue())
    stream.write(annotation("notice", "ai-rollback: AI share", f"{shown}: {counts(totals)}") + "\n")
    if totals.mixed:
        stream.write(
            annotation(
                "warning",
                "ai-rollback: mixed commits",
                f"{shown}: {totals.mixed} squash commits mix AI and human work; "
                "ai-revert can only revert them whole",
            )
            + "\n"
        )
    return OK
