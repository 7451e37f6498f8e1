"""Recovery: finish, or finish rolling back, an ai-revert that was interrupted.

Run first by the next ``ai-revert``.  It acts only where it finds the branch,
HEAD and the index exactly as the journal says the interrupted run left them;
where the user moved on since, it touches nothing, drops the journal and says
what it found (see ``journal.py`` for what the journal records).
"""

from __future__ import annotations

import os

from ai_rollback.git.repo import Repository
from ai_rollback.revert.errors import Refused
from ai_rollback.revert.journal import (
    ROLLING_BACK,
    Record,
    drop_journal,
    finish_work_tree,
    head_ref,
    index_file,
    index_tree,
    read_journal,
    ref_value,
    restore_index,
    set_orig_head,
)


def recover(repo: Repository) -> str | None:
    """Finish, or finish rolling back, an ai-revert that was interrupted; returns what was done."""
    record = read_journal(repo)
    if record is None:
        return None
    lock = index_file(repo) + ".lock"
    if os.path.exists(lock):
        raise Refused(
            f"an interrupted ai-revert (process {record.pid}) was killed while git wrote the index, "
            f"and left {lock} behind; nothing was changed",
            hint=f"if no git command is running in this repository now, remove it (rm {lock}), "
            "then run ai-revert again: it finishes the interrupted one",
        )
    if record.phase == ROLLING_BACK:
        return _finish_roll_back(repo, record)
    if record.mode == "no-commit":
        return _finish_staging(repo, record)
    return _finish_commit(repo, record)


def _moved_on(repo: Repository, record: Record, what: str, hint: str) -> str:
    drop_journal(repo)
    return f"an interrupted ai-revert of {record.branch} found {what}; it touched nothing. {hint}"


def _finish_commit(repo: Repository, record: Record) -> str:
    git = repo.git
    current = ref_value(git, record.ref)
    old, new = record.old[:10], record.new[:10]
    if current == record.old:
        drop_journal(repo)
        return f"rolled back an interrupted ai-revert: {record.branch} had not moved, nothing had changed"
    if current != record.new:
        drop_journal(repo)
        return (
            f"dropped the journal of an interrupted ai-revert: {record.branch} "
            f"has moved on since ({old} -> {current and current[:10]}); nothing changed"
        )
    undo = f"Its revert commits stand on {record.branch}; undo them with: git branch -f {record.branch} {old}"
    head = head_ref(git)
    if head != record.ref:
        where = head.removeprefix("refs/heads/") if head else "a detached HEAD"
        return _moved_on(
            repo,
            record,
            f"{record.branch} at {new} but HEAD on {where} since; the index and work tree are yours",
            undo,
        )
    index = index_tree(repo)
    if index == record.index_before:
        finish_work_tree(repo, record.old, record.new)
    elif index != record.index_after:
        return _moved_on(
            repo,
            record,
            f"{record.branch} at {new} but the index changed since",
            f"To finish it: git checkout {new} -- <the files it changed>; to undo it: git reset --soft {old}",
        )
    set_orig_head(git, record.old)
    drop_journal(repo)
    extra = f" and tag {record.tag}" if record.tag else ""
    return (
        f"finished an interrupted ai-revert: {record.branch} is at {new}{extra}; "
        f"undo with: git reset --keep {old}"
    )


def _finish_staging(repo: Repository, record: Record) -> str:
    git = repo.git
    head = head_ref(git)
    if head != record.ref or ref_value(git, record.ref) != record.old:
        return _moved_on(
            repo,
            record,
            "that HEAD or its branch moved since (it stages on an unmoved branch)",
            "The index and work tree are as you left them.",
        )
    index = index_tree(repo)
    if index == record.index_before:
        finish_work_tree(repo, record.old, record.new)
        done = "finished an interrupted `ai-revert --no-commit`: its changes are now staged"
    elif index == record.index_after:
        done = "an interrupted `ai-revert --no-commit` had finished; its changes are staged"
    else:
        return _moved_on(
            repo, record, "the index changed since", "Nothing of it is staged unless you staged it."
        )
    merge_msg = os.path.join(repo.git_dir, "MERGE_MSG")
    if record.message and not os.path.exists(merge_msg):
        with open(merge_msg, "w", encoding="utf-8") as f:
            f.write(record.message)
    drop_journal(repo)
    return done


def _finish_roll_back(repo: Repository, record: Record) -> str:
    git = repo.git
    left: list[str] = []
    current = ref_value(git, record.ref)
    if current == record.new:
        tag = f"delete refs/tags/{record.tag}\n" if record.tag else ""
        git.run_shielded(
            "update-ref",
            "-m",
            "ai-revert: roll back",
            "--stdin",
            input=f"update {record.ref} {record.old} {record.new}\n{tag}".encode(),
        )
    elif current != record.old:
        left.append(f"{record.branch} moved on since (it is at {current and current[:10]})")
    head = head_ref(git)
    if head != record.ref:
        left.append("HEAD is on another branch now, so the index and work tree were left as they are")
    else:
        index = index_tree(repo)
        if index == record.index_after:
            finish_work_tree(repo, record.new, record.old)
            index = index_tree(repo)
        if index == record.index_before:
            restore_index(repo, refresh=True)
        else:
            left.append("the index changed since, so it and the work tree were left as they are")
    if ref_value(git, "ORIG_HEAD") == record.old != record.orig_head:  # ours: put the user's back
        set_orig_head(git, record.orig_head)
    drop_journal(repo)
    if left:
        return "finished rolling back an interrupted ai-revert as far as it could: " + "; ".join(left)
    return "finished rolling back an interrupted ai-revert: everything is as it was before it"
