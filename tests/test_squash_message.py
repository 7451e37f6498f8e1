"""Squash messages that keep attribution (issue 11, item 1): written, committed, read back.

``ai-rollback squash-message RANGE`` and ``git merge --squash`` (prepare-commit-msg
source ``squash``) write one layout; the commit-msg hook judges it section by
section; ``log``, ``check --range`` and ``ai-revert`` read it back as what it is.
git is the oracle for the final trailer block.
"""

from __future__ import annotations

import json

import pytest

from ai_rollback.classify import Detection, classify, squash_sections
from conftest import Repo, ai_message, tool
from revert.revert_helpers import ai_revert


@pytest.fixture
def topic(repo: Repo) -> Repo:
    """main, and a topic branch of two AI commits (different models and prompts) off it."""
    repo.commit("Human: start", {"app.py": "app\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit(
        ai_message("cache images", ["cache.py"], model="Claude Sonnet 4.5", prompt="cache the thumbnails"),
        {"cache.py": "c\n"},
    )
    repo.commit(
        ai_message(
            "evict old entries", ["cache.py", "evict.py"], model="GPT-5", prompt="evict", body="* why\n"
        ),
        {"cache.py": "c2\n", "evict.py": "e\n"},
    )
    return repo


def squash_of(repo: Repo, *args: str) -> str:
    done = tool(repo, "squash-message", "main..topic", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_message_keeps_every_commits_attribution(topic: Repo) -> None:
    shas = topic.out("rev-list", "--reverse", "main..topic").split()
    text = squash_of(topic, "--title", "Add the cache (#12)")
    assert text == (
        "AI: Add the cache (#12)\n\n"
        "* AI: cache images\n\n"
        "Generated-by: Claude Sonnet 4.5\nPrompt: cache the thumbnails\nFiles: cache.py\n\n"
        "* AI: evict old entries\n\n- why\n\n"
        "Generated-by: GPT-5\nPrompt: evict\nFiles: cache.py, evict.py\n\n"
        "---------\n\n"
        "Generated-by: Claude Sonnet 4.5\nGenerated-by: GPT-5\n"
        "Prompt: 2 prompts, each in its squashed commit above\nFiles: cache.py, evict.py\n"
        f"Squashed-commits: 2: {shas[0][:12]}, {shas[1][:12]}\n"
    )
    # git reads the final block as the message's trailers
    parsed = topic.run("git", "interpret-trailers", "--parse", "--no-divider", input=text).stdout
    assert parsed.splitlines()[:2] == ["Generated-by: Claude Sonnet 4.5", "Generated-by: GPT-5"]
    # the reader gets each commit's own message back (a bulleted body does not start a section)
    sections = squash_sections(text)
    assert sections is not None and [s.split("\n", 1)[0] for s in sections] == [
        "AI: cache images",
        "AI: evict old entries",
    ]
    found = classify(
        parents=1, subject=text.split("\n", 1)[0], message=text, author_name="", author_email="",
        committer_email="", detection=Detection(),
    )  # fmt: skip
    assert found.kind == "ai"


def test_a_separator_in_a_body_cannot_end_the_sections(topic: Repo) -> None:
    topic.commit("Human: notes\n\nabove\n\n---------\n\n* not a commit", {"n.md": "n\n"})
    topic.write(".ai-rollback.toml", 'squash = "allow-mixed"\n')
    text = squash_of(topic)
    sections = squash_sections(text)
    assert sections is not None and len(sections) == 3
    assert "--------\n\n- not a commit" in text


def test_a_mixed_squash_is_refused_unless_allowed(topic: Repo) -> None:
    topic.commit("Human: fix the AI's cache by hand", {"cache.py": "c3\n"})
    done = tool(topic, "squash-message", "main..topic")
    assert done.returncode == 1 and done.stdout == ""
    assert "this squash mixes 2 AI and 1 human commit" in done.stderr
    assert "merge without squashing" in done.stderr and 'squash = "allow-mixed"' in done.stderr
    topic.write(".ai-rollback.toml", 'squash = "allow-mixed"\n')
    text = squash_of(topic)
    assert (
        text.startswith("AI: cache images\n\n* AI: cache images\n") and "* Human: fix the AI's cache" in text
    )


@pytest.mark.parametrize(
    ("rng", "said"), [("topic..topic", "holds no commits"), ("main..topic --", "option or a path")]
)
def test_bad_ranges(topic: Repo, rng: str, said: str) -> None:
    done = tool(topic, "squash-message", rng)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


def test_a_merge_of_the_base_into_the_branch_is_left_out(topic: Repo) -> None:
    """Updating a pull request's branch from main is routine: the merge brings nothing of its own."""
    topic.git("checkout", "-q", "main")
    topic.commit("Human: main moves on", {"m.py": "m\n"})
    topic.git("checkout", "-q", "topic")
    topic.git("merge", "-q", "--no-ff", "--no-edit", "main")
    done = tool(topic, "squash-message", "main..topic")
    assert done.returncode == 0 and "left out 1 merge commit" in done.stderr
    assert "Squashed-commits: 2: " in done.stdout and "main moves on" not in done.stdout


def test_a_file_added_and_deleted_within_the_squash_is_not_listed(topic: Repo) -> None:
    topic.commit(ai_message("scratch", ["tmp.py"], prompt="scratch"), {"tmp.py": "t\n"})
    topic.git("rm", "-q", "tmp.py")
    topic.git("commit", "-q", "-m", ai_message("drop scratch", ["tmp.py"], prompt="drop"))
    text = squash_of(topic)
    assert "\nFiles: cache.py, evict.py\nSquashed-commits: 4: " in text
    topic.install_hooks("commit-msg", "prepare-commit-msg")
    topic.git("checkout", "-q", "main")
    topic.git("merge", "-q", "--squash", "topic")
    done = topic.git("commit", "-q", "--no-edit", check=False)
    assert done.returncode == 0, done.stderr


def test_reverts_and_another_tools_commits_keep_an_ai_squash_ai(topic: Repo) -> None:
    topic.commit("add x\n\nCo-authored-by: Claude <noreply@anthropic.com>", {"x.py": "x\n"})
    topic.git("revert", "--no-edit", "HEAD")
    text = squash_of(topic)
    assert text.startswith("AI: cache images\n")
    topic.install_hooks("commit-msg", "prepare-commit-msg")
    topic.git("checkout", "-q", "main")
    topic.git("merge", "-q", "--squash", "topic")
    done = topic.git("commit", "-q", "--no-edit", check=False)
    assert done.returncode == 0, done.stderr
    assert (
        json.loads(tool(topic, "log", "HEAD~1..HEAD", "--format", "json").stdout)["commits"][0]["kind"]
        == "ai"
    )


def test_a_commit_that_is_ai_by_its_author_says_so_in_its_section(topic: Repo) -> None:
    bot = {
        "GIT_AUTHOR_NAME": "claude[bot]",
        "GIT_AUTHOR_EMAIL": "209825114+claude[bot]@users.noreply.github.com",
    }
    topic.write("b.py", "b\n")
    topic.git("add", "b.py")
    topic.git("commit", "-q", "-m", "bot work", env=bot)
    text = squash_of(topic)
    sections = squash_sections(text)
    assert sections is not None and "\nGenerated-by: Claude (GitHub App / claude-code-action)" in sections[-1]
    assert text.startswith("AI: ")


def test_a_squash_of_commits_ai_by_their_author_name_reads_back_as_ai(topic: Repo) -> None:
    """Found on Aider-AI/aider's history: aider commits as "Name (aider)", with no trailer."""
    aider = {"GIT_AUTHOR_NAME": "Paul Gauthier (aider)", "GIT_AUTHOR_EMAIL": "paul@aider.chat"}
    for n in range(2):
        topic.write(f"s{n}.py", "s\n")
        topic.git("add", f"s{n}.py")
        topic.git("commit", "-q", "-m", f"style: lint {n}", env=aider)
    tip = topic.head()
    text = tool(topic, "squash-message", "HEAD~2..HEAD").stdout
    squash = topic.run(
        "git", "commit-tree", f"{tip}^{{tree}}", "-p", f"{tip}~2", "-F", "-", input=text
    ).stdout.strip()
    data = json.loads(tool(topic, "log", f"{tip}~2..{squash}", "--format", "json").stdout)
    assert data["commits"][0]["kind"] == "ai"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Human: notes\n\n* one item\n\nSummary\n---------\n\ntext\n", "human"),
        ("AI: a\n\n* first\n\n* second\n\n---------\n\nGenerated-by: M\nPrompt: p\nFiles: a\n", "ai"),
    ],
)
def test_prose_with_bullets_and_a_rule_is_no_squash(topic: Repo, message: str, kind: str) -> None:
    topic.install_hooks("commit-msg")
    topic.write("a", "a\n")
    topic.git("add", "a")
    done = topic.git("commit", "-q", "-F", "-", input=message, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(tool(topic, "log", "HEAD~1..HEAD", "--format", "json").stdout)
    assert data["commits"][0]["kind"] == kind
    assert tool(topic, "check", "--range", "HEAD~1..HEAD").returncode == 0


def test_a_title_is_one_line(topic: Repo) -> None:
    for title, said in (("Two\nGenerated-by: evil", "--title is one line"), ("   ", "--title is empty")):
        done = tool(topic, "squash-message", "main..topic", "--title", title)
        assert done.returncode == 2 and said in done.stderr


# -- git merge --squash, through the installed hooks --


@pytest.fixture
def hooked(topic: Repo) -> Repo:
    topic.install_hooks("commit-msg", "prepare-commit-msg")
    topic.git("checkout", "-q", "main")
    return topic


def test_git_merge_squash_commits_the_attribution(hooked: Repo) -> None:
    hooked.git("merge", "-q", "--squash", "topic")
    hooked.git("commit", "-q", "--no-edit")
    message = hooked.out("log", "-1", "--format=%B")
    assert message.startswith("AI: cache images\n\n* AI: cache images\n")
    assert hooked.out("log", "-1", "--format=%(trailers:key=Generated-by,valueonly)").split("\n") == [
        "Claude Sonnet 4.5",
        "GPT-5",
    ]
    data = json.loads(tool(hooked, "log", "HEAD~1..HEAD", "--format", "json").stdout)
    assert data["commits"][0]["kind"] == "ai"
    assert tool(hooked, "check", "--range", "HEAD~1..HEAD").returncode == 0


def test_a_mixed_git_squash_is_refused_and_allowed_when_configured(hooked: Repo) -> None:
    hooked.git("checkout", "-q", "topic")
    hooked.commit("Human: by hand", {"cache.py": "c3\n"})
    hooked.git("checkout", "-q", "main")
    hooked.git("merge", "-q", "--squash", "topic")
    done = hooked.git("commit", "-q", "--no-edit", check=False)
    assert done.returncode != 0 and "mixed-squash" in done.stderr
    hooked.write(".ai-rollback.toml", 'squash = "allow-mixed"\n')
    hooked.git("commit", "-q", "--no-edit")
    squash = hooked.head()
    data = json.loads(tool(hooked, "log", "HEAD~1..HEAD", "--format", "json").stdout)
    assert data["commits"][0]["kind"] == "mixed"
    checked = json.loads(tool(hooked, "check", "--range", "HEAD~1..HEAD", "--format", "json").stdout)
    assert checked["ok"] is True and checked["commits"][0]["kind"] == "mixed"
    plan = json.loads(ai_revert(hooked, "HEAD~1..HEAD", "--dry-run", "--format", "json").stdout)
    assert next(c for c in plan["commits"] if c["sha"] == squash)["kind"] == "mixed"


def test_commit_msg_judges_each_section(hooked: Repo) -> None:
    hooked.git("merge", "-q", "--squash", "topic")
    text = squash_of(hooked).replace("Prompt: evict\n", "")  # a section loses its prompt
    msg = hooked.write("msg.txt", text)
    done = hooked.git("commit", "-q", "-F", str(msg), check=False)
    assert done.returncode != 0
    assert (
        'missing-trailer: squashed commit \'AI: evict old entries\': an "AI:" commit needs a "Prompt:"'
        in (done.stderr)
    )
    wrong = squash_of(hooked).replace("Files: cache.py, evict.py\nSquashed", "Files: cache.py\nSquashed")
    msg.write_text(wrong)
    done = hooked.git("commit", "-q", "-F", str(msg), check=False)
    assert done.returncode != 0 and "listed but in no squashed AI commit" not in done.stderr
    assert "in a squashed AI commit and changed, but not listed: evict.py" in done.stderr


def test_a_mixed_squash_squashed_again_stays_mixed(topic: Repo) -> None:
    topic.write(".ai-rollback.toml", 'squash = "allow-mixed"\n')
    topic.commit("Human: by hand", {"h.py": "h\n"})
    tip = topic.head()
    text = tool(topic, "squash-message", "main..topic").stdout
    mixed = topic.run(
        "git", "commit-tree", f"{tip}^{{tree}}", "-p", "main", "-F", "-", input=text
    ).stdout.strip()
    topic.git("checkout", "-q", "-b", "again", mixed)
    topic.write(".ai-rollback.toml", 'squash = "refuse"\n')
    done = tool(topic, "squash-message", "main..again")
    assert done.returncode == 1 and "this squash mixes" in done.stderr
