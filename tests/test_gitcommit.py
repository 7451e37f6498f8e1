"""Reading the command line of the ``git commit`` that runs the hooks."""

from __future__ import annotations

import pytest

from ai_rollback.gitcommit import parse, quote


@pytest.mark.parametrize(
    ("args", "amend", "all_", "reuse", "fixup", "pathspecs"),
    [
        (["--amend", "--no-edit"], True, False, None, None, []),
        (["--am", "-m", "x"], True, False, None, None, []),
        (["--amend", "--no-amend"], False, False, None, None, []),
        (["-am", "--amend is the message"], False, True, None, None, []),
        (["-aC", "HEAD~1"], False, True, "HEAD~1", None, []),
        (["--reuse=HEAD"], False, False, "HEAD", None, []),
        (["--fixup=amend", "HEAD"], False, False, None, "amend:HEAD", []),
        (["--fixup", "HEAD"], False, False, None, "HEAD", []),
        (["-m", "x", "a.py", "--", "-b.py"], False, False, None, None, ["a.py", "-b.py"]),
    ],
)
def test_parse(
    args: list[str], amend: bool, all_: bool, reuse: str | None, fixup: str | None, pathspecs: list[str]
) -> None:
    mode = parse(["git", "-c", "x=y", "commit", *args])
    assert (mode.amend, mode.all, mode.reuse, mode.fixup, mode.pathspecs) == (
        amend,
        all_,
        reuse,
        fixup,
        pathspecs,
    )


def test_quote() -> None:
    assert quote("--amend") == "--amend"
    assert quote("it's") == "'it'\\''s'"
