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
        if k not in local
        and not k.startswith("GIT_CONFIG_KEY_")
        and not k.startswith("GIT_CONFIG_VALUE_")
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
            f"git {args[0] if args else ''} failed"
            + (f": {first.removeprefix('fatal: ')}" if first else ""),
            command=["git", *args],
            returncode=code,
            stderr=err,
        )

    def popen(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        import subprocess

        try:
            return subprocess.Popen(
                self._argv(args),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env) if env is not None else self.env,
            )
        except OSError as exc:
            raise GitError(f"cannot run git: {exc.strerror}") from None

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
    args = [
        "log",
        "-z",
        LOG_FORMAT,
        "--name-status",
        "--no-renames",
        "--no-ext-diff",
        *extra,
        "--end-of-options",
        *revisions,
        "--",
    ]
    try:
        yield from parse_log_tokens(git.stream_records(*args))
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
