"""``Files:`` values: splitting, quoting, matching."""

from __future__ import annotations

from ai_rollback.filelist import files_mismatch, files_of, listed_files, quote_path, split_files
from ai_rollback.message import Trailer


def test_quoted_paths_round_trip() -> None:
    paths = ["plain.py", "with, comma.py", 'quote".py', " edge "]
    assert split_files([", ".join(quote_path(p) for p in paths)]) == paths


def test_files_are_the_trailer_else_what_git_changed() -> None:
    listed = [Trailer("Files", "a.py, b.py"), Trailer("files", "c.py")]
    assert listed_files(listed) == ["a.py", "b.py", "c.py"]
    assert files_of(listed, ["x.py"]) == ["a.py", "b.py", "c.py"]
    assert files_of([Trailer("Generated-by", "m")], ["x.py", "y.py", "x.py"]) == ["x.py", "y.py"]
    assert files_mismatch(["src/"], ["src/a.py", "b.py"], "cover") == (["b.py"], [])
