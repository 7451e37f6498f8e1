"""git-ai's authorship notes (refs/notes/ai): parsed purely, read whole from git, and classified."""

from __future__ import annotations

import json

import pytest

from ai_rollback.notes import Note, NoteError, parse_note
from conftest import Repo, tool


def note(attest: str, **meta: object) -> str:
    return (
        attest + "---\n" + json.dumps({"schema_version": "authorship/3.0.0", "base_commit_sha": "x", **meta})
    )


AI_ONLY = note(
    "src/main.go\n  abcd1234abcd1234 1-5\n",
    prompts={"abcd1234abcd1234": {"agent_id": {"tool": "cursor", "id": "x", "model": "gpt-5"}}},
)
MIXED = note(
    "test.json\n  h_dca485b1adf836 3-4,7-14\n  d4a7828bfdafe456 5-6\n",
    prompts={"d4a7828bfdafe456": {"agent_id": {"tool": "claude", "model": "claude-opus-4-7"}}},
    humans={"h_dca485b1adf836": {"author": "Dmytro"}},
)
SESSION = note(
    "calc.mjs\n  s_a76964380084ef::t_a3a130d3e145e3 28\n",
    sessions={"s_a76964380084ef": {"agent_id": {"tool": "claude", "model": "claude-opus-5"}}},
)
HUMAN_ONLY = note("app.txt\n  h_1 1\n", prompts={}, humans={"h_1": {"author": "Ada"}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (AI_ONLY, Note(5, 0, "cursor", "gpt-5")),
        (MIXED, Note(2, 10, "claude", "claude-opus-4-7")),
        (SESSION, Note(1, 0, "claude", "claude-opus-5")),
        (HUMAN_ONLY, Note(0, 1, None, None)),
    ],
)
def test_parse_note(text: str, expected: Note) -> None:
    assert parse_note(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "no separator",
        "a\n---\n{not json",
        "a\n---\n" + json.dumps({"schema_version": "2"}),
        note("f\n  x 1-a\n"),
    ],
)
def test_a_malformed_note_is_a_note_error(text: str) -> None:
    with pytest.raises(NoteError):
        parse_note(text)


def test_log_and_revert_read_the_notes(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    repo.git("tag", "v1")
    shas = []
    for n, text in enumerate([AI_ONLY, MIXED, HUMAN_ONLY, "garbage"]):
        repo.commit(f"change {n}", {f"f{n}": f"{n}\n"}, "--no-verify")
        repo.git("notes", "--ref=ai", "add", "-m", text, "HEAD")
        shas.append(repo.head())
    repo.commit("change 4", {"f4": "4\n"}, "--no-verify")  # no note at all
    done = tool(repo, "log", "v1..HEAD", "--format", "json")
    assert done.returncode == 0, done.stderr
    got = {c["sha"]: (c["kind"], c["model"]) for c in json.loads(done.stdout)["commits"]}
    assert [got[s] for s in shas] == [
        ("ai", "gpt-5"),
        ("mixed", "claude-opus-4-7"),
        ("human", None),
        ("human", None),
    ]
    assert done.stderr.count("warning:") == 1 and f"({shas[3][:10]}: no --- line)" in done.stderr
    assert "Traceback" not in done.stderr


def test_log_lines_counts_what_the_notes_attest(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    repo.git("tag", "v1")
    repo.commit("change", {"f": "".join(f"{n}\n" for n in range(20))}, "--no-verify")  # 20 lines changed
    repo.git("notes", "--ref=ai", "add", "-m", MIXED, "HEAD")  # 2 AI lines, 10 by people
    summary = json.loads(tool(repo, "log", "v1..HEAD", "--format", "json", "--lines").stdout)["summary"]
    assert summary["lines"] == {"changed": 20, "ai": 2, "ai_share": 0.1}
