"""Commit messages as git reads them: cleanup, comment lines, scissors, trailers.

Pure functions over text.  Nothing here runs git or reads configuration: the
comment string, the cleanup mode, the trailer separators and the configured
trailer keys are passed in (``gitconfig.GitSettings`` reads them).

The trailer rules are a line-by-line port of git's ``trailer.c``,
``commit.c:ignore_non_trailer`` and ``wt-status.c:wt_status_locate_end`` at
v2.39.5 (unchanged through 2.55), including their quirks, so that what we
parse is exactly what ``git interpret-trailers --parse --no-divider`` and
``git log --format=%(trailers)`` report.  The tests check that against git
itself on generated messages.

Text is ``str`` decoded from bytes with UTF-8 and ``surrogateescape``; every
character test is git's own ASCII table, so non-ASCII text behaves as it does
in git (neither a letter nor a space).

This module is on the commit-msg hook path: standard library only, and not
even ``re`` or ``typing``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

#: git's isspace(): exactly these four characters.
SPACE = " \t\n\r"
#: The scissors line, after the comment string.
CUT_LINE = " ------------------------ >8 ------------------------\n"
#: Lines git itself writes into trailer blocks, recognised for the 25% rule.
GIT_GENERATED_PREFIXES = ("Signed-off-by: ", "(cherry picked from commit ")
#: ``commit.cleanup`` values git accepts.
CLEANUP_MODES = ("default", "strip", "whitespace", "verbatim", "scissors")
#: Candidates git tries, in order, for ``core.commentChar=auto``.
AUTO_COMMENT_CANDIDATES = "#;@!$%^&|:"


def _is_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_blank_line(text: str, pos: int) -> bool:
    """git's is_blank_line(): only space chars up to the newline (or the end)."""
    n = len(text)
    while pos < n and text[pos] != "\n":
        if text[pos] not in SPACE:
            return False
        pos += 1
    return True


def _next_line(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl + 1


def _last_line(text: str, length: int) -> int:
    """git's last_line(): start of the last line of ``text[:length]``, -1 if none."""
    if length == 0:
        return -1
    if length == 1:
        return 0
    nl = text.rfind("\n", 0, length - 1)
    return nl + 1


_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"
_key_chars_for: dict[str, str] = {}


def find_separator(line: str, separators: str = ":") -> int:
    """Index of the trailer separator in ``line``; -1 when it is not a trailer.

    The key is ``[A-Za-z0-9-]+`` optionally followed by spaces or tabs; 0 means
    the line starts with a separator (not a trailer either).  Same result as
    git's character loop, with the key scanned by ``str.lstrip``.
    """
    keys = _key_chars_for.get(separators)
    if keys is None:
        keys = "".join(c for c in _KEY_CHARS if c not in separators)  # git tests separators first
        _key_chars_for[separators] = keys
    rest = line.lstrip(keys)
    i = len(line) - len(rest)
    if rest[:1] and rest[0] in separators:
        return i
    if i == 0 or rest[:1] not in (" ", "\t"):
        return -1
    rest = rest.lstrip(" \t")
    if rest[:1] and rest[0] in separators:
        return len(line) - len(rest)
    return -1


class ConfiguredTrailer:
    """A ``trailer.<name>.*`` entry of git config: ``name`` and its ``key``, if set."""

    __slots__ = ("key", "name")

    def __init__(self, name: str, key: str | None = None) -> None:
        self.name = name
        self.key = key

    def matches(self, token: str, length: int) -> bool:
        """git's token_matches_item(): ``token[:length]`` is a prefix, ignoring case."""
        head = token[:length].lower()
        if len(token) < length:
            return False
        if self.name[:length].lower() == head and len(self.name) >= length:
            return True
        return self.key is not None and len(self.key) >= length and self.key[:length].lower() == head

    def __repr__(self) -> str:
        return f"ConfiguredTrailer({self.name!r}, {self.key!r})"


class Trailer:
    """One trailer as git parses it: key as written, value unfolded and trimmed.

    ``line`` is the 0-based index of the line the trailer starts on, in the text
    it was parsed from (callers map it back to the file they read).
    """

    __slots__ = ("key", "line", "value")

    def __init__(self, key: str, value: str, line: int = 0) -> None:
        self.key = key
        self.value = value
        self.line = line

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Trailer):
            return NotImplemented
        return (self.key, self.value, self.line) == (other.key, other.value, other.line)

    def __hash__(self) -> int:
        return hash((self.key, self.value, self.line))

    def __repr__(self) -> str:
        return f"Trailer({self.key!r}, {self.value!r}, line={self.line})"

    def key_is(self, name: str) -> bool:
        """git compares trailer keys without regard to case."""
        return self.key.lower() == name.lower()


# --------------------------------------------------------------------------
# Locating the message end and the trailer block (git's trailer_info_get)
# --------------------------------------------------------------------------


def scissors_offset(text: str, comment: str = "#") -> int:
    """Where the scissors line starts (git's wt_status_locate_end); len(text) if none."""
    pattern = "\n" + comment + CUT_LINE
    if text.startswith(pattern[1:]):
        return 0
    found = text.find(pattern)
    return len(text) if found < 0 else found + 1


def trailer_end(text: str, comment: str = "#") -> int:
    """End of the log message proper (git's ignore_non_trailer).

    Cuts at the scissors line, then drops the final run of comment lines, empty
    lines and an old-style ``Conflicts:`` block.  New trailers are inserted here.
    Mirrors git including its quirk that a run starting at offset 0 is only
    remembered from its second line.
    """
    cutoff = scissors_offset(text, comment)
    boc = 0
    bol = 0
    in_old_conflicts_block = False
    while bol < cutoff:
        nxt = _next_line(text, bol)
        if text.startswith(comment, bol) or text.startswith("\n", bol):
            if not boc:
                boc = bol
        elif text.startswith("Conflicts:\n", bol):
            in_old_conflicts_block = True
            if not boc:
                boc = bol
        elif in_old_conflicts_block and text.startswith("\t", bol):
            pass
        elif boc:
            boc = 0
            in_old_conflicts_block = False
        bol = nxt
    return boc if boc else cutoff


def _title_end(text: str, length: int, comment: str) -> int:
    pos = 0
    while pos < length:
        if text.startswith(comment, pos):
            pos = _next_line(text, pos)
            continue
        if _is_blank_line(text, pos):
            break
        pos = _next_line(text, pos)
    return pos


def trailer_start(
    text: str,
    length: int,
    comment: str = "#",
    separators: str = ":",
    configured: Sequence[ConfiguredTrailer] = (),
) -> int:
    """Start of the trailer block inside ``text[:length]``; ``length`` if there is none.

    git's find_trailer_start(): only the last paragraph, never the title; all
    lines trailers, or a git-generated / configured line and at least 25%
    trailers.
    """
    end_of_title = _title_end(text, length, comment)
    only_spaces = True
    recognized_prefix = False
    trailer_lines = 0
    non_trailer_lines = 0
    possible_continuation_lines = 0

    pos = _last_line(text, length)
    while pos >= end_of_title:
        if text.startswith(comment, pos):
            non_trailer_lines += possible_continuation_lines
            possible_continuation_lines = 0
        elif _is_blank_line(text, pos):
            if not only_spaces:
                non_trailer_lines += possible_continuation_lines
                if recognized_prefix and trailer_lines * 3 >= non_trailer_lines:
                    return _next_line(text, pos)
                if trailer_lines and not non_trailer_lines:
                    return _next_line(text, pos)
                return length
        else:
            only_spaces = False
            if text.startswith(GIT_GENERATED_PREFIXES, pos):
                trailer_lines += 1
                possible_continuation_lines = 0
                recognized_prefix = True
            else:
                line = text[pos : _next_line(text, pos)]
                sep = find_separator(line, separators)
                if sep >= 1 and line[0] not in SPACE:
                    trailer_lines += 1
                    possible_continuation_lines = 0
                    if not recognized_prefix and any(item.matches(line, sep) for item in configured):
                        recognized_prefix = True
                elif line[0] in SPACE:
                    possible_continuation_lines += 1
                else:
                    non_trailer_lines += 1 + possible_continuation_lines
                    possible_continuation_lines = 0
        pos = _last_line(text, pos)
    return length


def trailer_block(
    text: str,
    comment: str = "#",
    separators: str = ":",
    configured: Sequence[ConfiguredTrailer] = (),
) -> tuple[int, int]:
    """``(start, end)`` offsets of the trailer block; ``start == end`` when there is none.

    Uses no-divider semantics, as ``git log`` and ``git commit`` do.
    """
    text = _until_nul(text)
    end = trailer_end(text, comment)
    start = trailer_start(text, end, comment, separators, configured)
    return start, end


def _until_nul(text: str) -> str:
    nul = text.find("\0")
    return text if nul < 0 else text[:nul]


def _trim(value: str) -> str:
    return value.strip(SPACE)


def _unfold(value: str) -> str:
    if "\n" not in value:
        return _trim(value)
    out = []
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        i += 1
        if ch == "\n":
            while i < n and value[i] in SPACE:
                i += 1
            out.append(" ")
        else:
            out.append(ch)
    return _trim("".join(out))


def _token_len_without_separator(token: str) -> int:
    length = len(token)
    while length > 0 and not _is_alnum(token[length - 1]):
        length -= 1
    return length


def parse_trailers(
    text: str,
    comment: str = "#",
    separators: str = ":",
    configured: Sequence[ConfiguredTrailer] = (),
) -> list[Trailer]:
    """Every trailer git parses from ``text``, in order (``--parse --no-divider``).

    Keys are as written, except that a key matching a configured trailer is
    rewritten to that trailer's ``key``, as git does; values are unfolded.

    The same rules as :func:`trailer_block`, run over the list of lines (this
    is on every hot path: the hooks, ai-revert, the report); the tests hold
    both to git's own output.
    """
    quick = _quick_trailers(text, comment, separators, configured)
    return quick if quick is not None else _parse_trailers(text, comment, separators, configured)


def _quick_trailers(
    text: str, comment: str, separators: str, configured: Sequence[ConfiguredTrailer]
) -> list[Trailer] | None:
    """:func:`parse_trailers` for the two shapes most messages have, else None.

    Either the last paragraph holds no separator at all (no trailers), or it
    is a clean block of ``Token: value`` lines after a title.  Both need the
    message to end on an ordinary line (so nothing is cut at its end) and to
    hold no scissors line; anything else takes the full rules.
    """
    if "\0" in text or (">8" in text and comment + CUT_LINE[:-1] in text):
        return None
    body = text[:-1] if text[-1:] == "\n" else text
    last = body[body.rfind("\n") + 1 :]
    if not last or last[0] in SPACE or last.startswith(comment) or last == "Conflicts:":
        return None
    brk = body.rfind("\n\n")
    para = body[brk + 2 :] if brk >= 0 else body
    if separators != ":":
        return [] if not any(sep in para for sep in separators) else None
    if ":" not in para:
        return []  # no line of the last paragraph can be a trailer
    if brk <= 0 or configured or body[0] in SPACE or body.startswith(comment) or _is_token(comment):
        return None
    line_no = body.count("\n", 0, brk) + 2
    out = []
    for line in para.split("\n"):
        key, colon, value = line.partition(":")
        # _is_token(key), inline: this loop runs for every trailer of every message read
        if not colon or not key.isascii() or not key.replace("-", "").isalnum():
            return None
        out.append(Trailer(key, value.strip(SPACE), line_no))
        line_no += 1
    return out


def _is_token(text: str) -> bool:
    """Letters, digits and '-' only (ASCII), at least one: a trailer key git reads as written."""
    return text.isascii() and text.replace("-", "").isalnum()


def _parse_trailers(
    text: str, comment: str, separators: str, configured: Sequence[ConfiguredTrailer]
) -> list[Trailer]:
    text = _until_nul(text)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the text ends with a newline (or is empty)
    count = len(lines)
    cut = comment + CUT_LINE[:-1]
    # the end of the message: the scissors line (it must end with a newline), then the
    # final run of comment lines, empty lines and an old "Conflicts:" block
    cutoff = count
    for k in range(count):
        if lines[k] == cut and (k < count - 1 or text.endswith("\n")):
            cutoff = k
            break
    # ``boc`` is git's offset of the run's first line; git tests it with "if (!boc)", so
    # a run starting at offset 0 counts as no run at all: None stands for git's 0
    boc: int | None = None
    in_conflicts = False
    for k in range(cutoff):
        line = lines[k]
        if line.startswith(comment) or line == "":
            if boc is None:
                boc = k or None
        elif line == "Conflicts:" and (k < count - 1 or text.endswith("\n")):
            in_conflicts = True
            if boc is None:
                boc = k or None
        elif in_conflicts and line.startswith("\t"):
            pass
        elif boc is not None:
            boc = None
            in_conflicts = False
    end = boc if boc is not None else cutoff
    # the title paragraph
    title_end = end
    for k in range(end):
        line = lines[k]
        if line.startswith(comment):
            continue
        if not line.strip(SPACE):
            title_end = k
            break
    # the last paragraph, backwards
    start = end
    only_spaces = True
    recognized = False
    trailer_count = non_trailer = pending = 0
    k = end - 1
    while k >= title_end:
        line = lines[k]
        if line.startswith(comment):
            non_trailer += pending
            pending = 0
        elif not line.strip(SPACE):
            if not only_spaces:
                non_trailer += pending
                if (recognized and trailer_count * 3 >= non_trailer) or (trailer_count and not non_trailer):
                    start = k + 1
                break
        else:
            only_spaces = False
            if line.startswith(GIT_GENERATED_PREFIXES):
                trailer_count += 1
                pending = 0
                recognized = True
            elif line[0] in SPACE:
                pending += 1
            else:
                sep = find_separator(line, separators)
                if sep >= 1:
                    trailer_count += 1
                    pending = 0
                    if not recognized and configured and any(item.matches(line, sep) for item in configured):
                        recognized = True
                else:
                    non_trailer += 1 + pending
                    pending = 0
        k -= 1
    trailers: list[Trailer] = []
    if start >= end:
        return trailers
    items: list[list[object]] = []  # [text, first line]
    last_is_trailer = False
    for k in range(start, end):
        line = lines[k]
        if last_is_trailer and line and line[0] in SPACE:
            items[-1][0] = f"{items[-1][0]}\n{line}"
        else:
            items.append([line, k])
            last_is_trailer = find_separator(line, separators) >= 1
    for raw, first in items:
        item = str(raw)
        if item.startswith(comment):
            continue
        sep = find_separator(item, separators)
        if sep < 1:
            continue
        key = _trim(item[:sep])
        value = _unfold(_trim(item[sep + 1 :]))
        if configured:
            key_len = _token_len_without_separator(key)
            for conf in configured:
                if conf.matches(key, key_len):
                    if conf.key is not None:
                        key = conf.key
                    break
        trailers.append(Trailer(key, value, int(first)))  # type: ignore[call-overload]
    return trailers


def format_trailers(trailers: Iterable[Trailer], separators: str = ":") -> str:
    """Render trailers exactly as ``git interpret-trailers --parse`` prints them."""
    out = []
    for t in trailers:
        last = t.key.rstrip(SPACE)[-1:]
        if not last:
            continue
        if last in separators:
            out.append(f"{t.key}{t.value}\n")
        else:
            out.append(f"{t.key}{separators[0]} {t.value}\n")
    return "".join(out)


def _split_keep(text: str) -> list[str]:
    """Split into lines that keep their newline (git's strbuf_split_buf)."""
    lines = text.splitlines(keepends=True) if text else []
    # str.splitlines() also splits on \r, \v, \x1c..., git only on \n: rejoin.
    out: list[str] = []
    for piece in lines:
        if out and not out[-1].endswith("\n"):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` split on ``\\n`` only, each keeping its newline."""
    return _split_keep(text)


# --------------------------------------------------------------------------
# Cleanup: what git commit does to the message after the commit-msg hook
# --------------------------------------------------------------------------


def effective_cleanup(mode: str, editor: bool) -> str:
    """git's resolution of ``commit.cleanup`` / ``--cleanup`` for one commit.

    Returns ``strip``, ``whitespace``, ``scissors`` or ``verbatim``.
    """
    if mode == "default":
        return "strip" if editor else "whitespace"
    if mode == "scissors":
        return "scissors" if editor else "whitespace"
    if mode in ("strip", "whitespace", "verbatim"):
        return mode
    return "strip" if editor else "whitespace"


def detect_auto_comment(text: str) -> str:
    """The comment string ``core.commentChar=auto`` made git use in ``text``.

    git picks the first candidate that begins no line of the prepared message
    and writes its status lines with it; we find which one git's own lines use.
    """
    markers = (
        " Please enter the commit message",
        " Please enter a commit message",
        CUT_LINE.rstrip("\n"),
        " This is a combination of",
        " It looks like you may be committing",
        " Conflicts:",
    )
    for line in _split_keep(text):
        if line and line[0] in AUTO_COMMENT_CANDIDATES and line[1:].startswith(markers):
            return line[0]
    return "#"


class CleanMessage:
    """A message as git will store it, with each line's number in the original file.

    ``linenos[i]`` is the 1-based line, in the raw text, of line ``i`` of
    ``text``.
    """

    __slots__ = ("comment", "linenos", "text")

    def __init__(self, text: str, linenos: list[int], comment: str) -> None:
        self.text = text
        self.linenos = linenos
        self.comment = comment

    @property
    def subject(self) -> str:
        return self.text.split("\n", 1)[0]

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")[:-1] if self.text.endswith("\n") else self.text.split("\n")

    def raw_line(self, index: int) -> int | None:
        if 0 <= index < len(self.linenos):
            return self.linenos[index]
        return None

    def is_empty(self) -> bool:
        return not self.text.strip(SPACE)


def stripspace(lines: Sequence[tuple[int, str]], comment: str | None) -> list[tuple[int, str]]:
    """git's strbuf_stripspace() over numbered lines (without their newlines).

    Trailing whitespace goes, runs of blank lines become one, leading and
    trailing blank lines go; with ``comment`` set, lines starting with it go
    first.
    """
    out: list[tuple[int, str]] = []
    empties = 0
    for number, line in lines:
        if comment is not None and line and line.startswith(comment):
            continue
        line = line.rstrip(SPACE)
        if line:
            if empties and out:
                out.append((number - 1, ""))
            empties = 0
            out.append((number, line))
        else:
            empties += 1
    return out


_STATUS_LINES = (" Please enter the commit message", " Please enter a commit message")


def verbose_template(raw: str, comment: str = "#") -> bool:
    """Whether git wrote a ``commit -v`` template into this file in this run.

    Its scissors line comes after git's status comments.  A scissors line that
    git's status comments *follow* is stale: text reused with ``-F`` from an
    earlier ``-v`` commit, which git does not cut unless ``-v`` is given again
    (and then it adds a fresh scissors line at the end).
    """
    cut = comment + CUT_LINE
    last = raw.rfind("\n" + cut)
    if last < 0:
        if not raw.startswith(cut):
            return False
        last = -1
    tail = raw[last + 1 :]
    return not any(line.startswith(comment + marker) for line in tail.split("\n") for marker in _STATUS_LINES)


def clean_message(raw: str, comment: str = "#", cleanup: str = "strip", cut: bool = True) -> CleanMessage:
    """The message git will store from the file a commit-msg hook is given.

    ``cleanup`` is an effective mode (see :func:`effective_cleanup`).  With
    ``cut``, everything from the (first) scissors line on is dropped, as git
    does for ``commit -v``, ``commit.verbose`` and ``--cleanup=scissors``.
    """
    raw = _until_nul(raw)
    if cut:
        raw = raw[: scissors_offset(raw, comment)]
    numbered = [(i + 1, line.rstrip("\n")) for i, line in enumerate(_split_keep(raw))]
    if cleanup == "verbatim":
        kept = numbered
        text = raw
    else:
        kept = stripspace(numbered, comment if cleanup == "strip" else None)
        text = "".join(line + "\n" for _, line in kept)
    return CleanMessage(text, [n for n, _ in kept], comment)


# --------------------------------------------------------------------------
# Writing trailers
# --------------------------------------------------------------------------


def fold_value(value: str) -> str:
    """A value that may span lines, folded as git folds trailers (continuations indented)."""
    parts = [part.strip(SPACE) for part in value.replace("\r\n", "\n").split("\n")]
    return "\n ".join(part for part in parts if part)


def add_trailers(
    text: str,
    trailers: Sequence[tuple[str, str]],
    comment: str = "#",
    separators: str = ":",
    configured: Sequence[ConfiguredTrailer] = (),
) -> str:
    """``text`` with ``trailers`` appended the way ``git interpret-trailers`` places them.

    At the end of an existing trailer block; otherwise after the last line of
    the message, after a blank line; always before trailing comments and the
    scissors part.  Unlike git 2.39 it never glues a trailer to a subject that
    lacks its final newline (MERGE_MSG).
    """
    if not trailers:
        return text
    text = _until_nul(text)
    end = trailer_end(text, comment)
    start = trailer_start(text, end, comment, separators, configured)
    sep = separators[:1] or ":"
    new = "".join(f"{key}{sep} {fold_value(value)}".rstrip(" ") + "\n" for key, value in trailers)
    head = text[:end]
    if head and not head.endswith("\n"):
        head += "\n"
    if start >= end and head.strip(SPACE):
        last = head[: len(head) - 1]
        last_line = last[last.rfind("\n") + 1 :]
        if last_line.strip(SPACE):
            head += "\n"
    return head + new + text[end:]
