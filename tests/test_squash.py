"""GitHub squash merges: each section read as its own message; all AI is ai, some AI is mixed."""

from __future__ import annotations

import json

import pytest

from ai_rollback import config as project_config
from ai_rollback.classify import Classification, Detection, classify, detection_from, squash_sections
from conftest import Repo, tool
from revert.revert_helpers import ai_revert

CLAUDE = "Co-authored-by: Claude <noreply@anthropic.com>"
ALL_AI = (
    "Add the cache (#12)\n\n"
    "* cache images\n\nsome body\n\n" + CLAUDE + "\n\n"
    "* evict old entries\n\nAssisted-by: Claude:claude-opus-4-5\n\n"
    "---------\n\nCo-authored-by: Ada <ada@example.com>\n"
)
MIXED = (
    "Add the cache (#13)\n\n"
    "* cache images\n\n" + CLAUDE + "\n\n"
    "* fix the AI's cache by hand\n\n"
    "---------\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
)
TAIL_ONLY = "Tidy (#14)\n\n* one\n\n* two\n\n---------\n\n" + CLAUDE + "\n"
PROSE_LIST = "Release notes\n\n* faster start\n* fewer bugs\n* thanks to Claude\n"
#: GitLab's %{all_commits}: each commit's message after "* ", newest first; no separator
GITLAB_TITLED = (
    "Add the cache\n\n* evict old entries\n\nby hand\n\n* cache images\n\nsome body\n\n" + CLAUDE + "\n"
)
GITLAB_BARE = (
    "* evict old entries\n\n" + CLAUDE + "\n\n* cache images\n\nAssisted-by: Claude:claude-opus-4-5\n"
)
GITLAB_ONE = "* the only commit\n\n" + CLAUDE + "\n"  # one section, no separator: a bulleted body
HUMAN_SQUASH = "Docs (#15)\n\n* typo\n\n* wording\n\n---------\n\nCo-authored-by: Bo <bo@example.com>\n"


def classified(message: str, detection: Detection | None = None) -> Classification:
    return classify(
        parents=1,
        subject=message.split("\n", 1)[0],
        message=message,
        author_name="Ada",
        author_email="ada@example.com",
        committer_email="noreply@github.com",
        detection=detection or Detection(),
    )


def kind_of(message: str) -> tuple[str, str | None]:
    found = classified(message)
    return found.kind, found.model


def test_sections_are_read_as_git_reads_each_message() -> None:
    sections = squash_sections(ALL_AI)
    assert sections is not None and [s.split("\n", 1)[0] for s in sections] == [
        "cache images",
        "evict old entries",
    ]
    assert squash_sections(PROSE_LIST) is None
    bare = squash_sections(GITLAB_BARE)
    assert bare is not None and [s.split("\n", 1)[0] for s in bare] == ["evict old entries", "cache images"]
    assert squash_sections(GITLAB_ONE) is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (ALL_AI, ("ai", "Claude")),
        (MIXED, ("mixed", "Claude")),
        (TAIL_ONLY, ("mixed", "Claude")),
        (PROSE_LIST, ("human", None)),
        (HUMAN_SQUASH, ("human", None)),
        (GITLAB_TITLED, ("mixed", "Claude")),
        (GITLAB_BARE, ("ai", "Claude")),
        (GITLAB_ONE, ("ai", "Claude")),  # read as one message: its own trailer says so
    ],
)
def test_squash_kinds(message: str, expected: tuple[str, str | None]) -> None:
    assert kind_of(message) == expected


@pytest.fixture
def squashed(repo: Repo) -> Repo:
    repo.commit("Human: start", {"app.py": "app\n"})
    repo.git("tag", "v1")
    for n, message in enumerate([ALL_AI, MIXED, HUMAN_SQUASH]):
        repo.commit(message, {f"f{n}.py": f"{n}\n"}, "--no-verify")
    return repo


def test_check_range_names_a_mixed_squash(squashed: Repo) -> None:
    done = tool(squashed, "check", "--range", "v1..HEAD", "--format", "json")
    assert done.returncode == 1
    commits = {c["subject"]: c for c in json.loads(done.stdout)["commits"]}
    mixed = commits["Add the cache (#13)"]
    assert mixed["kind"] == "mixed"
    # GitHub's co-author block names the AI too: a warning of its own (issue 11)
    assert [v["rule"] for v in mixed["violations"]] == ["subject-label", "ai-coauthor", "mixed-squash"]
    assert mixed["violations"][1]["level"] == "warning"
    assert "a squash of 1 AI and 1 other commits" in mixed["violations"][2]["message"]
    others = [c for s, c in commits.items() if s != "Add the cache (#13)"]
    assert all("mixed-squash" not in [v["rule"] for v in c["violations"]] for c in others)
    assert {c["kind"] for c in others} == {"human"}  # unlabelled: the convention's kind


def test_log_counts_mixed_commits_apart(squashed: Repo) -> None:
    data = json.loads(tool(squashed, "log", "v1..HEAD", "--format", "json").stdout)
    assert [c["kind"] for c in data["commits"]] == ["human", "mixed", "ai"]
    summary = data["summary"]
    assert (summary["ai_commits"], summary["mixed_commits"], summary["human_commits"]) == (1, 1, 1)
    assert "3 commits (0 merges): 1 AI, 1 human, 1 mixed" in tool(squashed, "log", "v1..HEAD").stdout


@pytest.mark.parametrize(
    ("policy", "code", "action"),
    [("stop", 1, "revert"), ("skip", 0, "skip"), ("include", 0, "revert")],
)
def test_ai_revert_treats_a_mixed_squash_as_entangled(
    squashed: Repo, policy: str, code: int, action: str
) -> None:
    mixed = squashed.out("rev-parse", "HEAD~1")
    done = ai_revert(squashed, "v1..HEAD", "--dry-run", "--format", "json", "--entangled", policy)
    assert done.returncode == code, done.stderr
    plan = json.loads(done.stdout)
    decision = next(c for c in plan["commits"] if c["sha"] == mixed)
    assert decision["kind"] == "mixed" and decision["action"] == action
    assert [e["ai"] for e in plan["entangled"]] == [mixed]
    if policy == "include":
        assert "reverted whole with its human work" in decision["reason"]
        applied = ai_revert(squashed, "v1..HEAD", "--yes", "--entangled", "include")
        assert applied.returncode == 0, applied.stderr
        assert not (squashed.path / "f1.py").exists() and not (squashed.path / "f0.py").exists()
        assert (squashed.path / "f2.py").exists()


def test_configured_exempt_subjects_are_left_out_of_a_squash_as_the_squash_writer_leaves_them() -> None:
    release = (
        "Release (#16)\n\n* cache images\n\n" + CLAUDE + "\n\n* chore(release): 1.2.0\n\n"
        "---------\n\nCo-authored-by: Ada <ada@example.com>\n"
    )
    assert kind_of(release) == ("mixed", "Claude")  # by default the release commit is human work
    values = project_config.defaults()
    values["exempt-subjects"] = [r"^chore\(release\): "]
    detection = detection_from(project_config.Config(values, None, None))
    found = classified(release, detection)
    assert (found.kind, found.model, found.reason) == ("ai", "Claude", "a squash of 1 AI commits")
