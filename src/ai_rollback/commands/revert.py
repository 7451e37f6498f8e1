"""``ai-revert [RANGE]`` / ``ai-rollback revert``: revert the AI commits of a range, all or nothing.

Chooses the range (RANGE, ``--tag``, or the newest AI tag's), runs the revert
(``ai_rollback.revert``), and prints its plan or outcome as text or JSON.
Confirmation is the caller's: ``confirm`` is asked with the plan before
anything changes (None: do not ask).
"""

from __future__ import annotations

import sys

from ai_rollback import revert, tagging
from ai_rollback.commands.common import open_project
from ai_rollback.console import echo
from ai_rollback.errors import CHECK_FAILED, OK, Interrupted, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from ai_rollback import plan


def run_revert(
    range_text: str | None,
    *,
    from_tag: str | None = None,
    dry_run: bool = False,
    fmt: str = "text",
    entangled: str | None = None,
    only: str = "ai",
    model: str | None = None,
    paths: tuple[str, ...] = (),
    squash: bool = False,
    no_commit: bool = False,
    incident: bool = False,
    confirm: Callable[[plan.Plan], bool] | None = None,
) -> int:
    if squash and no_commit:
        raise UsageError("--squash and --no-commit do not go together (--no-commit is always one change)")
    if no_commit and incident:
        raise UsageError("--incident tags a commit; with --no-commit there is none yet")
    project = open_project()
    if range_text is not None and from_tag is not None:
        raise UsageError("give a RANGE or --tag, not both")
    if range_text is None:
        range_text = default_range(tagging.Tagger(project.repo, project.config, project.settings), from_tag)
    policy = entangled or project.config.revert.entangled
    options = revert.Options(
        range=range_text,
        only=only,
        model=model,
        paths=paths,
        entangled=policy,
        dry_run=dry_run,
        squash=squash,
        no_commit=no_commit,
        incident=incident,
    )
    runner = revert.Runner(
        project.repo,
        project.config,
        project.settings,
        confirm=None if dry_run else confirm,
        progress=revert.progress_printer(),
        notice=lambda text: echo(f"ai-revert: {text}", err=True),
    )
    try:
        return _run_and_print(runner, options, fmt, dry_run, no_commit)
    except KeyboardInterrupt:
        done = runner.applier.done if runner.applier is not None else None
        if done is None:
            raise
        raise Interrupted(f"interrupted after the revert was done: {done}") from None


def _run_and_print(
    runner: revert.Runner, options: revert.Options, fmt: str, dry_run: bool, no_commit: bool
) -> int:
    try:
        outcome = runner.run(options)
    except revert.Entanglement:
        if fmt == "json":
            revert.write_plan_json(runner.last_plan, sys.stdout)
        else:
            echo(revert.plan_text(runner.last_plan), err=True, nl=False)
        raise
    if fmt == "json":
        extra: dict[str, object] = {}
        if not dry_run:
            extra["result"] = {
                "branch": outcome.branch.removeprefix("refs/heads/"),
                "old": outcome.old,
                "new": outcome.new or None,
                "created": outcome.created,
                "incident_tag": outcome.incident_tag,
                "staged": bool(no_commit and outcome.plan.to_revert),
            }
        revert.write_plan_json(outcome.plan, sys.stdout, extra)
    elif dry_run:
        echo(revert.plan_text(outcome.plan), nl=False)
    else:
        echo(revert.summary(outcome, no_commit), nl=False)
    if dry_run and outcome.plan.refused:
        return CHECK_FAILED
    return OK


def default_range(tagger: tagging.Tagger, from_tag: str | None) -> str:
    """--tag TAG: the range TAG records; no RANGE: the newest AI tag's range, through HEAD."""
    if from_tag is not None:
        ai_tag = tagger.ai_tag_for(from_tag)
        recorded = tagger.recorded_range(ai_tag)
        if ai_tag == from_tag:
            echo(f"ai-revert: using {recorded}, the range {from_tag} records", err=True)
        else:
            echo(
                f"ai-revert: {from_tag} is a release; using {recorded}, "
                f"the range its AI tag {ai_tag} records",
                err=True,
            )
        return recorded
    newest = tagger.newest_ai_tag()
    if newest is None:
        raise UsageError(
            "no RANGE given and no AI tag to take one from",
            hint="name the range, e.g. ai-revert v2.1.0..HEAD",
        )
    recorded = tagger.recorded_range(newest)
    chosen = recorded.split("..", 1)[0] + "..HEAD"
    echo(f"ai-revert: no range given; using {chosen} (from {newest}, which records {recorded})", err=True)
    return chosen


def refuse_without_terminal(the_plan: plan.Plan) -> bool:
    raise UsageError(
        "ai-revert changes history and there is no terminal to confirm on",
        hint="review it with --dry-run, then run it again with --yes",
    )
