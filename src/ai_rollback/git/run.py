"""Running git: the one place that starts git processes.

Two doors:

* :func:`spawn` starts git with ``os.posix_spawn`` and pipes.  It imports
  nothing beyond ``os`` and is what the commit-msg hook uses for its single
  git call (``subprocess`` alone costs a third of the hook's time budget).
* :class:`Git` is for everything else: streaming output, stdin, errors that
  carry the command, its exit code and stderr, and :meth:`Git.run_shielded`
  for the steps of an apply that Ctrl-C must not cut in half.

User text is never handed to a shell, and every revision a user typed goes
after ``--end-of-options`` so that nothing starting with ``-`` is an option.
"""

from __future__ import annotations

import os

from ai_rollback.errors import GitError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterable, Iterator, Mapping, Sequence
    from typing import IO

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
        pid = _posix_spawn(argv, environ, out_w, err_w, out_r, err_r)
    except GitError:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        os.close(out_w)
        os.close(err_w)
    out = _read_all(out_r)
    err = _read_all(err_r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out, err


def _posix_spawn(argv: list[str], env: Mapping[str, str], out: int, err: int, *close: int) -> int:
    """Start ``argv`` with ``os.posix_spawn``: stdin /dev/null, stdout ``out``, stderr ``err``
    (descriptors above 2), ``close`` closed in the child; its pid."""
    try:
        return os.posix_spawn(
            argv[0],
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out, 1),
                (os.POSIX_SPAWN_DUP2, err, 2),
                *((os.POSIX_SPAWN_CLOSE, fd) for fd in close),
            ],
        )
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror}") from None


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


def decode(data: bytes) -> str:
    """git's bytes as text; undecodable bytes survive as surrogates (``surrogateescape``)."""
    return data.decode("utf-8", "surrogateescape")


def split_z(data: bytes) -> list[str]:
    """NUL-separated output (``-z``) into strings."""
    return [decode(item) for item in data.split(b"\0") if item]


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


def check_range_words(text: str) -> list[str]:
    """The words of a user-typed range (``A..B``, ``A ^B``), each a revision, never an option.

    A range names commits: a ``--`` or any word starting with ``-`` is refused,
    so nothing of it reaches git as an option or a path.
    """
    words = text.split()
    if not words:
        check_rev_arg(text, "range")
    for word in words:
        if word.startswith("-"):
            raise UsageError(
                f"range {text!r} holds {word!r}, which git would read as an option or a path",
                hint="a range names commits only, e.g. v2.1.0..HEAD or 'main ^v2.1.0'",
            )
        check_rev_arg(word, "range")
    return words


def staged_paths(base: str | None = None, diff_filter: str = "") -> list[str]:
    """Paths the commit being made changes: the index against HEAD (or ``base``).

    Renames count as a deletion plus an addition, so both paths are listed.
    Honours ``GIT_INDEX_FILE`` (``commit -a``, ``commit <paths>``).
    ``diff_filter``: only these kinds of change (git's ``--diff-filter``, e.g. ``D``).
    """
    args = ["diff", "--cached", "--name-only", "-z", "--no-renames", "--no-ext-diff"]
    if diff_filter:
        args.append(f"--diff-filter={diff_filter}")
    if base:
        args += ["--end-of-options", base]
    code, out, err = spawn(args)
    if code != 0:
        raise GitError(
            "cannot list the staged changes",
            command=["git", *args],
            returncode=code,
            stderr=decode(err),
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
            stderr=decode(err),
        )
    return out


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

    def run_spooled(self, *args: str, input: bytes) -> bytes:
        """:meth:`run`, with git's input and output in temporary files instead of pipes.

        For a large answer read while Python is busy with something else (a
        thread that waits for it): git never waits for a reader, and the
        waiting thread never needs Python's lock until git is done.
        """
        import subprocess

        fds = [_spool(), _spool(), _spool()]
        try:
            if None in fds:  # pragma: no cover - no temporary file: pipes
                return self.run(*args, input=input)
            stdin, stdout, stderr = (fd for fd in fds if fd is not None)
            view = memoryview(input)
            while view:
                view = view[os.write(stdin, view) :]
            os.lseek(stdin, 0, os.SEEK_SET)
            try:
                code = subprocess.run(
                    self._argv(args), cwd=self.cwd, env=self.env, stdin=stdin, stdout=stdout, stderr=stderr
                ).returncode
            except OSError as exc:  # pragma: no cover - git vanished since it was found
                raise GitError(f"cannot run git: {exc.strerror}") from None
            if code != 0:
                raise self.error(args, code, _read_from(stderr))
            return _read_from(stdout)
        finally:
            for fd in fds:
                if fd is not None:
                    os.close(fd)

    def run_shielded(
        self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None
    ) -> tuple[int, bytes, bytes]:
        """Run git in its own process group, so the terminal's Ctrl-C cannot stop it half-way.

        For the steps of an apply (ref transaction, work-tree update) that must
        complete once started; the caller holds Ctrl-C off meanwhile.
        """
        import subprocess

        try:
            done = subprocess.run(
                self._argv(args),
                cwd=self.cwd,
                env=dict(env) if env is not None else self.env,
                input=input,
                capture_output=True,
                check=False,
                process_group=0,
            )
        except OSError as exc:
            raise GitError(f"cannot run git: {exc.strerror}") from None
        return done.returncode, done.stdout, done.stderr

    def text(self, *args: str, check: bool = True) -> str:
        return decode(self.run(*args, check=check)).rstrip("\n")

    def error(self, args: Sequence[str], code: int, stderr: bytes | str, why: str = "") -> GitError:
        """The error of a git command that failed: its subcommand, and what git (or the system) said."""
        err = stderr if isinstance(stderr, str) else decode(stderr)
        first = next((line for line in err.splitlines() if line.strip()), "")
        said = first.removeprefix("fatal: ") or why
        if not said and code < 0:
            said = f"it was killed by signal {-code}"
        elif not said:
            said = f"it exited with status {code} and said nothing"
        return GitError(
            f"git {_subcommand(args)} failed: {said}",
            command=["git", *args],
            returncode=code,
            stderr=err,
        )

    def popen(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: bool = False,
        stdout: IO[bytes] | int | None = None,
        stderr: IO[bytes] | int | None = None,
    ) -> subprocess.Popen[bytes]:
        """A git process with stdout and stderr piped (and stdin, with ``stdin=True``).

        ``stdout``, ``stderr``: files git writes to instead of pipes.
        """
        import subprocess

        try:
            return subprocess.Popen(
                self._argv(args),
                cwd=self.cwd,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout is None else stdout,
                stderr=subprocess.PIPE if stderr is None else stderr,
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
        fd = stdout.fileno()
        try:
            for records in _split_records(iter(lambda: os.read(fd, 1 << 16), b""), sep):
                yield from records
        finally:
            stdout.close()
            err = stderr.read()
            stderr.close()
            code = proc.wait()
        if code != 0:
            raise self.error(args, code, err)

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
        return decode(out).strip()

    def config_get(self, key: str) -> str | None:
        code, out, _ = self.run_full("config", "--get", key, check=False)
        return decode(out).rstrip("\n") if code == 0 else None

    def git_path(self, name: str) -> str:
        """``git rev-parse --git-path NAME``, absolute (honours core.hooksPath, worktrees)."""
        path = self.text("rev-parse", "--git-path", name)
        return os.path.normpath(os.path.join(self.cwd, path))


def _subcommand(args: Sequence[str]) -> str:
    """The git command ``args`` run (``log`` of ``-c core.quotePath=true log ...``)."""
    words = iter(args)
    for word in words:
        if word in ("-c", "-C"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


def _split_records(chunks: Iterable[bytes], sep: bytes) -> Iterator[list[bytes]]:
    """The whole ``sep``-separated records of a stream of chunks, a list per chunk that ends some.

    Linear in the stream: a record longer than a chunk (a huge commit message)
    is gathered in pieces and joined once, never re-split.
    """
    pending: list[bytes] = []
    for data in chunks:
        if sep not in data:
            pending.append(data)
            continue
        records = data.split(sep)
        if pending:
            pending.append(records[0])
            records[0] = b"".join(pending)
        pending = [records.pop()]
        yield records
    rest = b"".join(pending)
    if rest:
        yield [rest]


def _spool() -> int | None:
    """A descriptor of a new unlinked temporary file, or None where none can be made."""
    if not hasattr(os, "pread"):
        return None  # pragma: no cover - not POSIX
    flag = getattr(os, "O_TMPFILE", 0)
    if flag:
        try:
            # an unnamed file (O_TMPFILE), mode 0600: there is no name to race for
            return os.open(os.environ.get("TMPDIR") or "/tmp", flag | os.O_RDWR, 0o600)  # noqa: S108
        except OSError:
            pass  # no such directory, or a file system without unnamed files
    try:
        import tempfile

        with tempfile.TemporaryFile() as file:
            return os.dup(file.fileno())
    except OSError:
        return None


class Spawned:
    """A git process started with ``os.posix_spawn``: the part of ``subprocess.Popen`` that
    :class:`BatchStream` uses, without importing ``subprocess`` (about 6 ms here, a third of
    Python's start-up, that a prefetched walk of the report would wait for)."""

    stdout: IO[bytes] | None = None
    stderr: IO[bytes] | None = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # SIGCHLD ignored: the system reaped it (Popen says 0 too)
                pid, status = self.pid, 0
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
            except ChildProcessError:  # as in poll()
                status = 0
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            import signal

            os.kill(self.pid, signal.SIGKILL)


def _spawn_into(git: Git, args: Sequence[str], out: int, err: int) -> Spawned | None:
    """``git *args`` writing into the descriptors ``out`` and ``err``, started with
    ``os.posix_spawn`` where that can do what ``Popen`` would (here, same directory);
    None where it can't."""
    if not hasattr(os, "posix_spawn") or min(out, err) <= 2:
        return None  # a file on 0, 1 or 2 (we were started with one closed): Popen sorts that out
    try:
        if git.cwd != os.getcwd():
            return None
    except OSError:  # our directory was removed: git runs from git.cwd, which Popen can give it
        return None
    return Spawned(_posix_spawn(git._argv(args), git.env, out, err))


class BatchStream:
    """A git process started now, whose output is read in batches of whole records.

    git writes into an unlinked temporary file, read as it grows: a pipe
    costs git a write and a wake-up of ours per few KiB, a quarter of the time
    of a large ``git log`` (measured: ``tests/bench/bench_log.py``), and
    a file never makes git wait for us.  So a stream started early (see
    :func:`prefetch`) walks and writes the history while Python is still
    loading; one read of at most ``CHUNK`` bytes is parsed at a time: Python's
    memory stays flat, and the file (which the system removes when it is
    closed, or when we die) holds git's output until the stream ends.  stderr
    is such a file too: git can never block on it.  Where no temporary file
    can be made, a pipe widened to 1 MiB.
    """

    CHUNK = 256 << 10

    proc: subprocess.Popen[bytes] | Spawned

    def __init__(self, git: Git, args: Sequence[str]) -> None:
        self.git = git
        self.args = list(args)
        self._eof = False
        self._files: tuple[int, int] | None = None
        #: what the system says about a failure git said nothing about (a full disk)
        self.why = ""
        out, err = _spool(), _spool()
        if out is not None and err is not None:
            self._files = (out, err)
            try:
                self.proc = _spawn_into(git, args, out, err) or git.popen(*args, stdout=out, stderr=err)
            except BaseException:
                self._close_files()
                raise
            return
        for fd in (out, err):
            if fd is not None:
                os.close(fd)
        self.proc = git.popen(*args)
        if self.proc.stdout is None or self.proc.stderr is None:  # pragma: no cover
            raise GitError("git's output is not connected")
        _widen_pipe(self.proc.stdout.fileno())

    def _reads(self) -> Iterator[bytes]:
        """git's output as it comes, until git has exited and all it wrote is read."""
        if self._files is None:
            if self.proc.stdout is None:  # pragma: no cover - popen() pipes it
                raise GitError("git's output is not connected")
            fd = self.proc.stdout.fileno()
            while data := os.read(fd, self.CHUNK):
                yield data
            return
        import time

        fd, offset, pause, exited = self._files[0], 0, 0.0005, False
        while True:
            data = os.pread(fd, self.CHUNK, offset)
            if data:
                offset += len(data)
                pause = 0.0005
                yield data
            elif exited:
                return
            else:
                exited = self.proc.poll() is not None  # then one more read takes its last bytes
                if not exited:  # git is walking, or writing: caught up with it, wait a little;
                    time.sleep(pause)  # at most 1 ms (git writes ~30 KB in that), so its last
                    pause = min(pause * 2, 0.001)  # bytes are read soon after it ends

    def batches(self, sep: bytes = b"\0") -> Iterator[list[bytes]]:
        try:
            yield from _split_records(self._reads(), sep)
            self._eof = True
        finally:
            code, err = self.close()
        if code != 0:
            raise self.git.error(self.args, code, err, self.why)

    def _close_files(self) -> None:
        if self._files is not None:
            for fd in self._files:
                os.close(fd)
            self._files = None

    def close(self) -> tuple[int, bytes]:
        if not self._eof and self.proc.poll() is None:
            self.proc.kill()  # stopped early: nothing more is wanted (a pipe: git would block)
        if self._files is None:
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            stderr = self.proc.stderr
            err = stderr.read() if stderr is not None else b""
            if stderr is not None:
                stderr.close()
            return self.proc.wait(), err
        code = self.proc.wait()
        err = _read_from(self._files[1])
        if code != 0 and not err.strip():
            self.why = _full_disk(self._files[0])
        self._close_files()
        return code, err


def _full_disk(fd: int) -> str:
    """Why git may have failed without a word: its temporary file filled the file system."""
    try:
        free = os.fstatvfs(fd)
    except OSError:  # pragma: no cover - a closed descriptor
        return ""
    if free.f_bavail * free.f_frsize >= 1 << 20:
        return ""
    where = os.environ.get("TMPDIR") or "/tmp"  # noqa: S108
    return (
        f"its output filled the file system of the temporary directory ({where}); "
        "set TMPDIR to a directory with room"
    )


def _read_from(fd: int) -> bytes:
    """All of a file, from its start (``pread``: the offset git writes at is not moved)."""
    chunks, offset = [], 0
    while chunk := os.pread(fd, 65536, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


_prefetched: dict[tuple[str, ...], BatchStream] = {}


def prefetch(git: Git, args: Sequence[str]) -> None:
    """Start a git command now; :meth:`Git.stream_batches` with the same arguments takes it.

    Lets git walk the history while Python is still starting up.
    """
    import atexit

    if not _prefetched:
        atexit.register(_close_prefetched)
    _prefetched[tuple(args)] = BatchStream(git, args)


def kill_prefetched() -> None:
    """Stop the git of every prefetched stream no one has taken yet, and reap it (from a signal
    handler: the process is about to end, and an unreaped git would linger as a zombie)."""
    streams = list(_prefetched.values())
    for stream in streams:
        try:
            stream.proc.kill()
        except OSError:
            pass
    for stream in streams:
        try:
            stream.proc.wait()
        except OSError:
            pass


def _close_prefetched() -> None:
    while _prefetched:
        _prefetched.popitem()[1].close()
