"""The few git settings that change how a message is read, without running git.

The commit-msg hook may spend one cheap git call, and it spends it on the
staged paths; so the settings that decide what git will store and what it will
parse as trailers are read here, from the same files git reads, in git's order
(config.c ``do_git_config_sequence``), with git's syntax (``parse_value``,
``get_base_var``), its command-line variables (``GIT_CONFIG_COUNT`` then
``GIT_CONFIG_PARAMETERS``) and its includes (``include.path``,
``includeIf.gitdir:``/``gitdir/i:``/``onbranch:``).

What this reader cannot decide exactly (``includeIf.hasconfig:``, wildcard
conditions other than ``**`` directories, a file git itself would reject)
raises :class:`Unsupported`; the caller then asks ``git config`` instead.
The tests compare this reader with ``git config`` on generated files.

Standard library only, no ``re``: this is on the hook path.
"""

from __future__ import annotations

import os

from ai_rollback.message import ConfiguredTrailer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

Pair = tuple[str, "str | None"]

#: The keys that matter to us, as ``git config --get-regexp`` sees them.
WANTED_REGEX = r"^(core\.comment(char|string)|commit\.(cleanup|verbose)|trailer\.)"
_MAX_INCLUDE_DEPTH = 10


class Unsupported(Exception):
    """This configuration needs git itself to be read exactly."""


class GitSettings:
    """What we need from git config to read a message as git does."""

    __slots__ = ("cleanup", "comment", "configured", "separators", "verbose")

    def __init__(
        self,
        comment: str = "#",
        cleanup: str = "default",
        separators: str = ":",
        configured: list[ConfiguredTrailer] | None = None,
        verbose: bool = False,
    ) -> None:
        self.comment = comment  # "auto" is kept as such; see message.detect_auto_comment
        self.cleanup = cleanup
        self.separators = separators
        self.configured = configured or []
        self.verbose = verbose  # commit.verbose: git cuts the message at the scissors line

    def __repr__(self) -> str:
        return (
            f"GitSettings(comment={self.comment!r}, cleanup={self.cleanup!r}, "
            f"separators={self.separators!r}, configured={self.configured!r}, verbose={self.verbose!r})"
        )

    @property
    def parse_comment(self) -> str:
        """The comment string git uses when it parses stored messages."""
        return "#" if self.comment == "auto" else self.comment


def settings_from_pairs(pairs: Iterable[Pair]) -> GitSettings:
    """Fold config ``(key, value)`` pairs, in git's order, into :class:`GitSettings`."""
    settings = GitSettings()
    by_name: dict[str, ConfiguredTrailer] = {}
    for key, value in pairs:
        low = key.lower()
        if low in ("core.commentchar", "core.commentstring"):
            if value is None or value == "":
                continue
            if low == "core.commentchar" and value.lower() == "auto":
                settings.comment = "auto"
            elif "\n" not in value:
                settings.comment = value
        elif low == "commit.cleanup" and value is not None:
            settings.cleanup = value
        elif low == "commit.verbose":
            try:
                settings.verbose = _truthy(value)
            except Unsupported:
                settings.verbose = False
        elif low == "trailer.separators" and value is not None:
            settings.separators = value
        elif low.startswith("trailer."):
            rest = key[len("trailer.") :]
            dot = rest.rfind(".")
            if dot < 0:
                continue
            variable = rest[dot + 1 :].lower()
            if variable not in ("key", "command", "cmd", "where", "ifexists", "ifmissing"):
                continue
            name = rest[:dot]
            item = by_name.get(name.lower())
            if item is None:
                item = ConfiguredTrailer(name)
                by_name[name.lower()] = item
                settings.configured.append(item)
            if variable == "key" and value is not None:
                item.key = value
    return settings


# --------------------------------------------------------------------------
# Repository location, without git
# --------------------------------------------------------------------------


class RepoPaths:
    """Where a repository lives: its per-worktree git dir, common dir and work tree."""

    __slots__ = ("common_dir", "git_dir", "work_tree")

    def __init__(self, git_dir: str, common_dir: str, work_tree: str | None) -> None:
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.work_tree = work_tree

    def __repr__(self) -> str:
        return f"RepoPaths({self.git_dir!r}, {self.common_dir!r}, {self.work_tree!r})"


def read_head(paths: RepoPaths) -> str | None:
    """HEAD's commit name from git's files (no git call: the hook path); None when unknown or unborn."""
    try:
        with open(os.path.join(paths.git_dir, "HEAD"), "rb") as f:
            head = f.read(4096).decode("utf-8", "surrogateescape").strip()
    except OSError:
        return None
    if not head.startswith("ref: "):
        return head if is_hex(head) else None
    ref = head[5:].strip()
    for base in (paths.git_dir, paths.common_dir):
        try:
            with open(os.path.join(base, ref), "rb") as f:
                value = f.read(256).decode("utf-8", "surrogateescape").strip()
            if is_hex(value):
                return value
        except OSError:
            continue
    try:
        with open(os.path.join(paths.common_dir, "packed-refs"), "rb") as f:
            for line in f.read().decode("utf-8", "surrogateescape").splitlines():
                sha, _, name = line.partition(" ")
                if name == ref and is_hex(sha):
                    return sha
    except OSError:
        pass
    return None


def is_hex(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def _read_gitfile(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            head = f.read(4096).decode("utf-8", "surrogateescape")
    except OSError:
        return None
    if not head.startswith("gitdir: "):
        return None
    target = head[len("gitdir: ") :].strip("\r\n")
    return os.path.normpath(os.path.join(os.path.dirname(path), target))


def _common_dir(git_dir: str, env: Mapping[str, str]) -> str:
    common = env.get("GIT_COMMON_DIR")
    if common:
        return os.path.abspath(common)
    try:
        with open(os.path.join(git_dir, "commondir"), "rb") as f:
            rel = f.read().decode("utf-8", "surrogateescape").strip("\r\n")
    except OSError:
        return git_dir
    return os.path.normpath(os.path.join(git_dir, rel))


def locate(start: str | None = None, env: Mapping[str, str] | None = None) -> RepoPaths | None:
    """Find the repository the way git's discovery does for the usual layouts.

    Honours ``GIT_DIR``/``GIT_WORK_TREE``/``GIT_COMMON_DIR``, ``.git`` files
    (linked worktrees, submodules) and ``commondir``.  None outside a repository.
    """
    env = os.environ if env is None else env
    cwd = os.path.abspath(start or os.getcwd())
    git_dir_env = env.get("GIT_DIR")
    if git_dir_env:
        git_dir = os.path.abspath(os.path.join(cwd, git_dir_env))
        if os.path.isfile(git_dir):
            git_dir = _read_gitfile(git_dir) or git_dir
        work_tree = env.get("GIT_WORK_TREE")
        wt = os.path.abspath(os.path.join(cwd, work_tree)) if work_tree else None
        if wt is None and os.path.basename(git_dir) == ".git":
            wt = os.path.dirname(git_dir)
        return RepoPaths(git_dir, _common_dir(git_dir, env), wt)
    path = cwd
    while True:
        dot_git = os.path.join(path, ".git")
        if os.path.isdir(dot_git):
            return RepoPaths(dot_git, _common_dir(dot_git, env), path)
        if os.path.isfile(dot_git):
            target = _read_gitfile(dot_git)
            if target:
                return RepoPaths(target, _common_dir(target, env), path)
        if os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects")):
            # A bare repository (or we were started inside a .git directory).
            return RepoPaths(path, _common_dir(path, env), None)
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


# --------------------------------------------------------------------------
# Config syntax (config.c)
# --------------------------------------------------------------------------

_SPACE = " \t\n\r"


def _is_keychar(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or ch == "-"


class _Parser:
    def __init__(self, text: str, origin: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        self.text = text.replace("\r\n", "\n")
        self.pos = 0
        self.origin = origin

    def next(self) -> str:
        if self.pos >= len(self.text):
            self.pos += 1
            return ""  # end of input; git reports it as a newline with eof set
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def fail(self) -> Unsupported:
        line = self.text.count("\n", 0, min(self.pos, len(self.text))) + 1
        return Unsupported(f"bad config line {line} in {self.origin}")

    def parse(self) -> list[Pair]:
        pairs: list[Pair] = []
        section = ""
        comment = False
        while True:
            ch = self.next()
            if ch in ("\n", ""):
                if ch == "":
                    return pairs
                comment = False
                continue
            if comment or ch in _SPACE:
                continue
            if ch in "#;":
                comment = True
                continue
            if ch == "[":
                section = self._section()
                continue
            if not (ch.isascii() and ch.isalpha()):
                raise self.fail()
            name = ch.lower()
            while True:
                ch = self.next()
                if ch == "" or not _is_keychar(ch):
                    break
                name += ch.lower()
            while ch in (" ", "\t"):
                ch = self.next()
            value: str | None = None
            if ch not in ("\n", ""):
                if ch != "=":
                    raise self.fail()
                value = self._value()
            pairs.append((f"{section}.{name}" if section else name, value))
            if ch == "":
                return pairs

    def _section(self) -> str:
        name = ""
        while True:
            ch = self.next()
            if ch == "":
                raise self.fail()
            if ch == "]":
                if not name:
                    raise self.fail()
                return name
            if ch in _SPACE:
                return self._extended(name, ch)
            if not _is_keychar(ch) and ch != ".":
                raise self.fail()
            name += ch.lower()

    def _extended(self, name: str, ch: str) -> str:
        while ch and ch in _SPACE:  # "" (the end) is in every string: test it first
            if ch == "\n":
                raise self.fail()
            ch = self.next()
        if ch != '"':
            raise self.fail()
        sub = ""
        while True:
            ch = self.next()
            if ch in ("\n", ""):
                raise self.fail()
            if ch == '"':
                break
            if ch == "\\":
                ch = self.next()
                if ch in ("\n", ""):
                    raise self.fail()
            sub += ch
        if self.next() != "]":
            raise self.fail()
        return name + "." + sub

    def _value(self) -> str:
        out: list[str] = []
        quote = comment = False
        space = 0
        while True:
            ch = self.next()
            if ch in ("\n", ""):
                if quote:
                    raise self.fail()
                if ch == "":
                    self.pos -= 1  # let the caller see the end too
                return "".join(out)
            if comment:
                continue
            if ch in _SPACE and not quote:
                if any(out):  # git counts the value's length: an empty "" is none of it
                    space += 1
                continue
            if not quote and ch in ";#":
                comment = True
                continue
            if space:
                out.append(" " * space)
                space = 0
            if ch == "\\":
                ch = self.next()
                if ch == "\n":
                    continue
                escapes = {"t": "\t", "b": "\b", "n": "\n", "\\": "\\", '"': '"'}
                if ch not in escapes:
                    raise self.fail()
                out.append(escapes[ch])
                continue
            if ch == '"':
                quote = not quote
                continue
            out.append(ch)


def parse_config_text(text: str, origin: str = "<text>") -> list[Pair]:
    """``(key, value)`` pairs of one config file; key is ``section[.sub].name``.

    Section and variable names are lower-cased, subsections are kept as
    written (except in the deprecated ``[section.sub]`` form), a bare ``name``
    gives the value None (boolean true), as in git.
    """
    return _Parser(text, origin).parse()


# --------------------------------------------------------------------------
# Command-line config (GIT_CONFIG_COUNT, GIT_CONFIG_PARAMETERS)
# --------------------------------------------------------------------------


def _canonical_key(key: str) -> str:
    first = key.find(".")
    last = key.rfind(".")
    if first < 0:
        raise Unsupported(f"bad config key {key!r}")
    return key[:first].lower() + key[first:last] + key[last:].lower()


def _sq_dequote_step(s: str, pos: int) -> tuple[str, int]:
    """git's sq_dequote_step(): one '...' word; returns (word, position after it)."""
    if pos >= len(s) or s[pos] != "'":
        raise Unsupported("bad GIT_CONFIG_PARAMETERS")
    out = []
    pos += 1
    while True:
        if pos >= len(s):
            raise Unsupported("bad GIT_CONFIG_PARAMETERS")
        ch = s[pos]
        if ch != "'":
            out.append(ch)
            pos += 1
            continue
        # A quote ends the quoted part; \' or \! and a quote may resume it.
        pos += 1
        if s.startswith("\\", pos) and s[pos + 1 : pos + 2] in ("'", "!") and s[pos + 2 : pos + 3] == "'":
            out.append(s[pos + 1])
            pos += 3
            continue
        return "".join(out), pos


def command_line_pairs(env: Mapping[str, str]) -> list[Pair]:
    """The ``git -c`` / ``--config-env`` / ``GIT_CONFIG_COUNT`` settings in ``env``."""
    pairs: list[Pair] = []
    count = env.get("GIT_CONFIG_COUNT")
    if count:
        if not count.isdigit():
            raise Unsupported("bogus GIT_CONFIG_COUNT")
        for i in range(int(count)):
            key = env.get(f"GIT_CONFIG_KEY_{i}")
            value = env.get(f"GIT_CONFIG_VALUE_{i}")
            if key is None or value is None:
                raise Unsupported(f"missing GIT_CONFIG_KEY_{i}/VALUE_{i}")
            pairs.append((_canonical_key(key), value))
    params = env.get("GIT_CONFIG_PARAMETERS")
    if params:
        pos = 0
        n = len(params)
        while pos < n:
            while pos < n and params[pos] in _SPACE:
                pos += 1
            if pos >= n:
                break
            word, pos = _sq_dequote_step(params, pos)
            if pos >= n or params[pos] in _SPACE:
                key, eq, val = word.partition("=")
                pairs.append((_canonical_key(key.strip(_SPACE)), val if eq else None))
            elif params[pos] == "=":
                pos += 1
                if pos < n and params[pos] == "'":
                    value, pos = _sq_dequote_step(params, pos)
                    pairs.append((_canonical_key(word), value))
                else:
                    pairs.append((_canonical_key(word), None))
            else:
                raise Unsupported("bad GIT_CONFIG_PARAMETERS")
    return pairs


# --------------------------------------------------------------------------
# Includes
# --------------------------------------------------------------------------


def _expand_home(path: str, env: Mapping[str, str]) -> str:
    if path == "~" or path.startswith("~/"):
        home = env.get("HOME")
        if not home:
            raise Unsupported("~ in an include path without HOME")
        return home + path[1:]
    if path.startswith("~"):
        raise Unsupported("~user in an include path")
    return path


_GLOB = "*?[\\"


def _simple_match(pattern: str, text: str, icase: bool) -> bool:
    """wildmatch(WM_PATHNAME) for patterns whose only wildcards are ``**`` dirs.

    Handles ``X``, ``**/X``, ``X/**`` and ``**/X/**`` with a literal X; raises
    :class:`Unsupported` for anything else.
    """
    lead = pattern.startswith("**/")
    body = pattern[3:] if lead else pattern
    trail = body.endswith("/**")
    literal = body[:-2] if trail else body  # keeps the "/" before "**"
    if any(ch in literal for ch in _GLOB):
        raise Unsupported(f"wildcard include condition {pattern!r}")
    if icase:
        literal, text = literal.lower(), text.lower()
    if trail:
        if text.startswith(literal):
            return True
        return lead and ("/" + literal) in text
    if text == literal:
        return True
    return lead and text.endswith("/" + literal)


def _condition_pattern(cond: str, origin_dir: str | None, env: Mapping[str, str]) -> str:
    pattern = _expand_home(cond, env)
    if pattern.startswith("./"):
        if origin_dir is None:
            raise Unsupported("relative include condition outside a file")
        pattern = os.path.join(os.path.realpath(origin_dir), pattern[2:])
    elif not os.path.isabs(pattern):
        pattern = "**/" + pattern
    if pattern.endswith("/"):
        pattern += "**"
    return pattern


def _head_branch(git_dir: str) -> str | None:
    try:
        with open(os.path.join(git_dir, "HEAD"), "rb") as f:
            head = f.read(1024).decode("utf-8", "surrogateescape").strip()
    except OSError:
        return None
    prefix = "ref: refs/heads/"
    return head[len(prefix) :] if head.startswith(prefix) else None


def _condition_true(cond: str, origin_dir: str | None, paths: RepoPaths, env: Mapping[str, str]) -> bool:
    for prefix, icase in (("gitdir:", False), ("gitdir/i:", True)):
        if cond.startswith(prefix):
            pattern = _condition_pattern(cond[len(prefix) :], origin_dir, env)
            return _simple_match(pattern, os.path.realpath(paths.git_dir), icase) or _simple_match(
                pattern, os.path.abspath(paths.git_dir), icase
            )
    if cond.startswith("onbranch:"):
        branch = _head_branch(paths.git_dir)
        if branch is None:
            return False
        pattern = cond[len("onbranch:") :]
        if pattern.endswith("/"):
            pattern += "**"
        return _simple_match(pattern, branch, False)
    if cond.startswith("hasconfig:"):
        raise Unsupported("includeIf.hasconfig")
    return False


def _file_pairs(path: str, paths: RepoPaths | None, env: Mapping[str, str], depth: int = 0) -> list[Pair]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise Unsupported(f"cannot read {path}: {exc}") from exc
    return _expand(
        parse_config_text(data.decode("utf-8", "surrogateescape"), path),
        os.path.dirname(path),
        paths,
        env,
        depth,
    )


def _expand(
    pairs: list[Pair],
    origin_dir: str | None,
    paths: RepoPaths | None,
    env: Mapping[str, str],
    depth: int,
) -> list[Pair]:
    if not any(k.startswith(("include.", "includeif.")) for k, _ in pairs):
        return pairs
    out: list[Pair] = []
    for key, value in pairs:
        out.append((key, value))
        if key.startswith("includeif.") and key.endswith(".path"):
            cond = key[len("includeif.") : -len(".path")]
            if paths is None:
                raise Unsupported("includeIf without a repository")
            if not _condition_true(cond, origin_dir, paths, env):
                continue
        elif key != "include.path":
            continue
        target = value
        if target is None:
            raise Unsupported(f"{key} without a value")
        if depth >= _MAX_INCLUDE_DEPTH:
            raise Unsupported("include depth exceeded")
        target = _expand_home(target, env)
        if not os.path.isabs(target):
            if origin_dir is None:
                raise Unsupported("relative include outside a file")
            target = os.path.join(origin_dir, target)
        out.extend(_file_pairs(target, paths, env, depth + 1))
    return out


# --------------------------------------------------------------------------
# The sequence git reads
# --------------------------------------------------------------------------


def _truthy(value: str | None) -> bool:
    if value is None:
        return True
    low = value.strip().lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off", ""):
        return False
    try:
        return int(low) != 0
    except ValueError as exc:
        raise Unsupported(f"bad boolean {value!r}") from exc


def system_config_path(env: Mapping[str, str]) -> str | None:
    """git's system config file: ``GIT_CONFIG_SYSTEM``, else ``$(sysconfdir)/gitconfig``.

    git builds with ``sysconfdir=/etc`` when installed under ``/usr``, and
    ``<prefix>/etc`` otherwise; we derive the prefix from the git on PATH.
    """
    if _truthy(env.get("GIT_CONFIG_NOSYSTEM", "false")):
        return None
    if "GIT_CONFIG_SYSTEM" in env:
        return env["GIT_CONFIG_SYSTEM"] or None
    for directory in env.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(directory or ".", "git")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            prefix = os.path.dirname(os.path.dirname(os.path.realpath(candidate)))
            return "/etc/gitconfig" if prefix in ("/usr", "/") else os.path.join(prefix, "etc", "gitconfig")
    return "/etc/gitconfig"


def config_pairs(paths: RepoPaths | None, env: Mapping[str, str] | None = None) -> list[Pair]:
    """Every config pair git would see, in git's order (later wins)."""
    env = os.environ if env is None else env
    pairs: list[Pair] = []
    system = system_config_path(env)
    if system:
        pairs += _file_pairs(system, paths, env)
    user = env.get("GIT_CONFIG_GLOBAL")
    if user is None:
        home = env.get("HOME")
        xdg = env.get("XDG_CONFIG_HOME")
        xdg_file = (
            os.path.join(xdg, "git", "config")
            if xdg
            else (os.path.join(home, ".config", "git", "config") if home else None)
        )
        if xdg_file:
            pairs += _file_pairs(xdg_file, paths, env)
        if home:
            pairs += _file_pairs(os.path.join(home, ".gitconfig"), paths, env)
    elif user:
        pairs += _file_pairs(user, paths, env)
    if paths is not None:
        local = _file_pairs(os.path.join(paths.common_dir, "config"), paths, env)
        pairs += local
        worktree_config = False
        for key, value in local:
            if key == "extensions.worktreeconfig":
                worktree_config = _truthy(value)
        if worktree_config:
            pairs += _file_pairs(os.path.join(paths.git_dir, "config.worktree"), paths, env)
    pairs += _expand(command_line_pairs(env), None, paths, env, 0)
    return pairs


def read_settings(paths: RepoPaths | None, env: Mapping[str, str] | None = None) -> GitSettings:
    """The settings git would use; raises :class:`Unsupported` when it cannot tell."""
    return settings_from_pairs(config_pairs(paths, env))


def parse_get_regexp_z(output: bytes) -> list[Pair]:
    """Parse ``git config -z --get-regexp`` output into pairs."""
    pairs: list[Pair] = []
    for record in output.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        key, nl, value = record.partition("\n")
        pairs.append((key, value if nl else None))
    return pairs
