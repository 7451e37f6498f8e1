"""``ai-rollback tag VERSION``: the release tag and, with AI commits, its AI tag."""

from __future__ import annotations

from ai_rollback import render, tagging
from ai_rollback.commands.common import open_project
from ai_rollback.console import echo
from ai_rollback.errors import OK


def open_tagger() -> tagging.Tagger:
    project = open_project()
    return tagging.Tagger(project.repo, project.config, project.settings)


def ai_tag_message(the_plan: tagging.TagPlan) -> str:
    return render.render_file("ai-tag.j2", tagging.message_values(the_plan))


def tag(
    version: str,
    rev: str | None = None,
    slug: str | None = None,
    base: str | None = None,
    dry_run: bool = False,
) -> int:
    """Create (or, with ``dry_run``, describe) the release tag and its AI tag; idempotent."""
    tagger = open_tagger()
    the_plan = tagger.plan(version, rev, slug, base)
    message = ai_tag_message(the_plan) if the_plan.ai_tag else None
    count = len(the_plan.ai_commits)
    if dry_run:
        echo(
            f"{'exists' if the_plan.release_exists else 'would create'}: {version} -> {the_plan.commit[:10]}"
        )
        if the_plan.ai_tag_exists:
            echo(f"exists: {the_plan.ai_tag_exists} (AI tag)")
        elif the_plan.ai_tag:
            echo(
                f"would create: {the_plan.ai_tag} ({count} AI commit{'s' if count != 1 else ''} in "
                f"{the_plan.range})\n\n{message}"
            )
        else:
            echo(f"no AI tag: {the_plan.range} has no AI commits")
        return OK
    created = tagger.create(the_plan, message)
    for name in created:
        echo(f"created: {name}")
    if the_plan.ai_tag_exists:
        echo(f"exists: {the_plan.ai_tag_exists}")
    if not the_plan.ai_tag:
        echo(f"no AI tag: {the_plan.range} has no AI commits")
    if not created:
        echo("nothing to do: already tagged")
    elif the_plan.ai_tag in created:
        echo(f"push both: git push origin {version} {the_plan.ai_tag}")
    return OK
