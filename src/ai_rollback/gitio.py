"""The one module that runs git.

Two doors:

* :func:`spawn` starts git with ``os.posix_spawn`` and pipes.  It imports
  nothing beyond ``os`` and is what the commit-msg hook uses for its single
  git call (``subprocess`` alone costs a third of the hook's time budget).
* :class:`Git` is for everything else: streaming output, stdin, errors that
  carry the command, its exit code and stderr.  GitPython opens repositories
  (``open_repository``); git itself does the work, with ``-z``/``%x00``
  output parsed by small pure helpers.

User text is never handed to a shell, and every revision a user typed goes
after ``--end-of-options`` so that nothing starting with ``-`` is an option.
"""

from __future__ import annotations

import os
import sys

from ai_rollback.errors import GitError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterator, Mapping, Sequence

    from ai_rollback.gitconfig import RepoPaths

EMPTY_TREE_SHA1 = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
EMPTY_TREE_SHA256 = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"

_git_path: list[str] = []


def git_executable() -> str:
    """The git on PATH (cached)."""
    if _git_path:
        return _git_path[0]
    for directory in os.environ.get("PATH", os.defpath).split(os.pathsep):
        for name in ("git", "git.exe"):
            candidate = os.path.join(directory or ".", name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                _git_path.append(candidate)
                return candidate
    raise GitError("git is not installed or not on PATH", hint="install git 2.39 or newer")


def spawn(args: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run ``git *args`` and return ``(exit code, stdout, stderr)``.

    Uses ``os.posix_spawn`` where it exists (no ``subprocess`` import).  Meant
    for small outputs: stdout is read to its end before stderr.
    """
    argv = [git_executable(), *args]
    environ = dict(os.environ if env is None else env)
    if not hasattr(os, "posix_spawn"):  # pragma: no cover - Windows
        import subprocess

        done = subprocess.run(argv, capture_output=True, env=environ, check=False)
        return done.returncode, done.stdout, done.stderr
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        pid = os.posix_spawn(
            argv[0],
            argv,
            environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
                (os.POSIX_SPAWN_CLOSE, out_r),
                (os.POSIX_SPAWN_CLOSE, err_r),
            ],
        )
    except OSError as exc:
        os.close(out_r)
        os.close(err_r)
        raise GitError(f"cannot run git: {exc.strerror}") from None
    finally:
        os.close(out_w)
        os.close(err_w)
    out = _read_all(out_r)
    err = _read_all(err_r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out, err


def _widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Let git run ahead of us by up to 1 MiB (Linux; a no-op elsewhere)."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
    except (ImportError, OSError):
        pass


def _read_all(fd: int) -> bytes:
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def split_z(data: bytes) -> list[str]:
    """NUL-separated output (``-z``) into strings."""
    return [_decode(item) for item in data.split(b"\0") if item]


def check_rev_arg(value: str, what: str = "revision") -> str:
    """Refuse a user-typed revision or range that git could take for an option."""
    if not value or value.startswith("-"):
        raise UsageError(
            f"{what} {value!r} starts with '-' or is empty; it would be read as an option",
            hint="name a branch, tag, commit or range such as v2.1.0..HEAD",
        )
    if "\0" in value or "\n" in value:
        raise UsageError(f"{what} {value!r} contains a control character")
    return value


# --------------------------------------------------------------------------
# The hook path: one git call
# --------------------------------------------------------------------------


def staged_paths(base: str | None = None) -> list[str]:
    """Paths the commit being made changes: the index against HEAD (or ``base``).

    Renames count as a deletion plus an addition, so both paths are listed.
    Honours ``GIT_INDEX_FILE`` (``commit -a``, ``commit <paths>``).
    """
    args = ["diff", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff"]
    if base:
        args += ["--end-of-options", base]
    code, out, err = spawn(args)
    if code != 0:
        raise GitError(
            "cannot list the staged changes",
            command=["git", *args],
            returncode=code,
            stderr=_decode(err),
        )
    return split_z(out)


def config_regexp(regex: str) -> bytes:
    """``git config -z --get-regexp``: the fallback for configurations we cannot read."""
    code, out, err = spawn(["config", "-z", "--get-regexp", regex])
    if code not in (0, 1):
        raise GitError(
            "cannot read git config",
            command=["git", "config"],
            returncode=code,
            stderr=_decode(err),
        )
    return out


# --------------------------------------------------------------------------
# Everything else
# --------------------------------------------------------------------------


def clean_env(env: Mapping[str, str] | None = None, keep_index: bool = False) -> dict[str, str]:
    """The environment without the ``GIT_*`` variables a hook inherits.

    git exports ``GIT_DIR``, ``GIT_INDEX_FILE``... to hooks; commands that work
    on another repository (or must not write a hook's temporary index) drop them.
    """
    source = os.environ if env is None else env
    local = {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_OBJECT_DIRECTORY",
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_GRAFT_FILE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_PREFIX",
        "GIT_INTERNAL_SUPER_PREFIX",
        "GIT_SHALLOW_FILE",
        "GIT_COMMON_DIR",
    }
    if keep_index:
        local.discard("GIT_INDEX_FILE")
    return {
        k: v
        for k, v in source.items()
        if k not in local and not k.startswith("GIT_CONFIG_KEY_") and not k.startswith("GIT_CONFIG_VALUE_")
    }


class Git:
    """Runs git in one repository; every failure is a :class:`GitError`."""

    def __init__(self, cwd: str, env: Mapping[str, str] | None = None) -> None:
        self.cwd = cwd
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("LC_ALL", "C")
        self.env["GIT_TERMINAL_PROMPT"] = "0"

    def _argv(self, args: Sequence[str]) -> list[str]:
        return [git_executable(), *args]

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> bytes:
        """Run git and return its stdout; raise :class:`GitError` on failure (if ``check``)."""
        return self.run_full(*args, input=input, check=check, env=env)[1]

    def run_full(
        self,
        *args: str,
        input: bytes | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes, bytes]:
        import subprocess

        try:
            done = subprocess.run(
                self._argv(args),
                cwd=self.cwd,
                input=input,
                capture_output=True,
                env=dict(env) if env is not None else self.env,
                check=False,
            )
        except OSError as exc:
            raise GitError(f"cannot run git: {exc.strerror}") from None
        if check and done.returncode != 0:
            raise self.error(args, done.returncode, done.stderr)
        return done.returncode, done.stdout, done.stderr

    def text(self, *args: str, check: bool = True) -> str:
        return _decode(self.run(*args, check=check)).rstrip("\n")

    def error(self, args: Sequence[str], code: int, stderr: bytes | str) -> GitError:
        err = stderr if isinstance(stderr, str) else _decode(stderr)
        first = next((line for line in err.splitlines() if line.strip()), "")
        return GitError(
            f"git {args[0] if args else ''} failed" + (f": {first.removeprefix('fatal: ')}" if first else ""),
            command=["git", *args],
            returncode=code,
            stderr=err,
        )

    def popen(
        self, *args: str, env: Mapping[str, str] | None = None, stdin: bool = False
    ) -> subprocess.Popen[bytes]:
        """A git process with stdout and stderr piped (and stdin, with ``stdin=True``)."""
        import subprocess

        try:
            return subprocess.Popen(
                self._argv(args),
                cwd=self.cwd,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env) if env is not None else self.env,
            )
        except OSError as exc:
            raise GitError(f"cannot run git: {exc.strerror}") from None

    def stream_batches(self, *args: str, sep: bytes = b"\0") -> Iterator[list[bytes]]:
        """Like :meth:`stream_records`, a list of complete records per read (fewer Python steps).

        Uses a stream :func:`prefetch` started earlier with the same arguments, if any.
        """
        stream = _prefetched.pop(tuple(args), None) or BatchStream(self, args)
        yield from stream.batches(sep)

    def stream_records(self, *args: str, sep: bytes = b"\0") -> Iterator[bytes]:
        """Stream ``sep``-separated records of git's stdout without loading it whole."""
        proc = self.popen(*args)
        stdout, stderr = proc.stdout, proc.stderr
        if stdout is None or stderr is None:  # pragma: no cover - popen() always pipes both
            raise GitError("git's output is not connected")
        buffer = b""
        try:
            while True:
                chunk = os.read(stdout.fileno(), 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *records, buffer = buffer.split(sep)
                yield from records
            if buffer:
                yield buffer
        finally:
            stdout.close()
            err = stderr.read()
            stderr.close()
            code = proc.wait()
        if code != 0:
            raise self.error(args, code, err)

    # -- small queries -----------------------------------------------------

    def rev_parse(self, rev: str, what: str = "revision") -> str:
        """Full object name of a user-typed revision (checked, never an option)."""
        check_rev_arg(rev, what)
        code, out, _ = self.run_full(
            "rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{object}", check=False
        )
        if code != 0:
            raise UsageError(
                f"unknown {what} {rev!r}",
                hint="check the name with `git log --oneline -5 " + rev + "`",
            )
        return _decode(out).strip()

    def config_get(self, key: str) -> str | None:
        code, out, _ = self.run_full("config", "--get", key, check=False)
        return _decode(out).rstrip("\n") if code == 0 else None

    def git_path(self, name: str) -> str:
        """``git rev-parse --git-path NAME``, absolute (honours core.hooksPath, worktrees)."""
        path = self.text("rev-parse", "--git-path", name)
        return os.path.normpath(os.path.join(self.cwd, path))


class BatchStream:
    """A git process started now, whose output is read in batches of whole records.

    git writes into a pipe widened to 1 MiB, so a stream started early (see
    :func:`prefetch`) walks the history while Python is still loading; one
    read of at most ``CHUNK`` bytes is parsed at a time, whatever the size of
    the history: memory stays flat.
    """

    CHUNK = 256 << 10

    def __init__(self, git: Git, args: Sequence[str]) -> None:
        self.git = git
        self.args = list(args)
        self.proc = git.popen(*args)
        if self.proc.stdout is None or self.proc.stderr is None:  # pragma: no cover
            raise GitError("git's output is not connected")
        self._out = self.proc.stdout
        _widen_pipe(self._out.fileno())
        self._eof = False

    def batches(self, sep: bytes = b"\0") -> Iterator[list[bytes]]:
        buffer = b""
        fd = self._out.fileno()
        try:
            while True:
                data = os.read(fd, self.CHUNK)
                if not data:
                    self._eof = True
                    break
                records = (buffer + data).split(sep)
                buffer = records.pop()
                if records:
                    yield records
            if buffer:
                yield [buffer]
        finally:
            code, err = self.close()
        if code != 0:
            raise self.git.error(self.args, code, err)

    def close(self) -> tuple[int, bytes]:
        if not self._eof and self.proc.poll() is None:
            self.proc.kill()  # stopped early: git would block on a full pipe
        self._out.close()
        stderr = self.proc.stderr
        err = stderr.read() if stderr is not None else b""
        if stderr is not None:
            stderr.close()
        return self.proc.wait(), err


_prefetched: dict[tuple[str, ...], BatchStream] = {}


def prefetch(git: Git, args: Sequence[str]) -> None:
    """Start a git command now; :meth:`Git.stream_batches` with the same arguments takes it.

    Lets git walk the history while Python is still starting up.
    """
    import atexit

    if not _prefetched:
        atexit.register(_close_prefetched)
    _prefetched[tuple(args)] = BatchStream(git, args)


def _close_prefetched() -> None:
    while _prefetched:
        _prefetched.popitem()[1].close()


SUMMARY_FORMAT = "--format=%H%x00%P%x00%an%x00%ae%x00%ce%x00%s%x00%B"


def summary_log_args(revisions: Sequence[str]) -> list[str]:
    """``git log`` for the history report: %H %P %an %ae %ce %s %B (no diff)."""
    return ["log", "-z", SUMMARY_FORMAT, *STABLE_LOG, "--end-of-options", *revisions, "--"]


class Repository:
    """An opened repository: where it lives, and a :class:`Git` to run commands in it."""

    def __init__(self, work_tree: str | None, git_dir: str, common_dir: str) -> None:
        self.work_tree = work_tree
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.git = Git(work_tree or git_dir)

    @property
    def root(self) -> str:
        return self.work_tree or self.git_dir

    def paths(self) -> RepoPaths:
        from ai_rollback.gitconfig import RepoPaths

        return RepoPaths(self.git_dir, self.common_dir, self.work_tree)


def open_repository_fast(path: str | None = None) -> Repository:
    """Like :func:`open_repository`, with one ``git rev-parse`` instead of GitPython.

    For the commands with a speed budget (ai-revert), where importing
    GitPython alone would cost a sixth of it.
    """
    cwd = os.path.abspath(path or os.getcwd())
    git = Git(cwd)
    code, out, err = git.run_full(
        "rev-parse",
        "--absolute-git-dir",
        "--git-common-dir",
        "--is-bare-repository",
        "--show-toplevel",
        check=False,
    )
    lines = _decode(out).split("\n")
    if code != 0 and "not a git repository" in _decode(err):
        raise GitError(
            f"not a git repository: {cwd}",
            hint="run this inside a git repository (or `git init` one)",
        )
    if code != 0 and not (len(lines) >= 3 and lines[2] == "true"):
        raise git.error(["rev-parse"], code, err)
    git_dir = lines[0]
    common = os.path.normpath(os.path.join(cwd, lines[1]))
    work_tree = None if lines[2] == "true" or len(lines) < 4 or not lines[3] else lines[3]
    return Repository(work_tree, git_dir, common)


def open_repository(path: str | None = None) -> Repository:
    """Open the repository containing ``path`` (default: the current directory)."""
    import git as gitpython

    try:
        repo = gitpython.Repo(path or os.getcwd(), search_parent_directories=True)
    except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError):
        raise GitError(
            f"not a git repository: {os.path.abspath(path or os.getcwd())}",
            hint="run this inside a git repository (or `git init` one)",
        ) from None
    try:
        git_dir = os.path.abspath(repo.git_dir)
        common_dir = os.path.abspath(repo.common_dir)
        work_tree = None if repo.bare else os.path.abspath(str(repo.working_tree_dir))
    finally:
        repo.close()
    return Repository(work_tree, git_dir, common_dir)


def read_head(paths: RepoPaths) -> str | None:
    """HEAD's commit name from the files (no git call); None when unknown or unborn."""
    try:
        with open(os.path.join(paths.git_dir, "HEAD"), "rb") as f:
            head = _decode(f.read(4096)).strip()
    except OSError:
        return None
    if not head.startswith("ref: "):
        return head if _is_hex(head) else None
    ref = head[5:].strip()
    for base in (paths.git_dir, paths.common_dir):
        try:
            with open(os.path.join(base, ref), "rb") as f:
                value = _decode(f.read(256)).strip()
            if _is_hex(value):
                return value
        except OSError:
            continue
    try:
        with open(os.path.join(paths.common_dir, "packed-refs"), "rb") as f:
            for line in _decode(f.read()).splitlines():
                sha, _, name = line.partition(" ")
                if name == ref and _is_hex(sha):
                    return sha
    except OSError:
        pass
    return None


def _is_hex(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


# --------------------------------------------------------------------------
# Streaming history
# --------------------------------------------------------------------------

LOG_FORMAT = "--format=%H%x00%P%x00%B"
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


class LogCommit:
    """One commit from :func:`iter_log`: name, parents, raw message, changed paths."""

    __slots__ = ("message", "parents", "paths", "sha", "statuses")

    def __init__(self, sha: str, parents: list[str], message: str) -> None:
        self.sha = sha
        self.parents = parents
        self.message = message
        self.paths: list[str] = []
        self.statuses: list[str] = []

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


def _is_status(token: bytes) -> bool:
    return 0 < len(token) <= 4 and token[:1].isupper()


def iter_listed(git: Git, shas: Sequence[str], batch: int = 2000) -> Iterator[LogCommit]:
    """The listed commits (names, not user text), in order, with their changed paths.

    One streamed ``git log --no-walk`` per ``batch`` commits keeps command lines short.
    """
    for start in range(0, len(shas), batch):
        yield from _log_with_paths(git, ["--no-walk=unsorted"], shas[start : start + batch])


def _log_with_paths(git: Git, options: Sequence[str], revisions: Sequence[str]) -> Iterator[LogCommit]:
    """``git log`` of ``revisions`` (after ``--end-of-options``) with each commit's changed paths."""
    args = ["log", "-z", LOG_FORMAT, *STABLE_LOG, "--name-status", "--no-renames", *options]
    return parse_log_tokens(git.stream_records(*args, "--end-of-options", *revisions, "--"))


def parse_log_tokens(tokens: Iterator[bytes]) -> Iterator[LogCommit]:
    """Parse ``git log -z --format=%H%x00%P%x00%B --name-status --no-renames`` tokens.

    The stream is ``sha NUL parents NUL message NUL`` then, when the commit
    changes paths, ``LF status NUL path NUL`` and more ``status NUL path NUL``.
    A status is 1-4 characters starting with a capital letter; a commit name is
    lower-case hex, so the two cannot be confused.
    """
    current: LogCommit | None = None
    pending: bytes | None = None
    iterator = iter(tokens)
    while True:
        token = pending if pending is not None else next(iterator, None)
        pending = None
        if token is None:
            break
        if current is not None:
            status = token[1:] if token.startswith(b"\n") else token
            if _is_status(status):
                path = next(iterator, b"")
                current.statuses.append(_decode(status))
                current.paths.append(_decode(path))
                continue
            yield current
            current = None
        sha = _decode(token).strip()
        parents = _decode(next(iterator, b"")).split()
        message = _decode(next(iterator, b""))
        current = LogCommit(sha, parents, message)
    if current is not None:
        yield current


def iter_log(git: Git, revisions: Sequence[str], extra: Sequence[str] = ()) -> Iterator[LogCommit]:
    """Stream the commits of ``revisions`` (newest first) with their changed paths.

    ``revisions`` were typed by a user: they go after ``--end-of-options``.
    """
    for rev in revisions:
        check_rev_arg(rev, "range")
    try:
        yield from _log_with_paths(git, extra, revisions)
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


# --------------------------------------------------------------------------
# History for planning reverts
# --------------------------------------------------------------------------

RICH_FORMAT = "--format=%H%x00%P%x00%an%x00%ae%x00%ce%x00%B"


class RichCommit:
    """A commit with the identities the detectors look at and its changes (renames kept)."""

    __slots__ = (
        "author_email",
        "author_name",
        "changes",
        "committer_email",
        "message",
        "parents",
        "sha",
    )

    def __init__(self, fields: list[str]) -> None:
        self.sha = fields[0].strip()
        self.parents = fields[1].split()
        self.author_name = fields[2]
        self.author_email = fields[3]
        self.committer_email = fields[4]
        self.message = fields[5]
        #: (status, old path, new path); old is None for additions, new None for deletions
        self.changes: list[tuple[str, str | None, str | None]] = []

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


def parse_rich_tokens(tokens: Iterator[bytes]) -> Iterator[RichCommit]:
    """Parse ``git log -z RICH_FORMAT --name-status -M`` (renames and copies have two paths)."""
    current: RichCommit | None = None
    iterator = iter(tokens)
    while True:
        token = next(iterator, None)
        if token is None:
            break
        if current is not None:
            status = token[1:] if token.startswith(b"\n") else token
            if _is_status(status):
                kind = sys.intern(_decode(status))
                first = sys.intern(_decode(next(iterator, b"")))
                if kind[0] in "RC":
                    second = sys.intern(_decode(next(iterator, b"")))
                    current.changes.append((kind, first, second))
                elif kind[0] == "A":
                    current.changes.append((kind, None, first))
                elif kind[0] == "D":
                    current.changes.append((kind, first, None))
                else:
                    current.changes.append((kind, first, first))
                continue
            yield current
        fields = [_decode(token)] + [_decode(next(iterator, b"")) for _ in range(5)]
        current = RichCommit(fields)
    if current is not None:
        yield current


def iter_rich(git: Git, revisions: Sequence[str]) -> Iterator[RichCommit]:
    """Commits of ``revisions`` (computed names, not user text), oldest first, topologically."""
    args = [
        "log",
        "-z",
        RICH_FORMAT,
        *STABLE_LOG,
        "--name-status",
        "-M",
        "--topo-order",
        "--reverse",
        "--diff-merges=first-parent",
        *revisions,
        "--",
    ]
    yield from parse_rich_tokens(git.stream_records(*args))


PATCH_MARK = "\x01ai-rollback\x01"


def iter_patches(git: Git, shas: Sequence[str]) -> Iterator[tuple[str, list[str]]]:
    """``(sha, diff lines)`` of each commit (first-parent diff, ``-U0``, renames), in order."""
    if not shas:
        return
    args = [
        "-c",
        "core.quotePath=true",
        "log",
        "--no-walk=unsorted",
        f"--format={PATCH_MARK}%H",
        "-p",
        "-U0",
        "-M",
        "--diff-merges=first-parent",
        *STABLE_LOG,
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--stdin",
        "--",
    ]
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
    sha: str | None = None
    lines: list[str] = []
    try:
        for raw in stdout:
            line = _decode(raw.rstrip(b"\n"))
            if line.startswith(PATCH_MARK):
                if sha is not None:
                    yield sha, lines
                sha, lines = line[len(PATCH_MARK) :], []
            elif sha is not None:
                lines.append(line)
        if sha is not None:
            yield sha, lines
    finally:
        stdout.close()
        err = stderr.read()
        stderr.close()
        code = proc.wait()
        writer.join()
    if code != 0:
        raise git.error(args, code, err)


# --------------------------------------------------------------------------
# Writing objects and moving refs
# --------------------------------------------------------------------------


class ObjectWriter:
    """Writes small objects (commits, tags) as loose objects, without a git process.

    The format is git's own: ``<type> <size>\\0<body>``, deflated, named by its
    hash (SHA-1, or SHA-256 in such repositories), written to a temporary file
    and linked into place, read-only, as git does.  Used for the throw-away
    commits the revert merges need and for the final revert commits.
    """

    def __init__(self, objects_dir: str, algorithm: str = "sha1") -> None:
        self.objects_dir = objects_dir
        self.algorithm = algorithm
        self.written: list[str] = []

    def write(self, kind: str, body: bytes) -> str:
        import hashlib
        import zlib

        data = f"{kind} {len(body)}\0".encode() + body
        name = hashlib.new(self.algorithm, data).hexdigest()
        directory = os.path.join(self.objects_dir, name[:2])
        path = os.path.join(directory, name[2:])
        if os.path.exists(path):
            return name
        os.makedirs(directory, exist_ok=True)
        tmp = os.path.join(directory, f"tmp_obj_ai_rollback_{os.getpid()}_{len(self.written)}")
        with open(tmp, "wb") as f:
            f.write(zlib.compress(data, 1))
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        self.written.append(path)
        return name

    def commit(self, tree: str, parents: Sequence[str], author: str, committer: str, message: str) -> str:
        lines = [
            f"tree {tree}",
            *[f"parent {p}" for p in parents],
            f"author {author}",
            f"committer {committer}",
        ]
        body = "\n".join(lines) + "\n\n" + message
        return self.write("commit", body.encode("utf-8", "surrogateescape"))

    def tag(self, obj: str, name: str, tagger: str, message: str, kind: str = "commit") -> str:
        body = f"object {obj}\ntype {kind}\ntag {name}\ntagger {tagger}\n\n{message}"
        return self.write("tag", body.encode("utf-8", "surrogateescape"))

    def forget(self, names: Sequence[str]) -> None:
        """Delete objects we wrote that nothing refers to (the merges' scaffolding)."""
        for name in names:
            path = os.path.join(self.objects_dir, name[:2], name[2:])
            try:
                os.chmod(path, 0o644)
                os.unlink(path)
            except OSError:
                pass


class MergeResult:
    __slots__ = ("clean", "files", "messages", "tree")

    def __init__(self, clean: bool, tree: str, files: list[str], messages: list[str]) -> None:
        self.clean = clean
        self.tree = tree
        self.files = files
        self.messages = messages


def merge_tree(git: Git, ours: str, theirs: str) -> MergeResult:
    """``git merge-tree --write-tree``: merge two commits without touching index or work tree."""
    code, out, err = git.run_full(
        "merge-tree", "--write-tree", "-z", "--name-only", ours, theirs, check=False
    )
    if code not in (0, 1):
        raise git.error(["merge-tree"], code, err)
    head, _, rest = out.partition(b"\0\0")
    parts = head.split(b"\0")
    tree = _decode(parts[0]).strip()
    files = [_decode(p) for p in parts[1:] if p]
    messages = [_decode(m).strip() for m in rest.split(b"\0") if b"CONFLICT" in m and b" " in m]
    return MergeResult(code == 0, tree, files, messages)


# --------------------------------------------------------------------------
# Reading and editing trees (the fast path of a revert)
# --------------------------------------------------------------------------

TREE_MODE = b"40000"
Entry = tuple[bytes, str]  # (mode, object name)


class CatFile:
    """A persistent ``git cat-file --batch``: read objects by name, one request at a time."""

    def __init__(self, git: Git) -> None:
        self.proc = git.popen("cat-file", "--batch", stdin=True)
        if self.proc.stdin is None or self.proc.stdout is None:  # pragma: no cover
            raise GitError("git cat-file is not connected")
        self._in = self.proc.stdin
        self._out = self.proc.stdout

    def read(self, name: str) -> tuple[str, bytes]:
        self._in.write(name.encode() + b"\n")
        self._in.flush()
        header = self._out.readline().decode().split()
        if len(header) < 3:
            raise GitError(f"object {name} is missing from the repository")
        kind, size = header[1], int(header[2])
        data = self._out.read(size)
        self._out.read(1)  # the newline after the object
        return kind, data

    def close(self) -> None:
        try:
            self._in.close()
        except OSError:
            pass
        self._out.close()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc.wait()


_tree_entry: dict[int, object] = {}


def parse_tree(data: bytes, hash_len: int) -> dict[bytes, Entry]:
    """Entries of a raw tree object: name -> (mode, object name)."""
    pattern = _tree_entry.get(hash_len)
    if pattern is None:
        import re

        pattern = re.compile(rb"([0-7]+) ([^\0]*)\0(.{%d})" % hash_len, re.DOTALL)
        _tree_entry[hash_len] = pattern
    return {name: (mode, sha.hex()) for mode, name, sha in pattern.findall(data)}  # type: ignore[attr-defined]


def serialize_tree(entries: dict[bytes, Entry]) -> bytes:
    """git's tree format, in git's order (a directory sorts as if its name ended in '/')."""
    keyed = [
        (name + b"/" if mode == TREE_MODE else name, mode, name, sha) for name, (mode, sha) in entries.items()
    ]
    keyed.sort()
    return b"".join(b"%s %s\0%s" % (mode, name, bytes.fromhex(sha)) for _key, mode, name, sha in keyed)


class Trees:
    """Parsed trees by name (cached), and entry lookup by path."""

    def __init__(self, cat: CatFile, hash_len: int) -> None:
        self.cat = cat
        self.hash_len = hash_len
        self._cache: dict[str, dict[bytes, Entry]] = {}

    def entries(self, tree: str) -> dict[bytes, Entry]:
        cached = self._cache.get(tree)
        if cached is None:
            kind, data = self.cat.read(tree)
            if kind != "tree":
                raise GitError(f"{tree} is a {kind}, not a tree")
            cached = parse_tree(data, self.hash_len)
            self._cache[tree] = cached
        return cached

    def lookup(self, tree: str | None, path: bytes) -> Entry | None:
        if tree is None:
            return None
        parts = path.split(b"/")
        current = tree
        for part in parts[:-1]:
            entry = self.entries(current).get(part)
            if entry is None or entry[0] != TREE_MODE:
                return None
            current = entry[1]
        return self.entries(current).get(parts[-1])

    def is_dir(self, tree: str | None, path: bytes) -> bool:
        if tree is None:
            return False
        if not path:
            return True
        entry = self.lookup(tree, path)
        return entry is not None and entry[0] == TREE_MODE


class TreeEditor:
    """A copy-on-write edit of a tree; :meth:`write` stores the changed trees."""

    def __init__(self, trees: Trees, root: str) -> None:
        self.trees = trees
        self.root = root
        self._edits: dict[bytes, Entry | None] = {}

    def get(self, path: bytes) -> Entry | None:
        if path in self._edits:
            return self._edits[path]
        return self.trees.lookup(self.root, path)

    def set(self, path: bytes, entry: Entry | None) -> None:
        self._edits[path] = entry

    def has_dir(self, path: bytes) -> bool:
        """Whether ``path`` is a directory holding at least one file after the edits."""
        prefix = path + b"/"
        if any(p.startswith(prefix) and e is not None for p, e in self._edits.items()):
            return True
        if not self.trees.is_dir(self.root, path):
            return False
        return self._count(self.trees.lookup(self.root, path), path) > 0 if path else True

    def _count(self, entry: Entry | None, path: bytes) -> int:
        if entry is None:
            return 0
        files = 0
        stack = [(entry[1], path)]
        while stack and files == 0:
            tree, where = stack.pop()
            for name, (mode, sha) in self.trees.entries(tree).items():
                full = where + b"/" + name
                if mode == TREE_MODE:
                    stack.append((sha, full))
                elif self._edits.get(full, (mode, sha)) is not None:
                    files += 1
        return files

    def write(self, writer: ObjectWriter) -> str:
        """Store the edited trees; returns the new root (edits are kept for further changes)."""
        if not self._edits:
            return self.root
        by_dir: dict[bytes, dict[bytes, Entry | None]] = {}
        for path, entry in self._edits.items():
            head, _, name = path.rpartition(b"/")
            by_dir.setdefault(head, {})[name] = entry
            while head:  # every directory on the way up gets rewritten too
                head = head.rpartition(b"/")[0]
                by_dir.setdefault(head, {})
        new_root = self._write_dir(b"", self.root, by_dir, writer)
        return new_root or writer.write("tree", b"")

    def _write_dir(
        self,
        path: bytes,
        tree: str | None,
        by_dir: dict[bytes, dict[bytes, Entry | None]],
        writer: ObjectWriter,
    ) -> str | None:
        entries = dict(self.trees.entries(tree)) if tree else {}
        for name, entry in by_dir.get(path, {}).items():
            if entry is None:
                entries.pop(name, None)
            else:
                entries[name] = entry
        prefix = path + b"/" if path else b""
        subdirs = {
            d[len(prefix) :].split(b"/", 1)[0] for d in by_dir if d.startswith(prefix) and d != path and d
        }
        for sub in subdirs:
            child_path = prefix + sub
            old = entries.get(sub)
            child_tree = old[1] if old and old[0] == TREE_MODE else None
            written = self._write_dir(child_path, child_tree, by_dir, writer)
            if written is not None:
                entries[sub] = (TREE_MODE, written)
            elif child_tree is not None:
                entries.pop(sub, None)  # the directory became empty: git stores no empty trees
        if not entries:
            return None
        return writer.write("tree", serialize_tree(entries))
