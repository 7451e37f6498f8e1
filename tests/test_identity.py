"""AI identities in Signed-off-by and Co-authored-by (issue 11, item 3), through real commits."""

from __future__ import annotations

import json

import pytest

from ai_rollback import config as project_config
from ai_rollback.fix import fix_ai_coauthors, fix_message
from ai_rollback.rules.identity import agents_for
from conftest import Repo, ai_message

CLAUDE = "Claude Opus 4.5 <noreply@anthropic.com>"
AIDER = "aider (gpt-5.4) <aider@aider.chat>"


@pytest.fixture
def hooked(repo: Repo) -> Repo:
    repo.install_hooks("commit-msg")
    repo.commit("Human: start", {"README": "hello\n"})
    return repo


def stage(repo: Repo, name: str = "a.py") -> None:
    repo.write(name, "a\n")
    repo.git("add", name)


def test_an_ai_sign_off_is_always_refused(hooked: Repo) -> None:
    stage(hooked)
    message = "Human: add a\n\nSigned-off-by: Claude <noreply@anthropic.com>\n"
    done = hooked.git("commit", "-q", "-m", message, check=False)
    assert done.returncode == 1
    assert (
        ':3: ai-signoff: "Signed-off-by: Claude <noreply@anthropic.com>" names an AI (Claude Code); '
        "only a person can sign off"
    ) in done.stderr
    hooked.write(".ai-rollback.toml", 'ai-coauthor = "allow"\n')  # the policy is about co-authors only
    assert hooked.git("commit", "-q", "-m", message, check=False).returncode == 1


def test_a_bot_sign_off_by_its_numeric_id_is_an_ai_too(hooked: Repo) -> None:
    stage(hooked)
    who = "claude[bot] <209825114+renamed-login[bot]@users.noreply.github.com>"
    done = hooked.git("commit", "-q", "-m", f"Human: x\n\nSigned-off-by: {who}", check=False)
    assert done.returncode == 1 and "ai-signoff" in done.stderr


def test_an_ai_co_author_is_a_warning_by_default(hooked: Repo) -> None:
    stage(hooked)
    message = ai_message("add a", ["a.py"]) + f"Co-authored-by: {CLAUDE}\n"
    done = hooked.git("commit", "-q", "-m", message, check=False)
    assert done.returncode == 0
    assert ":6: warning: ai-coauthor:" in done.stderr
    assert 'write "Assisted-by: Claude-Code:claude-opus-4.5" instead' in done.stderr
    assert hooked.out("log", "-1", "--format=%s") == "AI: add a"


@pytest.mark.parametrize(("mode", "code", "said"), [("reject", 1, ":6: ai-coauthor:"), ("allow", 0, "")])
def test_the_co_author_policy(hooked: Repo, mode: str, code: int, said: str) -> None:
    hooked.write(".ai-rollback.toml", f'ai-coauthor = "{mode}"\n')
    stage(hooked)
    message = ai_message("add a", ["a.py", ".ai-rollback.toml"]) + f"Co-authored-by: {CLAUDE}\n"
    hooked.git("add", ".ai-rollback.toml")
    done = hooked.git("commit", "-q", "-m", message, check=False)
    assert done.returncode == code and (said in done.stderr if said else done.stderr == "")


@pytest.mark.parametrize(
    "who",
    [
        "Ada Lovelace <ada@example.com>",
        "dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
        "no address at all",
    ],
)
def test_people_and_bots_that_are_not_ai_pass_silently(hooked: Repo, who: str) -> None:
    stage(hooked)
    done = hooked.git(
        "commit", "-q", "-m", f"Human: x\n\nCo-authored-by: {who}\nSigned-off-by: {who}", check=False
    )
    assert done.returncode == 0 and done.stderr == ""


def test_check_range_reports_warnings_without_failing(hooked: Repo) -> None:
    stage(hooked)
    hooked.git(
        "commit", "-q", "--no-verify", "-m", ai_message("add a", ["a.py"]) + f"Co-authored-by: {AIDER}\n"
    )
    done = hooked.tool("check", "--range", "HEAD~1..HEAD", "--format", "json", check=False)
    data = json.loads(done.stdout)
    assert done.returncode == 0 and data["ok"] is True
    (violation,) = data["commits"][0]["violations"]
    assert (violation["rule"], violation["level"]) == ("ai-coauthor", "warning")
    assert 'write "Assisted-by: Aider:gpt-5.4" instead' in violation["message"]
    github = hooked.tool("check", "--range", "HEAD~1..HEAD", "--format", "github", check=False)
    assert github.returncode == 0 and github.stdout.startswith("::warning title=ai-rollback%3A ai-coauthor::")


# -- check --fix: the kernel's Assisted-by form --


def fixed(text: str, tmp_path, **values: object) -> str:  # type: ignore[no-untyped-def]
    if values:
        body = "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
        (tmp_path / ".ai-rollback.toml").write_text(body)
    config = project_config.load(str(tmp_path))
    return fix_message(text, "#", ":", config)


def test_fix_rewrites_ai_co_authors_into_assisted_by(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "AI: add a\n\nbody\n\nPrompt: p\nFiles: a.py\nCo-Authored-By: " + CLAUDE + "\n"
        "Co-authored-by: Ada <ada@example.com>\nSigned-off-by: Ada <ada@example.com>\n"
        "# a comment\n"
    )
    assert fixed(text, tmp_path) == (
        "AI: add a\n\nbody\n\nGenerated-by: Claude Opus 4.5\nPrompt: p\nFiles: a.py\n"
        "Assisted-by: Claude-Code:claude-opus-4.5\n"
        "Co-authored-by: Ada <ada@example.com>\nSigned-off-by: Ada <ada@example.com>\n# a comment\n"
    )
    assert fixed(fixed(text, tmp_path), tmp_path) == fixed(text, tmp_path)  # idempotent


def test_fix_keeps_a_generated_by_and_writes_no_duplicate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (
        "AI: x\n\nGenerated-by: GPT-5\nAssisted-by: Aider:gpt-5.4\nCo-authored-by: "
        + AIDER
        + "\n  folded rest\nCo-authored-by: "
        + AIDER
        + "\n"
    )
    assert fixed(text, tmp_path) == "AI: x\n\nGenerated-by: GPT-5\nAssisted-by: Aider:gpt-5.4\n"


def test_fix_without_generated_by_required_adds_none(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "AI: x\r\n\r\nPrompt: p\r\nCo-authored-by: " + CLAUDE + "\r\n"
    assert fixed(text, tmp_path, **{"required-trailers": ["Prompt"]}) == (
        "AI: x\r\n\r\nPrompt: p\r\nAssisted-by: Claude-Code:claude-opus-4.5\r\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Human: x\n\nCo-authored-by: " + CLAUDE + "\n",  # a person's commit: theirs to decide
        "AI: x\n\nCo-authored-by: " + CLAUDE + "\n\nmore prose after it\n",  # not a trailer
        "AI: x\n\nCo-authored-by: Ada <ada@example.com>\n",
    ],
)
def test_fix_leaves_what_is_not_an_ai_co_author_trailer(tmp_path, text: str) -> None:  # type: ignore[no-untyped-def]
    config = project_config.load(str(tmp_path))
    assert fix_ai_coauthors(text, "#", ":", agents_for(config), config) == text


def test_check_fix_on_a_file(hooked: Repo) -> None:
    stage(hooked)
    msg = hooked.write("msg.txt", ai_message("add a", ["a.py"]) + f"Co-authored-by: {CLAUDE}\n")
    done = hooked.tool("check", "--fix", str(msg), check=False)
    assert done.returncode == 0 and done.stdout == ""
    assert msg.read_text().endswith("Files: a.py\nAssisted-by: Claude-Code:claude-opus-4.5\n")


# -- found by a hostile tester (2026-12-03) --


def test_fix_reads_a_folded_co_author_as_git_does(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "AI: add a\n\nPrompt: p\nFiles: a\nCo-authored-by: Claude\n <noreply@anthropic.com>\n"
    assert fixed(text, tmp_path) == (
        "AI: add a\n\nGenerated-by: Claude\nPrompt: p\nFiles: a\nAssisted-by: Claude-Code:claude\n"
    )


def test_a_project_identity_given_as_a_pattern_goes_by_the_co_authors_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / ".ai-rollback.toml").write_text('[detectors]\nai-identities = ["*@agents.example"]\n')
    config = project_config.load(str(tmp_path))
    text = "AI: x\n\nPrompt: p\nFiles: a\nCo-authored-by: Build Bot <bot@agents.example>\n"
    assert "Assisted-by: Build-Bot:build-bot\n" in fix_message(text, "#", ":", config)


def test_parentheses_stay_out_of_assisted_by() -> None:
    from ai_rollback.agents import Tool
    from ai_rollback.rules.identity import assisted_by

    tool = Tool("GitHub Copilot code review (applied suggestions)", "ai")
    assert assisted_by("Copilot <x@y>", tool)[0] == "GitHub-Copilot-code-review:copilot"
