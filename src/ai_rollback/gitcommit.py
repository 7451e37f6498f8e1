"""The ``git commit`` that runs our hooks: its command line, and what it was asked to do.

git does not tell a hook whether the commit amends HEAD, reuses another
commit's message and authorship (``-c``/``-C``), or is a ``--fixup``; its
command line does (Linux ``/proc``).  :func:`parse` reads it as git's option
parser would, and :func:`retry_flags` gives the options a retry must repeat so
that following our hint makes the same kind of commit.

Pure but for :func:`commit_argv`.  On the commit-msg hook path: ``os`` only.
"""

from __future__ import annotations

import os

#: Options of ``git commit`` that take a value (long names; short ones in SHORT_VALUE).
LONG_VALUE = frozenset(
    (
        "message",
        "file",
        "reedit-message",
        "reuse-message",
        "fixup",
        "squash",
        "template",
        "author",
        "date",
        "cleanup",
        "trailer",
        "pathspec-from-file",
    )
)
SHORT_VALUE = frozenset("mFcCt")
SHORT_NAMES = {"a": "all", "o": "only", "i": "include", "c": "reedit-message", "C": "reuse-message"}
#: Long options whose unique prefixes people type (git accepts any unique prefix), with the
#: shortest unique one among git commit's options.
PREFIXED = {"amend": 2, "reuse-message": 3, "reedit-message": 3, "fixup": 3, "allow-empty": 11}


class CommitMode:
    """What the ``git commit`` was asked to do, as far as a retry must repeat it."""

    __slots__ = ("all", "allow_empty", "amend", "fixup", "include", "only", "pathspecs", "reuse")

    def __init__(self) -> None:
        self.amend = False
        self.all = False
        self.only = False
        self.include = False
        self.allow_empty = False
        self.reuse: str | None = None  # -c/-C COMMIT: its authorship is taken over
        self.fixup: str | None = None  # --fixup=[amend:|reword:]COMMIT
        self.pathspecs: list[str] = []


def commit_argv() -> list[str] | None:
    """The command line of the ``git commit`` running this hook (Linux /proc); None if unknown."""
    pid = os.getppid()
    for _ in range(5):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode("utf-8", "surrogateescape") for a in f.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except (OSError, ValueError):
            return None
        if argv and os.path.basename(argv[0]) in ("git", "git.exe") and "commit" in argv[1:]:
            return argv
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) < 2 or int(fields[1]) <= 1:
            return None
        pid = int(fields[1])
    return None


def _long_name(word: str) -> str:
    name = word[2:].split("=", 1)[0]
    for full, shortest in PREFIXED.items():
        if len(name) >= shortest and full.startswith(name):
            return full
    return name


def parse(argv: list[str]) -> CommitMode:
    """Read ``git ... commit ARGS`` as git's option parser does (bundled short options included)."""
    mode = CommitMode()
    words = argv[argv.index("commit") + 1 :]
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            mode.pathspecs += words[i:]
            break
        if word.startswith("--"):
            name, has_value, value = _long_name(word), "=" in word, word.partition("=")[2]
            if name in LONG_VALUE and not has_value and i < len(words):
                value, i = words[i], i + 1
            elif name == "fixup" and value in ("amend", "reword") and i < len(words):
                # git's option parser cuts "amend:COMMIT" in place: /proc shows "amend" NUL "COMMIT"
                value, i = f"{value}:{words[i]}", i + 1
            _set(mode, name, value)
        elif word.startswith("-") and len(word) > 1:
            for k, letter in enumerate(word[1:], 1):
                if letter in SHORT_VALUE:
                    value = word[k + 1 :]
                    if not value and i < len(words):
                        value, i = words[i], i + 1
                    _set(mode, SHORT_NAMES.get(letter, letter), value)
                    break
                _set(mode, SHORT_NAMES.get(letter, letter), "")
        else:
            mode.pathspecs.append(word)
    return mode


def _set(mode: CommitMode, name: str, value: str) -> None:
    if name in ("amend", "no-amend"):
        mode.amend = name == "amend"
    elif name == "all":
        mode.all = True
    elif name == "only":
        mode.only = True
    elif name == "include":
        mode.include = True
    elif name == "allow-empty":
        mode.allow_empty = True
    elif name in ("reedit-message", "reuse-message"):
        mode.reuse = value
    elif name == "fixup":
        mode.fixup = value


def retry_command(mode: CommitMode, saved: str, authorship: tuple[str, str] | None, edit: bool) -> str:
    """``git commit ... -F SAVED``: the same kind of commit as ``mode``, with the saved message.

    ``authorship``: ``(ident, date)`` of the commit ``-c``/``-C`` reused.
    """
    words = ["git", "commit"]
    if mode.amend:
        words.append("--amend")
    if mode.fixup is not None and mode.fixup.startswith("reword:"):
        words += ["--allow-empty", "--only"]  # what --fixup=reword: does; the message says "amend!"
    elif mode.allow_empty:
        words.append("--allow-empty")
    if authorship is not None:
        words += [f"--author={authorship[0]}", f"--date={authorship[1]}"]
    if mode.all:
        words.append("-a")
    if mode.pathspecs:
        words.append("--include" if mode.include else "--only")
    words += ["-e", "-F", saved] if edit else ["-F", saved]
    if mode.pathspecs:
        words += ["--", *mode.pathspecs]
    return " ".join(quote(w) for w in words)


def quote(word: str) -> str:
    """A word as a POSIX shell reads it back (for a command shown to the user)."""
    if word and all(c.isalnum() or c in "-_./=:@%+," for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"
