"""One call from a message's text and git's settings to the message as git stores and parses it.

:func:`from_file` is for the file a commit-msg hook is given: it decides the
comment string (``core.commentChar=auto`` included), the cleanup git will
apply and whether git cuts at a scissors line, then cleans the text and parses
its trailers.  :func:`from_commit` is for a message git already stored.  The
rules (``rules.py``) judge the :class:`Parsed` result and the report prints it;
neither goes back to :mod:`message` for the text.

On the commit-msg hook path: standard library only.
"""

from __future__ import annotations

from ai_rollback import message

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from ai_rollback.gitconfig import GitSettings


class Parsed:
    """A message as git stores it: its lines, subject and trailers (lines 0-based in the stored text).

    ``comment`` is the comment string git parses the stored message with;
    ``raw_line(i)`` is the 1-based line of stored line ``i`` in the original
    file (None when unknown); ``nul_line`` is the 0-based line of a NUL byte
    git would refuse, in the original text.
    """

    __slots__ = ("comment", "file_comment", "lines", "nul_line", "raw_line", "text", "trailers")

    def __init__(
        self,
        text: str,
        trailers: list[message.Trailer],
        comment: str,
        raw_line: Callable[[int], int | None],
        file_comment: str | None = None,
        nul_line: int | None = None,
    ) -> None:
        self.text = text
        self.trailers = trailers
        self.comment = comment
        self.raw_line = raw_line
        self.file_comment = file_comment or comment
        self.nul_line = nul_line
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.lines = lines

    @property
    def subject(self) -> str:
        return self.lines[0] if self.lines else ""

    def is_empty(self) -> bool:
        """Nothing to commit: git aborts (a message git refuses for its NUL byte is not empty)."""
        return self.nul_line is None and not self.text.strip(message.SPACE)

    def trailers_in_file(self) -> list[message.Trailer]:
        """The trailers with their lines in the original file (1-based), for a report."""
        return [message.Trailer(t.key, t.value, self.raw_line(t.line) or 0) for t in self.trailers]


def comment_of(raw: str, settings: GitSettings) -> str:
    """The comment string of a message file (``auto``: the one git's own lines use)."""
    return message.detect_auto_comment(raw) if settings.comment == "auto" else settings.comment


def clean(raw: str, settings: GitSettings, editor: bool) -> message.CleanMessage:
    """The message as git will store it.

    git cuts at the scissors line with ``-v`` (or ``commit.verbose``) and with
    ``--cleanup=scissors`` in the editor; the hook is not told about ``-v``, but
    git's own ``-v`` template in the file shows it.
    """
    mode = message.effective_cleanup(settings.cleanup, editor)
    comment = comment_of(raw, settings)
    cut = mode == "scissors" or settings.verbose or (editor and message.verbose_template(raw, comment))
    return message.clean_message(raw, comment, mode, cut)


def from_file(raw: str, settings: GitSettings, editor: bool) -> Parsed:
    """The message git will store from this commit-msg file, with its trailers parsed."""
    comment = comment_of(raw, settings)
    nul = raw.find("\0")
    if 0 <= nul < message.scissors_offset(raw, comment):
        subject = raw[: raw.find("\n")] if "\n" in raw[:nul] else raw[:nul]
        return Parsed(
            subject + "\n", [], settings.parse_comment, lambda i: i + 1, comment, raw.count("\n", 0, nul)
        )
    cleaned = clean(raw, settings, editor)
    trailers = message.parse_trailers(
        cleaned.text, settings.parse_comment, settings.separators, settings.configured
    )
    return Parsed(cleaned.text, trailers, settings.parse_comment, cleaned.raw_line, comment)


def from_commit(text: str, settings: GitSettings) -> Parsed:
    """A message git stored, with its trailers parsed as git parses them."""
    trailers = message.parse_trailers(text, settings.parse_comment, settings.separators, settings.configured)
    return Parsed(text, trailers, settings.parse_comment, lambda i: i + 1)
