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
    drop_journal,
    finish_work_tree,
    ref_value,
    sync_work_tree,
    write_journal,
)

#: What the index and the rewritten files' times were before an apply (for a roll back).
Saved = tuple[bytes | None, dict[str, tuple[int, int]]]


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
        applied = Applied(old)
        tip = old
        for tree, text in zip(trees, messages, strict=True):
            if signing:
                tip = (
                    self.git.run(
                        "commit-tree",
                        "-S",
                        tree,
                        "-p",
                        tip,
                        "-F",
                        "-",
                        input=text.encode("utf-8", "surrogateescape"),
                    )
                    .decode()
                    .strip()
                )
            else:
                tip = writer.commit(tree, [tip], author, committer, text)
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
        previous_orig = ref_value(self.git, "ORIG_HEAD")
        saved = self.save_state(old, tip)
        transaction = f"update {branch} {tip} {old}\n{tag_line}".encode()
        write_journal(
            self.repo,
            {
                "ref": branch,
                "old": old,
                "new": tip,
                "mode": "commit",
                "tag": applied.incident_tag,
                "range": range_text,
                "time": time.time(),
            },
        )
        self.crash_point("after-journal")
        with interrupts_deferred() as interrupted:
            code, _, err = self.git.run_shielded("update-ref", "-m", reflog, "--stdin", input=transaction)
            if code != 0:
                drop_journal(self.repo)
                raise Refused(
                    f"{branch.removeprefix('refs/heads/')} moved while ai-revert worked, or the tag "
                    f"could not be created; nothing was changed ({err.decode(errors='replace').strip()})",
                    hint="run ai-revert again",
                )
            self.crash_point("after-update-ref")
            try:
                sync_work_tree(self.git, old, tip)
            except GitError:
                self.roll_back(branch, old, tip, applied.incident_tag, previous_orig, saved)
                raise
            self.crash_point("after-work-tree")
            self.git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", old)
            drop_journal(self.repo)
            if interrupted[0]:
                self.roll_back(branch, old, tip, applied.incident_tag, previous_orig, saved)
                raise KeyboardInterrupt
        return applied

    def save_state(self, old: str, new: str) -> Saved:
        """The index as it is and the times of the files the revert rewrites (for a roll back)."""
        index = os.path.join(self.repo.git_dir, "index")
        try:
            with open(index, "rb") as f:
                data: bytes | None = f.read()
        except FileNotFoundError:
            data = None
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
        return data, times

    def roll_back(
        self,
        branch: str,
        old: str,
        tip: str,
        incident_tag: str | None,
        previous_orig: str | None,
        saved: Saved,
    ) -> None:
        """Undo a half-done apply: branch, tag, index, work tree, ORIG_HEAD exactly as they were."""
        write_journal(
            self.repo,
            {
                "ref": branch,
                "old": old,
                "new": tip,
                "mode": "commit",
                "phase": "rolling-back",
                "orig_head": previous_orig or "",
            },
        )
        tag = f"delete refs/tags/{incident_tag}\n" if incident_tag else ""
        self.git.run_shielded(
            "update-ref",
            "-m",
            "ai-revert: roll back",
            "--stdin",
            input=f"update {branch} {old} {tip}\n{tag}".encode(),
        )
        self.crash_point("rolling-back")
        try:
            sync_work_tree(self.git, tip, old)
        except GitError:
            finish_work_tree(self.git, tip, old, self.repo.root)
        index_bytes, times = saved
        for path, (atime, mtime) in times.items():
            try:
                os.utime(path, ns=(atime, mtime), follow_symlinks=False)
            except OSError:
                pass
        if index_bytes is not None:
            index = os.path.join(self.repo.git_dir, "index")
            lock = index + ".lock"
            with open(lock, "xb") as f:  # git's own lock: nobody else writes the index meanwhile
                f.write(index_bytes)
            os.replace(lock, index)
        if previous_orig:
            self.git.run("update-ref", "--no-deref", "ORIG_HEAD", previous_orig)
        else:
            self.git.run("update-ref", "-d", "--no-deref", "ORIG_HEAD", check=False)
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
        write_journal(
            self.repo,
            {"ref": branch, "old": old, "new": staged, "mode": "no-commit"},
        )
        with interrupts_deferred() as interrupted:
            sync_work_tree(self.git, old, staged)
            with open(os.path.join(self.repo.git_dir, "MERGE_MSG"), "w", encoding="utf-8") as f:
                f.write(message)
            drop_journal(self.repo)
            if interrupted[0]:
                sync_work_tree(self.git, staged, old)
                os.unlink(os.path.join(self.repo.git_dir, "MERGE_MSG"))
                raise KeyboardInterrupt

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
