"""What a hostile reviewer broke in ``log --format agent-trace`` (issue #15's review), one test each.

A a git failing halfway left records on stdout; B a commit after 9999 gave
a timestamp the schema refuses; C U+2028 and C1 controls cut a record in two
for ``str.splitlines()``; D ``| head`` made it exit 1; E model ids lost the
dots of every provider's versions; F a listed ``dir/`` or glob credited no
file; G a squash of two models' commits was credited to the first model.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

from ai_rollback import trace
from conftest import PYTHON, Repo, ai_message

SCHEMA = json.loads((Path(__file__).parent / "data" / "agent-trace" / "trace-record.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def valid_records(repo: Repo, *args: str) -> list[dict[str, object]]:
    """The records, each line as any line splitter cuts it, each valid by the schema."""
    done = repo.tool("log", *args, "--format", "agent-trace")
    found = [json.loads(line) for line in done.stdout.splitlines()]
    for record in found:
        VALIDATOR.validate(record)
    return found


def ours(record: dict[str, object]) -> dict[str, object]:
    return record["metadata"]["dev.ai-rollback"]  # type: ignore[index,no-any-return]


def contributors(record: dict[str, object]) -> dict[str, dict[str, object]]:
    return {f["path"]: f["conversations"][0]["contributor"] for f in record["files"]}  # type: ignore[attr-defined]


# A
def test_a_git_failing_halfway_writes_no_record(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    repo.commit(ai_message("old", ["old.py"], model="gpt-5"), {"old.py": "old1\nold2\n"})
    for n in (1, 2, 3):
        repo.commit(ai_message(f"new {n}", [f"n{n}.py"], model="gpt-5"), {f"n{n}.py": f"{n}\n"})
    blob = repo.out("rev-parse", "HEAD~3:old.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # the oldest diff cannot be read
    done = repo.tool("log", "--format", "agent-trace", check=False)
    assert done.returncode == 3 and "unable to read" in done.stderr
    assert done.stdout == ""  # not three records and a fourth claiming the commit added nothing


# B
def test_a_commit_time_past_9999_or_unreadable_still_gives_a_valid_timestamp(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    repo.commit(ai_message("now", ["b.py"]), {"b.py": "b\n"})
    far = {"GIT_COMMITTER_DATE": "@253402300800 +0000", "GIT_AUTHOR_DATE": "@253402300800 +0000"}
    repo.commit(ai_message("far future", ["c.py"]), {"c.py": "c\n"}, env=far)
    tree = repo.out("write-tree")
    raw = (
        f"tree {tree}\nparent {repo.head()}\nauthor A <a@x> 1 +0000\ncommitter A <a@x> soon +0000\n\n"
        "AI: no time\n\nGenerated-by: GPT-5\nPrompt: p\nFiles: c.py\n"
    )
    sha = repo.run("git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin", input=raw).stdout
    repo.git("update-ref", "HEAD", sha.strip())
    unreadable, future, now = valid_records(repo)  # the schema takes every one
    assert future["timestamp"] == "9999-12-31T23:59:59Z"  # its last second, and the real time:
    assert ours(future)["committed_at"] == 253402300800
    assert unreadable["timestamp"] == "1970-01-01T00:00:00Z" and ours(unreadable)["committed_at"] is None
    assert now["timestamp"] == "2026-01-02T03:04:05Z" and "committed_at" not in ours(now)


# C
def test_line_and_paragraph_separators_stay_inside_one_record(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    subject, prompt = "AI: sub\u2028ject\u2029", "pro\x85mpt \x9b and \x80"
    repo.commit(ai_message(subject[4:], ["b.py"], prompt=prompt), {"b.py": "b\n"})
    repo.commit(ai_message("plain", ["c.py"]), {"c.py": "c\n"})
    out = repo.tool("log", "--format", "agent-trace").stdout
    assert len(out.splitlines()) == 2 and out.count("\n") == 2
    assert not any(c in out for c in "\u2028\u2029\x85\x9b\x80")  # written \uXXXX
    plain, odd = valid_records(repo)
    assert ours(odd)["subject"] == subject and ours(odd)["prompt"] == prompt
    assert ours(plain)["subject"] == "AI: plain"


# D
def test_a_reader_that_stops_early_is_no_error(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    for part in ("a", "b"):  # records far larger than a pipe holds
        for n in range(1000):
            repo.write(f"{part}/module_{n:04}.py", "x\n")
        repo.git("add", part)
        repo.commit(f"AI: many in {part}\n\nGenerated-by: GPT-5\nPrompt: p\n")
    proc = subprocess.Popen(
        [PYTHON, "-m", "ai_rollback", "log", "--format", "agent-trace"],
        cwd=repo.path,
        env=repo.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(100).startswith(b'{"version": ')
    proc.stdout.close()  # as `| head -c 100` does
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0 and err == b""  # as json and html do


# E
@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("GPT-5.1", "openai/gpt-5.1"),
        ("gpt-3.5-turbo", "openai/gpt-3.5-turbo"),
        ("gemini-2.5-pro", "google/gemini-2.5-pro"),
        ("Gemini 2.5 Pro", "google/gemini-2.5-pro"),
        ("DeepSeek V3.1", "deepseek/deepseek-v3.1"),
        ("Qwen2.5 Coder", "alibaba/qwen2.5-coder"),
        ("GPT-5.", "openai/gpt-5"),  # a sentence's full stop is no version
        ("Claude Sonnet 4.5", "anthropic/claude-sonnet-4-5"),  # Anthropic's ids: dashes
        ("claude-3.5-sonnet", "anthropic/claude-3-5-sonnet"),
        ("claude-opus-4-5-20251101", "anthropic/claude-opus-4-5-20251101"),
        ("google/gemini-2.5-pro", "google/gemini-2.5-pro"),
    ],
)
def test_model_ids_keep_the_dot_except_for_anthropic(model: str, expected: str) -> None:
    assert trace.model_id(model) == expected


# F
def test_a_listed_directory_or_glob_credits_the_files_it_covers(repo: Repo) -> None:
    repo.commit("Human: config", {".ai-rollback.toml": 'files-match = "cover"\n'})
    base = repo.head()
    repo.commit(
        ai_message("new module", ["src/"]),
        {"src/one.py": "a\nb\n", "src/two.py": "c\n"},
    )
    assert repo.tool("check", "--range", f"{base}..HEAD").returncode == 0  # the convention takes it
    repo.write("docs/notes.md", "n\n")  # changed, and not listed: not claimed as AI output
    repo.git("add", "docs")
    repo.commit(ai_message("glob", ["*.py"], model="GPT-5"), {"app.py": "x\n"}, "--no-verify")
    glob, module = valid_records(repo, f"{base}..HEAD")
    assert [(f["path"], f["conversations"][0]["ranges"]) for f in module["files"]] == [  # type: ignore[attr-defined]
        ("src/one.py", [{"start_line": 1, "end_line": 2}]),
        ("src/two.py", [{"start_line": 1, "end_line": 1}]),
    ]
    assert [f["path"] for f in glob["files"]] == ["app.py"]  # type: ignore[attr-defined]


# G
SQUASH = """AI: Add the cache (#12)

* AI: cache images

Generated-by: Claude Sonnet 4.5
Prompt: cache the thumbnails
Files: cache.py

* AI: evict old entries

Generated-by: GPT-5
Prompt: evict
Files: cache.py, evict.py

---------

Generated-by: Claude Sonnet 4.5
Generated-by: GPT-5
Prompt: 2 prompts, each in its squashed commit above
Files: cache.py, evict.py, docs.md
Squashed-commits: 2: 1a2b3c4d5e6f, 7a8b9c0d1e2f
"""


def test_a_squash_of_two_models_credits_each_file_to_the_model_that_wrote_it(repo: Repo) -> None:
    repo.commit("Human: start", {"a.py": "a\n"})
    repo.commit(SQUASH, {"cache.py": "x\n", "evict.py": "y\n", "docs.md": "d\n"})
    repo.commit(
        "AI: one model\n\n* AI: a\n\nGenerated-by: GPT-5\nPrompt: p\nFiles: a.py\n\n"
        "* AI: b\n\nGenerated-by: GPT-5\nPrompt: q\nFiles: b.py\n\n---------\n\n"
        "Generated-by: GPT-5\nPrompt: 2 prompts\nFiles: a.py, b.py\nSquashed-commits: 2: 1a2b3c4d, 5e6f7a8b\n",
        {"a.py": "a\nb\n", "b.py": "b\n"},
    )
    single, squash = valid_records(repo)
    assert contributors(squash) == {
        "cache.py": {"type": "ai"},  # both models' sections list it: whose lines are whose, we cannot tell
        "evict.py": {"type": "ai", "model_id": "openai/gpt-5"},
        "docs.md": {"type": "ai"},  # listed by the squash only: either model's
    }
    assert ours(squash)["models"] == ["Claude Sonnet 4.5", "GPT-5"] and "model" not in ours(squash)
    assert contributors(single) == {  # one model: the record of any one commit
        "a.py": {"type": "ai", "model_id": "openai/gpt-5"},
        "b.py": {"type": "ai", "model_id": "openai/gpt-5"},
    }
    assert ours(single)["model"] == "GPT-5" and "models" not in ours(single)
