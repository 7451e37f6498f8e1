"""``ai-rollback check``: a message file, standard input, JSON, a range."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Repo, ai_message, run


def test_check_reads_stdin(
    inside: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Human: from stdin\n")))
    assert run(["check"], capsys)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"nope\n")))
    code, out, _ = run(["check", "-"], capsys)
    assert code == 1 and out.startswith("<stdin>:1: subject-label")


def test_check_json_schema(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.write("a.py", "a\n")
    inside.git("add", "a.py")
    inside.write("m", ai_message("x", ["a.py", "b.py"]))
    code, out, _ = run(["check", "--format", "json", "m"], capsys)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    (commit,) = data["commits"]
    assert set(commit) == {"sha", "kind", "subject", "trailers", "violations"}
    assert commit["sha"] is None and commit["kind"] == "ai"
    assert commit["trailers"][0] == {"key": "Generated-by", "value": "Claude Sonnet 4.5"}
    assert commit["violations"] == [
        {"rule": "files-mismatch", "level": "error", "line": 5, "message": commit["violations"][0]["message"]}
    ]
    inside.write("empty", "# nothing\n")
    assert json.loads(run(["check", "--format=json", "empty"], capsys)[1]) == {
        "ok": True,
        "commits": [],
    }


def test_check_range(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.commit("Human: one", {"a": "a\n"})
    base = inside.head()
    inside.commit(ai_message("two", ["b.py"]), {"b.py": "b\n"})
    inside.commit("three", {"c": "c\n"})
    code, out, err = run(["check", "--range", f"{base}..HEAD"], capsys)
    assert code == 1 and out.count("\n") == 1 and "2 commits checked, 1 breaks" in err
    code, out, _ = run(["check", "--range", f"{base}..HEAD~1", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["commits"][0]["kind"] == "ai"
    assert len(data["commits"][0]["sha"]) == 40


@pytest.mark.parametrize("bad", ["--output={out}", "-p", "", "nosuchref..HEAD", "HEAD..nosuch"])
def test_range_is_never_an_option(
    inside: Repo, bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inside.commit("Human: one", {"a": "a\n"})
    out = tmp_path / "written-by-git-log"
    code, _, err = run(["check", f"--range={bad.format(out=out)}"], capsys)
    assert code == 2 and "Traceback" not in err
    assert not out.exists()


def test_range_conflicts_with_file_and_fix(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", "--range", "HEAD", "m"], capsys)[0] == 2
    assert run(["check", "--fix"], capsys)[0] == 2


def test_the_command_is_a_function_of_plain_values(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    from ai_rollback.commands import check

    inside.commit("Human: one", {"a": "a\n"})
    inside.commit("no label", {"b": "b\n"})
    assert check.check_range("HEAD~1..HEAD", "json") == 1
    data = json.loads(capsys.readouterr().out)
    assert [v["rule"] for v in data["commits"][0]["violations"]] == ["subject-label"]
    assert check.check_range("HEAD~1", "text") == 0
    assert capsys.readouterr().err == "ai-rollback: 1 commit checked, 0 break the convention\n"
