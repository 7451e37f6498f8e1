"""``ai-rollback check``: a message file (the commit-msg hook), ``--fix``, or a range (CI)."""

from __future__ import annotations

import os

from ai_rollback import checks, hook, kinds, parsed, report
from ai_rollback.commands.common import open_project
from ai_rollback.console import echo, plural
from ai_rollback.errors import CHECK_FAILED, OK, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def check(msg_file: str | None, fmt: str = "text", fix: bool = False) -> int:
    """Judge a message file (standard input for None or '-'); ``fix`` repairs its trailers first."""
    if fix:
        if msg_file is None or msg_file == "-":
            raise UsageError("--fix rewrites a file in place: name the message file")
        fix_file(msg_file)
    return hook.commit_msg(msg_file, fmt)


def fix_file(path: str) -> None:
    """Rewrite the trailers of the message file ``path`` into the form git parses, in place."""
    from ai_rollback.fix import fix_message

    raw = hook.read_message(path)
    ctx = hook.load_context()
    fixed = fix_message(raw, parsed.comment_of(raw, ctx.settings), ctx.settings.separators, ctx.config)
    if fixed != raw:
        hook.write_message(path, fixed)
        echo(f"ai-rollback: rewrote the trailers of {path}", err=True)


def check_range(
    range_text: str | None, fmt: str = "text", ci: bool = False, env: Mapping[str, str] | None = None
) -> int:
    """Judge the existing commits of a range (or, with ``ci``, of the CI run), as pre-push does."""
    env = os.environ if env is None else env
    project = open_project()
    git = project.repo.git
    title = range_text or ""
    if ci:
        from ai_rollback import ci as ci_event

        found = ci_event.event_range(env, ci_event.read_event(env))
        revisions = ci_event.revisions(git, found)
        title = f"{found.what} ({found.text})"
        if fmt == "text" and found.provider == "github":
            fmt = "github"
    else:
        revisions = [range_text or ""]
    results = list(checks.check_revisions(git, revisions, project.config, project.settings))
    notes = [mixing] if (mixing := squash_would_mix(results)) else []
    report.emit(results, fmt)
    bad = sum(1 for r in results if not r.verdict.ok)
    said = (
        f"ai-rollback: {len(results)} commit{'s' if len(results) != 1 else ''} checked, "
        f"{bad} break{'s' if bad == 1 else ''} the convention"
    )
    if fmt == "github":
        from ai_rollback.ci import annotation

        for note in notes:
            echo(annotation("notice", "ai-rollback: do not squash", note))
        summary = env.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a", encoding="utf-8") as f:
                f.write(report.printable(report.render_summary(results, title, notes)))
    if fmt in ("text", "github"):
        for note in notes if fmt == "text" else ():
            echo(f"ai-rollback: note: {note}", err=True)
        echo(said, err=True)
    return CHECK_FAILED if bad else OK


def squash_would_mix(results: Sequence[report.Checked]) -> str | None:
    """What to say when a range holds both AI and human commits (a squash would mix them)."""
    ai = sum(1 for r in results if r.verdict.kind == kinds.AI)
    human = sum(1 for r in results if r.verdict.kind == kinds.HUMAN)
    if not ai or not human:
        return None
    return (
        f"{plural(ai, 'AI commit')} and {plural(human, 'human commit')}: merge with a merge commit or "
        "rebase; a squash merge would put them into one mixed commit, which ai-revert can only revert whole"
    )
