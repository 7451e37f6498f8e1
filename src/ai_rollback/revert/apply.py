"""Applying built reverts, all or nothing: commits, one ref transaction, one work-tree update.

:meth:`Applier.commit` writes the revert commits (and the incident tag)
as objects, records the journal, moves the branch once in a ref transaction
that checks its old tip, updates index and work tree once, sets
``ORIG_HEAD`` and drops the journal.  Ctrl-C is held off meanwhile and, if
it came, or if the work tree cannot be updated, :meth:`Applier.roll_back`
puts branch, tag, index, file times and ``ORIG_HEAD`` back as they were.
:meth:`Applier.stage` (``--no-commit``) puts the combined revert in the
index and work tree with a prepared ``MERGE_MSG``.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ai_rollback.errors import GitError, UsageError
from ai_rollback.git.objects import ObjectWriter
from ai_rollback.git.repo import Repository
from ai_rollback.git.run import Git
from ai_rollback.revert.build import Built, object_writer
from ai_rollback.revert.errors import Refused
from ai_rollback.revert.journal import (
    ROLLING_BACK,
    STAGED,
    Record,
    drop_journal,
    finish_work_tree,
    index_tree,
    prepare,
    ref_value,
    restore_index,
    set_orig_head,
    sync_work_tree,
    write_journal,
)
from ai_rollback.revert.state import in_the_way


@dataclass
class Applied:
    """What :meth:`Applier.commit` made."""

    new: str  # the branch's new tip
    created: list[str] = field(default_factory=list)  # the revert commits, oldest first
    incident_tag: str | None = None


@contextmanager
def interrupts_deferred() -> Iterator[list[bool]]:
    """Hold Ctrl-C while the block runs; the list tells whether one came."""
    received = [False]

    def handler(signum: int, frame: object) -> None:
        received[0] = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def check_refname(git: Git, ref: str) -> None:
    code, _, _ = git.run_full("check-ref-format", ref, check=False)
    if code != 0:
        raise UsageError(
            f"{ref.removeprefix('refs/tags/')!r} is not a valid tag name",
            hint="fix [tool.ai-rollback.revert] incident-tag",
        )


def _work_tree_refused(exc: GitError) -> Refused:
    """The work tree could not take the revert (a file appeared in the way meanwhile): all put back."""
    import re

    paths = sorted(set(re.findall(r"'(.+?)'", exc.stderr or exc.message)))
    what = f"{', '.join(paths[:8])} appeared in the way" if paths else "the work tree could not be updated"
    return Refused(
        f"{what} while ai-revert worked; it was kept, and everything was put back: nothing was changed",
        hint="move it away (or commit it), then run ai-revert again",
    )


def _no_crash_point(name: str) -> None:
    """Where a test may kill the run (see ``runner._crash_point``); nothing by default."""


class Applier:
    """Moves ``branch`` from ``old`` to built reverts in one repository."""

    def __init__(
        self,
        repo: Repository,
        render: Callable[[str, dict[str, object]], str],
        crash_point: Callable[[str], None] = _no_crash_point,
    ) -> None:
        self.repo = repo
        self.git = repo.git
        self.render = render
        self.crash_point = crash_point
        self.applied: Applied | None = None  # set once the branch moved for good
        self.done: str | None = None  # what was done, once it stands

    def idents(self) -> tuple[str, str]:
        out = self.git.run("var", "-l").decode("utf-8", "surrogateescape")
        values = dict(
            line.split("=", 1) for line in out.splitlines() if line.startswith("GIT_") and "=" in line
        )
        author, committer = values.get("GIT_AUTHOR_IDENT"), values.get("GIT_COMMITTER_IDENT")
        if not author or not committer:
            raise GitError("git does not know who you are", hint='git config user.name "..." and user.email')
        return author, committer

    def messages(self, built: Built, range_text: str, only: str, squash: bool) -> list[str]:
        values = {"range": range_text, "only": only}
        if squash:
            items = [
                {"sha": c.sha, "subject": c.subject, "model": c.model, "kind": c.kind} for c in built.reverted
            ]
            return [self.render("revert-squash.j2", {**values, "commits": items})]
        return [
            self.render(
                "revert-commit.j2",
                {**values, "sha": c.sha, "subject": c.subject, "model": c.model, "kind": c.kind},
            )
            for c in built.reverted
        ]

    def commit(
        self,
        branch: str,
        old: str,
        built: Built,
        writer: ObjectWriter,
        *,
        range_text: str,
        only: str,
        squash: bool,
        incident_pattern: str | None,
    ) -> Applied:
        """One commit per revert (``squash``: one for all) on ``branch``, and the incident tag."""
        author, committer = self.idents()
        messages = self.messages(built, range_text, only, squash)
        trees = [built.trees[-1]] if squash else built.trees
        signing = (self.git.config_get("commit.gpgsign") or "").lower() in (
            "true",
            "yes",
            "on",
            "1",
        )
        encoding = self.git.config_get("i18n.commitEncoding")  # as git commit writes a message
        applied = Applied(old)
        tip = old
        for tree, text in zip(trees, messages, strict=True):
            if signing:  # git commit-tree adds the encoding header itself; it wants the bytes in it
                try:
                    data = text.encode(encoding or "utf-8")
                except (LookupError, UnicodeEncodeError):
                    data = text.encode("utf-8", "surrogateescape")
                tip = (
                    self.git.run("commit-tree", "-S", tree, "-p", tip, "-F", "-", input=data).decode().strip()
                )
            else:
                tip = writer.commit(tree, [tip], author, committer, text, encoding=encoding)
            applied.created.append(tip)
        applied.new = tip
        tag_line = ""
        if incident_pattern is not None:
            applied.incident_tag = self.incident_name(incident_pattern)
            tag_message = self.render(
                "incident-tag.j2",
                {
                    "range": range_text,
                    "old": old,
                    "new": tip,
                    "tag": applied.incident_tag,
                    "commits": [
                        {"sha": c.sha, "subject": c.subject, "model": c.model} for c in built.reverted
                    ],
                },
            )
            tag_object = writer.tag(tip, applied.incident_tag, committer, tag_message)
            tag_line = f"create refs/tags/{applied.incident_tag} {tag_object}\n"
        count = len(built.reverted)
        reflog = f"ai-revert: revert {count} commit{'s' if count != 1 else ''} of {range_text}"
        saved = self.save_state(old, tip)
        transaction = f"update {branch} {tip} {old}\n{tag_line}".encode()
        record = prepare(
            self.repo, branch, old, tip, "commit", tag=applied.incident_tag, range_text=range_text
        )
        with interrupts_deferred() as interrupted:
            write_journal(self.repo, record)
            self.crash_point("after-journal")
            code, _, err = self.git.run_shielded("update-ref", "-m", reflog, "--stdin", input=transaction)
            if code != 0:
                drop_journal(self.repo)
                raise Refused(
                    f"{branch.removeprefix('refs/heads/')} moved while ai-revert worked, or the tag "
                    f"could not be created; nothing was changed ({err.decode(errors='replace').strip()})",
                    hint="run ai-revert again",
                )
            self.crash_point("after-update-ref")
            late = in_the_way(self.git, old, tip, self.repo.root)  # appeared since the check
            if late:
                self.roll_back(record, saved)
                raise Refused(
                    f"{', '.join(late[:8])} appeared in the way while ai-revert worked; it was kept, and "
                    "everything was put back: nothing was changed",
                    hint="move it away (or commit it), then run ai-revert again",
                )
            try:
                sync_work_tree(self.git, old, tip)
            except GitError as exc:
                self.roll_back(record, saved)
                raise _work_tree_refused(exc) from None
            self.crash_point("after-work-tree")
            if interrupted[0]:
                self.roll_back(record, saved)
                raise KeyboardInterrupt
            self.git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", old)
            drop_journal(self.repo)
            # from here on, an interrupt no longer means "nothing changed"
            self.applied = applied
            name = branch.removeprefix("refs/heads/")
            self.done = f"{name} is at {tip[:10]}; undo with: git reset --keep {old[:10]}"
        return applied

    def save_state(self, old: str, new: str) -> dict[str, tuple[int, int]]:
        """The times of the files the revert rewrites (for a roll back)."""
        times: dict[str, tuple[int, int]] = {}
        for raw in self.git.run(
            "diff", "--name-only", "-z", "--no-renames", "--ignore-submodules=none", old, new, "--"
        ).split(b"\0"):
            if raw:
                path = os.path.join(self.repo.root, raw.decode("utf-8", "surrogateescape"))
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                times[path] = (st.st_atime_ns, st.st_mtime_ns)
        return times

    def roll_back(self, record: Record, times: dict[str, tuple[int, int]]) -> None:
        """Undo a half-done apply: branch, tag, index, work tree, ORIG_HEAD exactly as they were."""
        record.phase = ROLLING_BACK
        write_journal(self.repo, record)
        self.crash_point("rolling-back-journal")
        tag = f"delete refs/tags/{record.tag}\n" if record.tag else ""
        self.git.run_shielded(
            "update-ref",
            "-m",
            "ai-revert: roll back",
            "--stdin",
            input=f"update {record.ref} {record.old} {record.new}\n{tag}".encode(),
        )
        self.crash_point("rolling-back")
        if index_tree(self.repo) != record.index_before:
            try:
                sync_work_tree(self.git, record.new, record.old)
            except GitError:
                finish_work_tree(self.repo, record.new, record.old)
        for path, (atime, mtime) in times.items():
            try:
                os.utime(path, ns=(atime, mtime), follow_symlinks=False)
            except OSError:
                pass
        restore_index(self.repo)
        if ref_value(self.git, "ORIG_HEAD") == record.old != record.orig_head:
            set_orig_head(self.git, record.orig_head)
        drop_journal(self.repo)

    def stage(self, branch: str, old: str, built: Built, final_tree: str, range_text: str) -> None:
        """--no-commit: the combined revert in the index and work tree, with a prepared message."""
        if self.git.run("diff", "--cached", "--name-only", "HEAD", "--").strip():
            raise Refused(
                "--no-commit needs a clean index: you have staged changes; nothing was changed",
                hint="commit or unstage them first",
            )
        message = self.messages(built, range_text, "ai", squash=True)[0]
        writer = object_writer(self.repo)
        author, committer = self.idents()
        staged = writer.commit(final_tree, [old], author, committer, message)
        record = prepare(self.repo, branch, old, staged, "no-commit", range_text=range_text, message=message)
        merge_msg = os.path.join(self.repo.git_dir, "MERGE_MSG")
        with interrupts_deferred() as interrupted:
            write_journal(self.repo, record)
            try:
                sync_work_tree(self.git, old, staged)
            except GitError as exc:
                drop_journal(self.repo)
                raise _work_tree_refused(exc) from None
            record.phase = STAGED  # from here, an index back as before is the user's undoing
            write_journal(self.repo, record)
            self.crash_point("after-work-tree")
            if interrupted[0]:
                record.phase = ROLLING_BACK  # a kill from here on finishes the undoing, not the staging
                write_journal(self.repo, record)
                self.crash_point("rolling-back")
                sync_work_tree(self.git, staged, old)
                restore_index(self.repo)
                drop_journal(self.repo)
                raise KeyboardInterrupt
            with open(merge_msg, "w", encoding="utf-8") as f:
                f.write(message)
            drop_journal(self.repo)
            self.done = "the revert is staged; git commit makes it, git reset --merge drops it"

    def incident_name(self, pattern: str) -> str:
        """The incident tag's name: ``pattern`` (strftime, UTC), with -2, -3... if it is taken."""
        base = time.strftime(pattern, time.gmtime())
        name, n = base, 1
        while True:
            check_refname(self.git, f"refs/tags/{name}")
            if ref_value(self.git, f"refs/tags/{name}") is None:
                return name
            n += 1
            name = f"{base}-{n}"
