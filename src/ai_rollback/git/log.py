"""Reading history: one log format, one token parser, and the diffs of chosen commits.

Every command that reads commits asks git for the same fields (:data:`FIELDS`,
NUL-separated with ``-z``), optionally followed by each commit's changed paths
(``--name-status``) or line counts (``--numstat``).  :func:`parse_log` turns that
stream into :class:`LogCommit` objects.  The history report's fast path asks for
the same fields in fewer tokens (:data:`ROW_FIELDS`, :func:`iter_rows`), reads
them straight from the bytes, and hands a row to :func:`row_commit` only when it
needs more than the subject.
"""

from __future__ import annotations

import os
import sys

from ai_rollback.errors import GitError, UsageError
from ai_rollback.git.run import Git, check_rev_arg, decode, prefetch

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Iterable, Iterator, Sequence

#: The fields of every commit we read, in order, and git's placeholder for each.
FIELDS = (
    ("sha", "%H"),
    ("parents", "%P"),
    ("author_name", "%an"),
    ("author_email", "%ae"),
    ("committer_email", "%ce"),
    ("title", "%s"),  # git's subject: the title paragraph joined into one line
    ("message", "%B"),
)
NFIELDS = len(FIELDS)
SHA, PARENTS, AUTHOR_NAME, AUTHOR_EMAIL, COMMITTER_EMAIL, TITLE, MESSAGE = range(NFIELDS)
FORMAT = "--format=" + "%x00".join(placeholder for _name, placeholder in FIELDS)

#: Options that keep user configuration (log.showRoot, log.showSignature, diff.relative,
#: color.ui, diff.external, diff.ignoreSubmodules / submodule.*.ignore) out of output we parse.
STABLE_LOG = (
    "--root",
    "--no-show-signature",
    "--no-relative",
    "--no-color",
    "--no-ext-diff",
    "--ignore-submodules=none",
)

#: git re-encodes each message from its ``encoding`` header (``i18n.commitEncoding`` when it
#: was written) into this; without it, ``i18n.logOutputEncoding`` (default: the commit
#: encoding) would hand us Latin-1 bytes to read as UTF-8.
UTF8_LOG = ("-c", "i18n.logOutputEncoding=UTF-8", "log")

Change = tuple[str, "str | None", "str | None"]  # (status, old path or None, new path or None)


class LogCommit:
    """One commit: the :data:`FIELDS`, and what ``--name-status`` / ``--numstat`` added."""

    __slots__ = (
        "author_email",
        "author_name",
        "changes",
        "committer_email",
        "lines",
        "message",
        "parents",
        "sha",
        "title",
    )

    def __init__(self, fields: Sequence[str]) -> None:
        self.sha = fields[SHA].strip()
        self.parents = fields[PARENTS].split()
        self.author_name = fields[AUTHOR_NAME]
        self.author_email = fields[AUTHOR_EMAIL]
        self.committer_email = fields[COMMITTER_EMAIL]
        self.title = fields[TITLE]
        self.message = fields[MESSAGE]
        #: (status, old path, new path); old is None for additions, new None for deletions
        self.changes: list[Change] = []
        #: with ``--numstat``: added plus deleted lines (binary files count none)
        self.lines: int | None = None

    @classmethod
    def from_tokens(cls, tokens: Sequence[bytes]) -> LogCommit:
        return cls([decode(t) for t in tokens[:NFIELDS]])

    @property
    def subject(self) -> str:
        """The message's first line that is not blank, as git's ``%s`` and ``git revert`` take it.

        A message stored with ``--cleanup=verbatim`` may start with blank lines.
        """
        message = self.message
        if message[:1] in ("\n", " ", "\t", "\r"):
            for line in message.split("\n"):
                if line.strip(" \t\r\v\f"):
                    return line
            return ""
        return message.split("\n", 1)[0]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def paths(self) -> list[str]:
        """Every path the commit changes (a rename: both; a copy: the new one)."""
        out: list[str] = []
        for status, old, new in self.changes:
            if old is not None and not status.startswith("C"):
                out.append(old)
            if new is not None and new != old:
                out.append(new)
        return out


def _is_status(token: bytes) -> bool:
    return 0 < len(token) <= 4 and token[:1].isupper()


def _numstat(token: bytes) -> tuple[int, str] | None:
    parts = token.split(b"\t", 2)
    if len(parts) == 3 and (parts[0].isdigit() or parts[0] == b"-"):
        return sum(int(p) for p in parts[:2] if p.isdigit()), decode(parts[2])
    return None


def parse_log(tokens: Iterable[bytes]) -> Iterator[LogCommit]:
    """Parse ``git log -z FORMAT [--name-status [-M] | --numstat --no-renames]`` tokens.

    The stream is the :data:`FIELDS`, each ending in NUL, then, when the commit
    changes paths, ``LF status NUL path NUL`` (two paths for renames and copies)
    or ``LF added TAB deleted TAB path NUL``, and more of the same.  A status is
    1-4 characters starting with a capital letter and a numstat starts with a
    digit or ``-``; a commit name is lower-case hex, so none can be confused.
    """
    current: LogCommit | None = None
    iterator = iter(tokens)
    while True:
        token = next(iterator, None)
        if token is None:
            break
        if current is not None:
            extra = token[1:] if token.startswith(b"\n") else token
            if _is_status(extra):
                kind = sys.intern(decode(extra))
                first = sys.intern(decode(next(iterator, b"")))
                if kind[0] in "RC":
                    current.changes.append((kind, first, sys.intern(decode(next(iterator, b"")))))
                elif kind[0] == "A":
                    current.changes.append((kind, None, first))
                elif kind[0] == "D":
                    current.changes.append((kind, first, None))
                else:
                    current.changes.append((kind, first, first))
                continue
            stat = _numstat(extra) if extra[:1].isdigit() or extra[:1] == b"-" else None
            if stat is not None:
                current.lines = (current.lines or 0) + stat[0]
                current.changes.append(("M", stat[1], stat[1]))
                continue
            yield current
        fields = [decode(token)] + [decode(next(iterator, b"")) for _ in range(NFIELDS - 1)]
        current = LogCommit(fields)
    if current is not None:
        yield current


def log_args(revisions: Sequence[str], *options: str) -> list[str]:
    """``git log`` of ``revisions`` (after ``--end-of-options``) in :data:`FORMAT`."""
    return [*UTF8_LOG, "-z", FORMAT, *STABLE_LOG, *options, "--end-of-options", *revisions, "--"]


#: The report's fast path (:func:`iter_rows`): what it reads of every commit first, and the
#: three identities in one token (no name or address in a commit can hold a newline: each
#: is read from one header line).  Five tokens a commit, not seven: splitting git's output
#: into objects is most of the report's cost.
ROW_FIELDS = ("%H", "%s", "%P", "%an%n%ae%n%ce", "%B")
ROW_SIZE = len(ROW_FIELDS)
ROW_SHA, ROW_TITLE, ROW_PARENTS, ROW_IDENTS, ROW_MESSAGE = range(ROW_SIZE)


def row_args(revisions: Sequence[str]) -> list[str]:
    """``git log`` of ``revisions`` (after ``--end-of-options``) in :data:`ROW_FIELDS`."""
    row_format = "--format=" + "%x00".join(ROW_FIELDS)
    return [*UTF8_LOG, "-z", row_format, *STABLE_LOG, "--end-of-options", *revisions, "--"]


def row_commit(row: Sequence[bytes]) -> LogCommit:
    """The :class:`LogCommit` of one row of :func:`iter_rows`."""
    name, email, committer = [*row[ROW_IDENTS].split(b"\n"), b"", b""][:3]
    return LogCommit.from_tokens(
        [row[ROW_SHA], row[ROW_PARENTS], name, email, committer, row[ROW_TITLE], row[ROW_MESSAGE]]
    )


def iter_rows(git: Git, revisions: Sequence[str]) -> Iterator[list[bytes]]:
    """Batches of raw tokens of ``git log`` in :data:`ROW_FIELDS`, no paths: the report's fast path.

    Each batch holds whole commits (a multiple of :data:`ROW_SIZE` tokens), so a
    caller can read field ``k`` of every commit as ``batch[k::ROW_SIZE]``.
    """
    leftover: list[bytes] = []
    for batch in git.stream_batches(*row_args(revisions)):
        tokens = leftover + batch if leftover else batch
        usable = len(tokens) - len(tokens) % ROW_SIZE
        if usable:
            yield tokens[:usable]
        leftover = tokens[usable:]


def _listed_args(shas: Sequence[str]) -> list[str]:
    return log_args(shas, "--name-status", "--no-renames", "--no-walk=unsorted")


def iter_listed(git: Git, shas: Sequence[str], batch: int = 2000) -> Iterator[LogCommit]:
    """The listed commits (names, not user text), in order, with their changed paths.

    One streamed ``git log --no-walk`` per ``batch`` commits keeps command lines short; one
    that :func:`prefetch_listed` started earlier is taken as it is.
    """
    for start in range(0, len(shas), batch):
        batches = git.stream_batches(*_listed_args(shas[start : start + batch]))
        yield from parse_log(record for records in batches for record in records)


def prefetch_listed(git: Git, shas: Sequence[str], batch: int = 2000) -> None:
    """Start now the git calls :func:`iter_listed` of ``shas`` will read (git works while we do)."""
    for start in range(0, len(shas), batch):
        prefetch(git, _listed_args(shas[start : start + batch]))


def iter_log(git: Git, revisions: Sequence[str], *options: str) -> Iterator[LogCommit]:
    """Stream the commits of ``revisions`` (newest first) with their changed paths.

    ``revisions`` were typed by a user: they go after ``--end-of-options``.
    ``options`` replace the default ``--name-status --no-renames``.
    """
    for rev in revisions:
        check_rev_arg(rev, "range")
    args = log_args(revisions, *(options or ("--name-status", "--no-renames")))
    try:
        yield from parse_log(git.stream_records(*args))
    except GitError as exc:
        if any(
            s in exc.stderr
            for s in (
                "unknown revision",
                "bad revision",
                "ambiguous argument",
                "Invalid revision range",
                "invalid upstream",
            )
        ):
            raise UsageError(
                f"unknown revision or range {' '.join(revisions)!r}",
                hint="check the names with `git log --oneline -5 <name>`",
            ) from None
        raise


def iter_topo(git: Git, revisions: Sequence[str]) -> Iterator[LogCommit]:
    """Commits of ``revisions`` (computed names, not user text), oldest first, topologically.

    With renames and copies (``-M``) and, for merges, the diff against the first parent.
    """
    options = ("--name-status", "-M", "--topo-order", "--reverse", "--diff-merges=first-parent")
    args = [*UTF8_LOG, "-z", FORMAT, *STABLE_LOG, *options, *revisions, "--"]
    yield from parse_log(git.stream_records(*args))


PATCH_MARK = "\x01ai-rollback\x01"


def patch_args(*commits: str) -> list[str]:
    """``git log`` of the diffs the planner reads (first-parent, ``-U0``, renames) of ``commits``."""
    return [
        "-c",
        "core.quotePath=true",
        "log",
        f"--format={PATCH_MARK}%H",
        "-p",
        "-U0",
        "-M",
        "--diff-merges=first-parent",
        *STABLE_LOG,
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        *commits,
    ]


def split_patches(blocks: Iterable[bytes]) -> Iterator[tuple[str, list[str]]]:
    """``(sha, lines)`` of each commit of :func:`patch_args` output given in blocks of whole lines.

    A block is decoded whole (UTF-8 resynchronises at every LF, so it is the same as decoding
    line by line).
    """
    sha: str | None = None
    lines: list[str] = []
    mark = len(PATCH_MARK)
    for block in blocks:
        for line in decode(block).split("\n"):
            if line.startswith(PATCH_MARK):
                if sha is not None:
                    yield sha, lines
                sha, lines = line[mark:], []
            elif sha is not None:
                lines.append(line)
    if sha is not None:
        yield sha, lines


def _whole_lines(read: Callable[[], bytes]) -> Iterator[bytes]:
    """Blocks of whole lines from ``read()`` (b"" at the end), the last line with or without LF."""
    pending = b""
    while True:
        chunk = read()
        if not chunk:
            break
        pending += chunk
        cut = pending.rfind(b"\n")
        if cut >= 0:
            yield pending[:cut]
            pending = pending[cut + 1 :]
    if pending:
        yield pending


def iter_patches(git: Git, shas: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """``(sha, diff lines)`` of each commit (first-parent diff, ``-U0``, renames), in order."""
    if not shas:
        return
    args = patch_args("--no-walk=unsorted", "--stdin", "--")
    proc = git.popen(*args, stdin=True)
    stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr
    if stdin is None or stdout is None or stderr is None:  # pragma: no cover
        raise GitError("git's pipes are not connected")
    import threading

    def feed() -> None:
        try:
            stdin.write("".join(sha + "\n" for sha in shas).encode())
            stdin.close()
        except OSError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    fd = stdout.fileno()
    try:
        yield from split_patches(_whole_lines(lambda: os.read(fd, 1 << 16)))
    finally:
        stdout.close()
        err = stderr.read()
        stderr.close()
        code = proc.wait()
        writer.join()
    if code != 0:
        raise git.error(args, code, err)


class PatchFile:
    """The diffs of every commit of a walk, written by git into a temporary file, read as it grows.

    Started before the planner knows which diffs it needs, git computes them while Python
    still reads the commits (on another core); the planner then reads the file, waiting where
    git has not got to yet and skipping the commits it does not need, as often as it likes.
    The same diffs as :func:`iter_patches` (the same options), in the walk's order.
    """

    def __init__(self, git: Git, revisions: Sequence[str]) -> None:
        import tempfile

        self.args = patch_args("--topo-order", "--reverse", *revisions, "--")
        self._out = tempfile.TemporaryFile(prefix="ai-rollback-")  # noqa: SIM115 - until close()
        self._err = tempfile.TemporaryFile(prefix="ai-rollback-")  # noqa: SIM115 - until close()
        self._git = git
        try:
            self.proc: subprocess.Popen[bytes] | None = git.popen(
                *self.args, stdout=self._out, stderr=self._err
            )
        except GitError:
            self.close()
            raise

    def patches(self) -> Iterator[tuple[str, list[str]]]:
        """``(sha, diff lines)`` of every commit of the walk, from the start."""
        if self.proc is None:
            raise GitError("the diffs are no longer there")
        import time

        proc, fd = self.proc, self._out.fileno()
        offset = 0

        def read() -> bytes:
            nonlocal offset
            while True:
                chunk = os.pread(fd, 1 << 18, offset)
                if chunk:
                    offset += len(chunk)
                    return chunk
                if proc.poll() is not None:  # it has exited: what it wrote is all there
                    chunk = os.pread(fd, 1 << 18, offset)
                    offset += len(chunk)
                    return chunk
                time.sleep(0.001)  # git has not got that far yet

        yield from split_patches(_whole_lines(read))
        if proc.wait() != 0:
            raise self._failure(proc.returncode)

    def check(self) -> None:
        """Raise :class:`GitError` if git has already failed (for a reader that stopped early).

        A reader that stops at the last commit it needs never sees the end of the walk, where
        :meth:`patches` checks git's status.  While git still runs, every commit read so far
        was followed by the next one's header, so it was whole; once git has exited, its
        last commit may be cut short by the failure: so only an exited git is asked.
        """
        proc = self.proc
        if proc is not None and proc.poll() is not None and proc.returncode != 0:
            raise self._failure(proc.returncode)

    def _failure(self, code: int) -> GitError:
        """git's error, with what it wrote to stderr."""
        return self._git.error(self.args, code, os.pread(self._err.fileno(), 1 << 16, 0))

    def close(self) -> None:
        """Stop git if it is still at work, and drop the file."""
        proc, self.proc = getattr(self, "proc", None), None
        if proc is not None:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self._out.close()
        self._err.close()
