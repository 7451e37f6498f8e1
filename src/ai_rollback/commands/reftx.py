"""``ai-rollback reference-transaction STATE``: a new release tag gets its AI tag.

git runs the hook after it committed the update, so this never fails it: it
ignores everything that is not a new release tag, never recurses on the tags
it creates itself, and reports (without failing) what it could not do.
"""

from __future__ import annotations

import os

from ai_rollback import checks, tagging
from ai_rollback.commands.tag import ai_tag_message, open_tagger
from ai_rollback.console import echo
from ai_rollback.errors import OK


def new_tags(stdin_text: str) -> list[str]:
    """Tag names the transaction created or moved (``old new ref`` lines; deletions skipped)."""
    updates = checks.parse_ref_lines(stdin_text, 3)
    return [
        ref.removeprefix("refs/tags/")
        for _old, new, ref in updates
        if ref.startswith("refs/tags/") and not checks.is_zero(new)
    ]


def reference_transaction(state: str) -> int:
    if state != "committed" or os.environ.get(tagging.TAGGING_ENV):
        return OK
    try:
        names = new_tags(checks.stdin_text())
        if not names:
            return OK
        tagger = open_tagger()
        for name in names:
            if not tagger.is_release(name) or tagger.ai_tags_of(name):
                continue
            if tagger.previous_release(name) is None:
                echo(
                    f"ai-rollback: {name} is the first release; for its AI tag run "
                    f"ai-rollback tag {name} --base <first commit>",
                    err=True,
                )
                continue
            the_plan = tagger.plan(name, name, None)
            if the_plan.ai_tag and not the_plan.ai_tag_exists:
                tagger.create(the_plan, ai_tag_message(the_plan))
                echo(
                    f"ai-rollback: tagged {the_plan.ai_tag} ({len(the_plan.ai_commits)} AI commits "
                    f"in {the_plan.range})",
                    err=True,
                )
    except Exception as exc:  # a hook that must never get in the way of the user's tag
        echo(f"ai-rollback: no AI tag created: {exc}", err=True)
    return OK
