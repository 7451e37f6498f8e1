"""``log --format agent-trace``: one Agent Trace record per AI or mixed commit, valid by the spec's schema.

The schema is the one the specification's repository publishes (vendored in
``tests/data/agent-trace``, its source named there); the line ranges are
checked against what git says the commit added.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ai_rollback import trace
from conftest import Repo, ai_message

SCHEMA = json.loads((Path(__file__).parent / "data" / "agent-trace" / "trace-record.schema.json").read_text())


def records(repo: Repo, *args: str) -> list[dict[str, object]]:
    done = repo.tool("log", *args, "--format", "agent-trace")
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_every_ai_commit_becomes_a_valid_record_with_the_lines_it_added(repo: Repo) -> None:
    repo.commit("Human: start", {"app.py": "one\ntwo\nthree\n", "README": "r\n"})
    base = repo.head()
    repo.commit(
        ai_message("cache", ["app.py", "cache/new file.py"], model="Claude Sonnet 4.5"),
        {"app.py": "one\nnew a\nnew b\ntwo\nthree\nnew c\n", "cache/new file.py": "x\ny\n"},
    )
    ai_sha = repo.head()
    repo.commit("Human: docs", {"README": "r\ns\n"})
    repo.git("mv", "app.py", "main.py")
    repo.commit(
        ai_message("rename", ["app.py", "main.py"], model="gpt-5"), {"main.py": "one\nnew a\nnew b\ntwo\n"}
    )
    found = records(repo, f"{base}..HEAD")
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for record in found:
        validator.validate(record)
    assert [r["vcs"]["revision"] for r in found] == [repo.head(), ai_sha]  # type: ignore[index]
    newest, first = found
    assert first["files"] == [
        {
            "path": "app.py",
            "conversations": [
                {
                    "contributor": {"type": "ai", "model_id": "anthropic/claude-sonnet-4-5"},
                    "ranges": [{"start_line": 2, "end_line": 3}, {"start_line": 6, "end_line": 6}],
                }
            ],
        },
        {
            "path": "cache/new file.py",
            "conversations": [
                {
                    "contributor": {"type": "ai", "model_id": "anthropic/claude-sonnet-4-5"},
                    "ranges": [{"start_line": 1, "end_line": 2}],
                }
            ],
        },
    ]
    assert newest["files"] == []  # a rename that only removed a line added none
    assert first["id"] == trace.record_id(ai_sha) and records(repo, f"{base}..HEAD") == found  # stable
    assert first["metadata"] == {
        "dev.ai-rollback": {
            "model": "Claude Sonnet 4.5",
            "kind": "ai",
            "subject": "AI: cache",
            "prompt": "make it faster",
        }
    }


def test_an_ai_commit_is_credited_only_with_the_files_it_lists(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    base = repo.head()
    repo.write("b.py", "b\n")
    repo.git("add", "b.py")
    repo.commit(ai_message("a", ["a.py"]), {"a.py": "a\nmore\n"}, "--no-verify")
    (record,) = records(repo, f"{base}..HEAD")
    assert [f["path"] for f in record["files"]] == ["a.py"]  # type: ignore[index]


def test_no_ai_commits_no_records(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    assert repo.tool("log", "--format", "agent-trace").stdout == ""


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("Claude Sonnet 4.5", "anthropic/claude-sonnet-4-5"),
        ("claude-opus-4-5-20251101", "anthropic/claude-opus-4-5-20251101"),
        ("GPT-5", "openai/gpt-5"),
        ("o3-mini", "openai/o3-mini"),
        ("Gemini 2.5 Pro", "google/gemini-2.5-pro"),
        ("openrouter/some-model", "openrouter/some-model"),
        ("Our in-house model", None),
        (None, None),
    ],
)
def test_model_ids(model: str | None, expected: str | None) -> None:
    assert trace.model_id(model) == expected


def test_added_ranges_read_git_quoting_renames_and_deletions() -> None:
    lines = [
        'diff --git "a/t\\tab" "b/t\\tab"',
        "new file mode 100644",
        "--- /dev/null",
        '+++ "b/t\\tab"',
        "@@ -0,0 +1 @@",
        "+x",
        "diff --git a/gone b/gone",
        "deleted file mode 100644",
        "--- a/gone",
        "+++ /dev/null",
        "@@ -1,2 +0,0 @@",
        "-a",
        "-b",
        "diff --git a/img.png b/img.png",
        "Binary files a/img.png and b/img.png differ",
        "diff --git a/old b/new",
        "similarity index 90%",
        "rename from old",
        "rename to new",
        "--- a/old",
        "+++ b/new",
        "@@ -3,0 +4,2 @@ def f():",
        "+y",
        "+z",
    ]
    assert trace.added_ranges(lines) == [("t\tab", [(1, 1)]), ("new", [(4, 5)])]
