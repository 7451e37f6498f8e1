"""Printing for the commands: one line at a time, flushed, as ``click.echo`` does.

The commands are plain functions (callable from tests without click); this is
all they need of a terminal.
"""

from __future__ import annotations

import sys


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """Write ``text`` (and a newline) to stdout, or stderr with ``err``, and flush."""
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n" if nl else text)
    stream.flush()


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 commit``, ``2 commits`` (``many`` for irregular plurals)."""
    return f"{count} {word if count == 1 else many or word + 's'}"
