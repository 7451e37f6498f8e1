"""One ai-revert run: the stages tied together, in the order git-filter-repo uses.

recover a journal left behind -> sanity checks (``state``) -> gather
(``gather``) -> plan (``ai_rollback.plan``) -> confirm -> build (``build``)
-> check local changes (``state``) -> apply and record (``apply``,
``journal``).  The CLI renders the :class:`Outcome` (``output``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from ai_rollback import plan
from ai_rollback.config import Config
from ai_rollback.errors import CheckFailed
from ai_rollback.git.repo import Repository
from ai_rollback.git.run import EMPTY_TREE_SHA1, EMPTY_TREE_SHA256
from ai_rollback.gitconfig import GitSettings
from ai_rollback.revert import gather
from ai_rollback.revert.apply import Applier
from ai_rollback.revert.build import build, object_writer
from ai_rollback.revert.errors import Entanglement, Refused
from ai_rollback.revert.journal import scratch_index, tree_of
from ai_rollback.revert.lock import run_lock
from ai_rollback.revert.recover import recover
from ai_rollback.revert.state import check_idle, current_branch, local_overlap

CRASH_ENV = "AI_ROLLBACK_TEST_CRASH_AT"  # tests only: die (SIGKILL) at a named point


@dataclass
class Options:
    range: str
    only: str = "ai"
    model: str | None = None
    paths: tuple[str, ...] = ()
    entangled: str = "stop"
    dry_run: bool = False
    squash: bool = False
    no_commit: bool = False
    incident: bool = False


@dataclass
class Outcome:
    plan: plan.Plan
    old: str = ""
    new: str = ""
    branch: str = ""
    created: list[str] = field(default_factory=list)
    incident_tag: str | None = None
    recovered: str | None = None
    skipped_empty: list[str] = field(default_factory=list)


def _crash_point(name: str) -> None:
    """Tests only: ``AI_ROLLBACK_TEST_CRASH_AT=<point>`` kills us there (``:interrupt``: Ctrl-C)."""
    create = os.environ.get(CRASH_ENV.replace("CRASH", "CREATE"), "")  # POINT=PATH: a file appears
    if create.partition("=")[0] == name:
        with open(create.partition("=")[2], "w", encoding="utf-8") as f:
            f.write("appeared meanwhile\n")
    wanted = os.environ.get(CRASH_ENV)
    if wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
    elif wanted == f"{name}:interrupt" or os.environ.get(CRASH_ENV.replace("CRASH", "INTERRUPT")) == name:
        os.kill(os.getpid(), signal.SIGINT)


def _default_render(name: str, values: dict[str, object]) -> str:
    from ai_rollback import render

    return render.render_file(name, values)


class Runner:
    """One ai-revert invocation (the CLI renders its outcome)."""

    def __init__(
        self,
        repo: Repository,
        config: Config,
        settings: GitSettings,
        confirm: Callable[[plan.Plan], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
        render: Callable[[str, dict[str, object]], str] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.repo = repo
        self.git = repo.git
        self.config = config
        self.settings = settings
        self.confirm = confirm
        self.progress = progress
        self.render = render or _default_render
        self.notice = notice  # told at once what recovery did, before anything can fail

    last_plan: plan.Plan

    def plan(self, options: Options) -> tuple[plan.Plan, str, str]:
        check_idle(self.repo)  # first: a rebase in progress is that, not "HEAD is detached"
        ref, head = current_branch(self.repo)
        in_range, boundary = gather.resolve_range(self.git, options.range, head)
        gather.prefetch_patches(self.git, head, boundary)  # git diffs while we read the commits
        try:
            commits = gather.gather(self.git, set(in_range), head, boundary, self.config, self.settings)
            selected = gather.path_selection(self.git, options.range, options.paths)
            result = plan.make_plan(
                options.range,
                commits,
                gather.tracker_for(self.git, commits),
                only=options.only,
                model=options.model,
                path_selected=selected,
                policy=options.entangled,
            )
        finally:
            gather.close_prefetched(self.git)
        self.last_plan = result
        return result, ref, head

    applier: Applier | None = None

    def run(self, options: Options) -> Outcome:
        if options.dry_run:
            return self._run(options)
        with run_lock(self.repo):
            return self._run(options)

    def _run(self, options: Options) -> Outcome:
        recovered = None if options.dry_run else recover(self.repo)
        if recovered and self.notice is not None:
            self.notice(recovered)
        the_plan, ref, old = self.plan(options)
        outcome = Outcome(the_plan, old=old, branch=ref, recovered=recovered)
        if options.dry_run:
            return outcome
        if the_plan.refused:
            raise Entanglement(
                f"{len(the_plan.entangled)} commit{'s' if len(the_plan.entangled) != 1 else ''} cannot be "
                "reverted alone: later commits changed their lines (see the plan above); nothing was changed",
                hint="--entangled skip reverts only the free ones; --entangled include reverts the "
                "entangled commits too",
            )
        todo = the_plan.to_revert
        if not todo:
            return outcome
        if self.confirm is not None and not self.confirm(the_plan):
            raise CheckFailed("not confirmed; nothing was changed")
        writer = object_writer(self.repo)
        tip_tree = tree_of(self.git, old)
        empty_tree = EMPTY_TREE_SHA256 if len(old) == 64 else EMPTY_TREE_SHA1
        built = build(
            self.git,
            writer,
            tip_tree,
            todo,
            empty_tree,
            self.progress,
            every_step=not (options.squash or options.no_commit),
        )
        outcome.skipped_empty = [c.sha for c in built.empty]
        for c in built.empty:
            the_plan.decisions[c.sha] = plan.Decision(
                plan.SKIP, "its changes are already undone by later commits"
            )  # (an empty commit never gets here: the plan skips it)
        if not built.reverted:
            return outcome
        final_tree = built.trees[-1]
        with scratch_index(self.repo, "index.check") as env:
            # as `git status` does: a file only touched (same content, new time) is no local change
            self.git.run("update-index", "-q", "--refresh", check=False, env=env)
            overlap = local_overlap(self.git, old, final_tree, self.repo.root, env)
        if overlap:
            raise Refused(
                f"{', '.join(overlap[:8])}{' and more' if len(overlap) > 8 else ''} overlap what the "
                "revert changes (local changes, or untracked files, ignored ones too); nothing was changed",
                hint="commit or stash them first (git stash -u), then run ai-revert again",
            )
        applier = self.applier = Applier(self.repo, self.render, _crash_point)
        if options.no_commit:
            applier.stage(outcome.branch, outcome.old, built, final_tree, outcome.plan.range)
            return outcome
        pattern = self.config.revert.incident_tag
        applied = applier.commit(
            outcome.branch,
            outcome.old,
            built,
            writer,
            range_text=options.range,
            only=options.only,
            squash=options.squash,
            incident_pattern=pattern if options.incident else None,
        )
        _crash_point("after-apply")
        outcome.new, outcome.created = applied.new, applied.created
        outcome.incident_tag = applied.incident_tag
        return outcome
