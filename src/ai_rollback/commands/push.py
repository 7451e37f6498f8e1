"""``ai-rollback pre-push`` and ``pre-receive``: check every commit a push sends or brings.

pre-push also warns (or blocks, by config) when a release tag with AI commits
goes out without its AI tag.
"""

from __future__ import annotations

import os
import sys

from ai_rollback import checks, hook, report, tagging
from ai_rollback.console import echo
from ai_rollback.errors import CHECK_FAILED, OK
from ai_rollback.git.repo import open_repository_fast
from ai_rollback.git.run import Git

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def pre_push(remote: str | None, url: str | None, env: Mapping[str, str] | None = None) -> int:
    """The pre-push hook: refs on standard input (plain git), or pre-commit's PRE_COMMIT_* variables."""
    env = os.environ if env is None else env
    ctx = hook.load_context()
    git = Git(os.getcwd())
    skip = checks.enforced_exclusions(git, ctx.config)
    revisions = checks.pre_commit_push_revisions(git, env, skip)
    if revisions is None:
        updates = checks.parse_ref_lines(checks.stdin_text(), 4)
        revisions = checks.push_revisions(git, updates, remote, skip)
    else:
        local = env.get("PRE_COMMIT_LOCAL_BRANCH", "")
        updates = [[local, env.get("PRE_COMMIT_TO_REF", ""), env.get("PRE_COMMIT_REMOTE_BRANCH", local), ""]]
    results = checks.check_commits(git, revisions, ctx.config, ctx.settings)
    code = _report(results, "being pushed")
    return max(code, release_tags_pushed(ctx, updates, remote or "origin"))


def pre_receive() -> int:
    """The server-side hook: every commit the pushed refs bring that the repository lacks."""
    ctx = hook.load_context()
    git = checks.server_git()
    updates = checks.parse_ref_lines(checks.stdin_text(), 3)
    skip = checks.enforced_exclusions(git, ctx.config)
    results = checks.check_commits(
        git, checks.receive_revisions(git, updates, skip), ctx.config, ctx.settings
    )
    return _report(results, "pushed")


def _report(results: Sequence[report.Checked], where: str) -> int:
    bad = [r for r in results if not r.verdict.ok]
    if not bad:
        return OK
    report.emit(bad, "text", sys.stderr)
    echo(
        f"ai-rollback: {len(bad)} of the {len(results)} commits {where} break the convention.\n"
        "  Fix them with `git rebase -i <base>` (reword) or `git commit --amend` for the last one, "
        "then push again.",
        err=True,
    )
    return CHECK_FAILED


def release_tags_pushed(ctx: hook.Context, updates: Sequence[Sequence[str]], remote: str) -> int:
    """Warn (or block) when a release tag with AI commits goes out without its AI tag."""
    mode = ctx.config.tag.push_check
    tags = [
        u[2].removeprefix("refs/tags/")
        for u in updates
        if len(u) == 4 and u[2].startswith("refs/tags/") and u[1] and not checks.is_zero(u[1])
    ]
    if mode == "off" or not tags:
        return OK
    tagger = tagging.Tagger(open_repository_fast(), ctx.config, ctx.settings)
    pushed = set(tags)
    problems = []
    for name in tags:
        if not tagger.is_release(name) or tagger.previous_release(name) is None:
            continue
        the_plan = tagger.plan(name, name, None)
        if not the_plan.ai_commits:
            continue
        if not the_plan.ai_tag_exists:
            problems.append(
                f"{name} carries {len(the_plan.ai_commits)} AI commits but has no AI tag: "
                f"run `ai-rollback tag {name}` and push it too"
            )
        elif the_plan.ai_tag_exists not in pushed:
            problems.append(
                f"{name} goes out without its AI tag {the_plan.ai_tag_exists}: "
                f"git push {remote} {the_plan.ai_tag_exists}"
            )
    for problem in problems:
        echo(f"ai-rollback: {'error' if mode == 'block' else 'warning'}: {problem}", err=True)
    return CHECK_FAILED if problems and mode == "block" else OK
