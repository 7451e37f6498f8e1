"""Which commits are AI output (pure)."""

from __future__ import annotations

import pytest

from ai_rollback import config as project_config
from ai_rollback.classify import Detection, classify, detection_from, reverted_targets
from ai_rollback.message import parse_trailers

DEFAULT = Detection()


def kind(
    message: str,
    *,
    parents: int = 1,
    author: str = "Ada",
    email: str = "ada@example.com",
    committer_email: str = "cy@example.com",
    detection: Detection = DEFAULT,
) -> tuple[str, str | None]:
    found = classify(
        parents=parents,
        subject=message.split("\n", 1)[0],
        message=message,
        author_name=author,
        author_email=email,
        committer_email=committer_email,
        detection=detection,
    )
    return found.kind, found.model


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("AI: x\n\nGenerated-by: Claude Sonnet 4.5\n", ("ai", "Claude Sonnet 4.5")),
        ("Human: x\n\nCo-authored-by: Claude <noreply@anthropic.com>\n", ("human", None)),
        ("fix: x\n\nGenerated-by: GPT-5\n", ("ai", "GPT-5")),
        (
            "fix: x\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\n",
            ("ai", "claude-3-opus"),
        ),
        ("fix: x\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n", ("ai", "Claude")),
        (
            "fix: x\n\nCo-authored-by: Claude Opus 4.5 <noreply@anthropic.com>\n",
            ("ai", "Claude Opus 4.5"),
        ),
        ("fix: x\n\nCo-authored-by: Claude Shannon <claude@bell-labs.example>\n", ("human", None)),
        ("fix: x\n\nCo-authored-by: Copilot <copilot@github.com>\n", ("ai", "Copilot")),
        ("fix: x\n\nCo-authored-by: Cursor <cursoragent@cursor.com>\n", ("ai", "Cursor")),
        ("fix: x\n\nCo-authored-by: Codex <noreply@openai.com>\n", ("ai", "Codex")),
        ("fix: x\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>\n", ("ai", "gpt-4o")),
        (
            "fix: x\n\nCo-Authored-By: Devin <158243242+devin-ai-integration[bot]@users.noreply.github.com>\n",
            ("ai", "Devin"),
        ),
        (
            "fix: x\n\nCo-authored-by: google-labs-jules[bot] "
            "<161369871+google-labs-jules[bot]@users.noreply.github.com>\n",
            ("ai", "Google Jules"),
        ),
        ("fix: x\n\nMade-with: Cursor\n", ("ai", "Cursor")),
        (
            "fix: x\n\nCo-authored-by-AI: GitHub Copilot (GPT-4.1)\n",
            ("ai", "GitHub Copilot (GPT-4.1)"),
        ),
        ("aider: fix the thing\n", ("ai", "Aider")),
        ("fix: x\n\nSigned-off-by: Ada <ada@example.com>\n", ("human", None)),
        # prose mentions are not evidence
        ("fix: x\n\nGenerated-by: tool\nmore prose\n", ("human", None)),
        ("fix: x\n\nWritten with help from Claude and Copilot.\n", ("human", None)),
    ],
)
def test_marks(message: str, expected: tuple[str, str | None]) -> None:
    assert kind(message) == expected


def test_identities_and_merges() -> None:
    assert (
        kind("Initial plan\n", author="Copilot", email="198982749+Copilot@users.noreply.github.com")[0]
        == "ai"
    )
    assert kind("x\n", email="cursoragent@cursor.com")[0] == "ai"
    assert kind("x\n", committer_email="161369871+google-labs-jules[bot]@users.noreply.github.com")[0] == "ai"
    assert kind("x\n", author="Ada (aider)") == ("ai", "Aider")
    assert kind(
        "Bump x\n",
        author="dependabot[bot]",
        email="49699333+dependabot[bot]@users.noreply.github.com",
    ) == ("human", None)
    assert kind("AI: x\n", parents=2)[0] == "merge"
    found = DEFAULT.agents.by_email("NoReply@Anthropic.com")
    assert found is not None and found.name == "Claude Code"


def test_detectors_can_be_switched_and_extended() -> None:
    values = project_config.defaults()
    values["detectors"] = {
        **values["detectors"],
        "co-authored-by": False,  # type: ignore[dict-item]
        "ai-identities": ["bot@ours.example=OurBot"],
        "extra-trailers": ["X-AI"],
    }
    detection = detection_from(project_config.Config(values, None, None))
    coauthored = "fix: x\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    assert kind(coauthored, detection=detection) == ("human", None)
    assert kind("x\n", email="bot@ours.example", detection=detection) == ("ai", "OurBot")
    assert kind("x\n\nX-AI: yes\n", detection=detection)[0] == "ai"
    assert kind("x\n\nMade-with: Cursor\n", detection=detection)[0] == "human"


def test_reverted_targets() -> None:
    sha = "a" * 40
    msg = f'Revert "AI: x"\n\nThis reverts commit {sha}.\n\nReverts: {"b" * 40}\n'
    assert reverted_targets(msg, parse_trailers(msg)) == [sha, "b" * 40]
    assert reverted_targets("This reverts commit abc.\n") == []
    assert reverted_targets("nothing\n") == []
