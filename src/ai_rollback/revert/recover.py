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
    STAGED,
    Record,
    changed_entries,
    drop_journal,
    finish_work_tree,
    head_ref,
    index_file,
    index_tree,
    read_journal,
    ref_value,
    restore_index,
    set_orig_head,
    write_journal,
)


def recover(repo: Repository) -> str | None:
    """Finish, or finish rolling back, an ai-revert that was interrupted; returns what was done."""
    record = read_journal(repo)
    if record is None:
        return None
    lock = index_file(repo) + ".lock"
    if os.path.exists(lock):
        # git was killed while writing: the files it may have left half-written are these, as
        # they are now; later, only a file still exactly so may be taken for one of ours
        record.suspects = _stats(repo, record)
        write_journal(repo, record)
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


def _stats(repo: Repository, record: Record) -> dict[str, list[int]]:
    pairs = [(record.old, record.new)] if record.phase != ROLLING_BACK else [(record.new, record.old)]
    out: dict[str, list[int]] = {}
    for a, b in pairs:
        for path, *_rest in changed_entries(repo.git, a, b):
            try:
                st = os.lstat(os.path.join(repo.root, path))
            except OSError:
                continue
            out[path] = [st.st_mtime_ns, st.st_size, st.st_ino]
    return out


def _moved_on(repo: Repository, record: Record, what: str, hint: str) -> str:
    drop_journal(repo)
    return f"an interrupted ai-revert of {record.branch} found {what}; it touched nothing. {hint}"


def _finish_commit(repo: Repository, record: Record) -> str:
    git = repo.git
    current = ref_value(git, record.ref)
    old, new = record.old[:10], record.new[:10]
    if current == record.old:
        tag = f"refs/tags/{record.tag}" if record.tag else None
        if tag and ref_value(git, tag + "^{commit}") == record.new:
            # the transaction that moved the branch made the tag: the branch was moved, and put
            # back since (git reset --keep, as the undo hint says); the tag names a revert no
            # branch has: ours, so it goes
            git.run_shielded("update-ref", "-d", tag)
            drop_journal(repo)
            return (
                f"an interrupted ai-revert had moved {record.branch}, and it has been put back since; "
                f"its incident tag {record.tag} was deleted"
            )
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
        finish_work_tree(repo, record.old, record.new, record.suspects)
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
    if index == record.index_before and record.phase == STAGED:
        return _moved_on(
            repo,
            record,
            "the staged revert undone since (git reset or git stash)",
            "The index and work tree are as you left them.",
        )
    if index == record.index_before:
        finish_work_tree(repo, record.old, record.new, record.suspects)
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
    current = ref_value(git, record.ref)
    head = head_ref(git)
    index = index_tree(repo)
    as_left = head == record.ref and index in (record.index_before, record.index_after)
    if current not in (record.old, record.new) or (current == record.new and not as_left):
        # the user moved on (committed, staged, switched, or checked the branch out elsewhere):
        # neither the branch nor the index nor the work tree is ours to move
        where = "at its revert commits" if current == record.new else f"at {current and current[:10]}"
        return _moved_on(
            repo,
            record,
            f"{record.branch} {where} and HEAD or the index changed since, while it was rolling back",
            f"To undo the revert by hand: git reset --keep {record.old[:10]} (on {record.branch})"
            if current == record.new
            else "",
        )
    if current == record.new:
        tag = f"delete refs/tags/{record.tag}\n" if record.tag else ""
        git.run_shielded(
            "update-ref",
            "-m",
            "ai-revert: roll back",
            "--stdin",
            input=f"update {record.ref} {record.old} {record.new}\n{tag}".encode(),
        )
    left: list[str] = []
    if head != record.ref:
        left.append("HEAD is on another branch now, so the index and work tree were left as they are")
    else:
        if index == record.index_after:
            finish_work_tree(repo, record.new, record.old, record.suspects)
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
