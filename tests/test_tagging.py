"""AI-bearing release tags, the reference-transaction hook, ai-revert's default range, the log report."""

from __future__ import annotations

import json

import pytest

from ai_rollback.tagging import AiCommit, derive_slug, merge_branch, slugify, version_key
from conftest import AI_REVERT, Repo, ai_message, tool


def trailers_of(repo: Repo, tag: str) -> str:
    return repo.out("for-each-ref", "--format=%(contents:trailers)", f"refs/tags/{tag}")


def test_tag_release_and_ai_tag(releases: Repo) -> None:
    done = tool(releases, "tag", "v1.11.0")
    assert done.returncode == 0, done.stderr
    assert "created: v1.11.0\ncreated: v1.11.0-ai-image-cache" in done.stdout
    assert releases.out("cat-file", "-t", "v1.11.0") == "tag"
    assert trailers_of(releases, "v1.11.0-ai-image-cache") == (
        "AI-Commits: 2\nAI-Models: Claude Sonnet 4.5, GPT-5\nAI-Range: v1.10.0..v1.11.0"
    )
    message = releases.out("for-each-ref", "--format=%(contents)", "refs/tags/v1.11.0-ai-image-cache")
    assert message.startswith("Deploy: v1.11.0 carries 2 AI commits since v1.10.0")
    assert "prompt: Cache the thumbnails in memory" in message and "files:  cache.py" in message
    assert releases.out("rev-parse", "v1.11.0-ai-image-cache^{commit}") == releases.head()
    # running it again changes nothing
    refs = releases.out("for-each-ref")
    again = tool(releases, "tag", "v1.11.0")
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert tool(releases, "tag", "v1.11.0", "--slug", "other").returncode == 0
    assert releases.out("for-each-ref") == refs


def test_previous_release_is_version_order_not_date(releases: Repo) -> None:
    done = tool(releases, "tag", "v1.11.0", "--dry-run")
    assert "v1.10.0..v1.11.0" in done.stdout
    assert releases.out("tag", "--list", "v1.11*") == ""  # dry run: nothing created


def test_human_only_release(releases: Repo) -> None:
    tool(releases, "tag", "v1.11.0")
    releases.commit("Human: fix", {"fix": "f\n"})
    done = tool(releases, "tag", "v1.12.0")
    assert done.returncode == 0 and "no AI tag: v1.11.0..v1.12.0 has no AI commits" in done.stdout
    assert releases.out("tag", "--list", "v1.12.0-ai-*") == ""


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["tag", "--", "-v1"], "starts with '-'"),
        (["tag", "-v1"], "No such option"),
        (["tag", "v1..2"], "not a valid tag name"),
        (["tag", "release-2"], "does not look like a release"),
        (["tag", "v2.0.0", "--slug", "Bad Slug"], "lower-case"),
        (["tag", "v1.10.0", "--rev", "HEAD"], "exists and points to"),
    ],
)
def test_bad_input_creates_nothing(releases: Repo, args: list[str], needle: str) -> None:
    refs = releases.out("for-each-ref")
    done = tool(releases, *args)
    assert done.returncode == 2 and needle in done.stderr, done.stderr
    assert releases.out("for-each-ref") == refs


def test_dirty_detached_and_first_release(releases: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    releases.write("app.py", "dirty\n")
    done = tool(releases, "tag", "v2.0.0")
    assert done.returncode == 2 and "uncommitted" in done.stderr
    assert tool(releases, "tag", "v2.0.0", "--rev", "HEAD~1").returncode == 0
    releases.git("checkout", "-q", "app.py")
    releases.git("checkout", "-q", "--detach")
    done = tool(releases, "tag", "v2.1.0")
    assert done.returncode == 2 and "detached" in done.stderr
    first = make_repo("first")
    first.commit(ai_message("everything", ["x.py"]), {"x.py": "x\n"})
    done = tool(first, "tag", "v1.0.0")
    assert done.returncode == 2 and "no release before" in done.stderr and "--base" in done.stderr
    root = first.out("rev-list", "--max-parents=0", "HEAD")
    assert tool(first, "tag", "v1.0.0", "--base", root).returncode == 0


def test_existing_ai_tag_elsewhere_is_an_error(releases: Repo) -> None:
    releases.git("tag", "v1.11.0-ai-image-cache", "HEAD~1")
    refs = releases.out("for-each-ref")
    done = tool(releases, "tag", "v1.11.0")
    assert done.returncode == 2 and "exists and points elsewhere" in done.stderr
    assert releases.out("for-each-ref") == refs  # the release tag was not created either


def test_slugs() -> None:
    assert slugify("AI: feat(img): Cache the thumbnails!") == "ai-feat-img-cache-the-thumbnails"
    assert slugify("---") == "" and slugify("Ünïcode ✓ only") == "n-code-only"
    assert len(slugify("x" * 100)) <= 40

    def ai(sha: str, subject: str = "AI: feat(img): Cache the thumbnails") -> AiCommit:
        return AiCommit(sha, subject, None, None, [])

    branch = {"a": "Image-Cache", "b": "Image-Cache", "c": "coupons"}
    assert derive_slug([ai("a"), ai("b"), ai("c")], branch, "AI") == "image-cache"  # most of them
    assert derive_slug([ai("c"), ai("x"), ai("y")], branch, "AI") == "3-commits"  # one of three: neutral
    assert derive_slug([ai("x")], branch, "AI") == "cache-the-thumbnails"  # one commit: its subject
    assert merge_branch("Merge pull request #12 from owner/feature/Image-Cache") == "Image-Cache"
    assert version_key("v1.10.0") > version_key("v1.9.0")


def test_reference_transaction_hook(releases: Repo) -> None:
    releases.install_hooks("reference-transaction")
    releases.git("tag", "-a", "v1.11.0", "-m", "release")
    tags = releases.out("tag", "--list").split()
    assert "v1.11.0-ai-image-cache" in tags and len([t for t in tags if "-ai-" in t]) == 1
    # lightweight release tags too; other refs are left alone and stay fast
    releases.commit(ai_message("more", ["more.py"]), {"more.py": "m\n"})
    releases.git("tag", "v1.12.0")
    releases.git("tag", "not-a-release")
    releases.git("branch", "side")
    tags = releases.out("tag", "--list").split()
    assert any(t.startswith("v1.12.0-ai-") for t in tags) and not any(
        t.startswith("not-a-release-ai") for t in tags
    )
    releases.git("tag", "-d", "v1.12.0")
    # the hook never blocks the user's tag, even when it cannot work
    releases.write(".ai-rollback.toml", "bogus-key = 1\n")
    releases.commit(ai_message("later", ["later.py"]), {"later.py": "l\n"})
    done = releases.git("tag", "-a", "v1.13.0", "-m", "release")
    assert "no AI tag created" in done.stderr
    assert "v1.13.0" in releases.out("tag", "--list").split()


def test_pre_push_warns_or_blocks(releases: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    remote = make_repo("remote.git", bare=True)
    releases.git("remote", "add", "origin", str(remote.path))
    releases.install_hooks("pre-push")
    releases.git("push", "-q", "--no-verify", "origin", "main", "v1.9.0", "v1.10.0")
    releases.git("tag", "-a", "v1.11.0", "-m", "release")
    done = releases.git("push", "-q", "origin", "v1.11.0")  # warn (the default): the push goes through
    assert "v1.11.0 carries 2 AI commits but has no AI tag" in done.stderr
    releases.write(".ai-rollback.toml", '[tag]\npush-check = "block"\n')
    releases.commit(ai_message("more", ["more.py"]), {"more.py": "m\n"})
    releases.git("tag", "-a", "v1.12.0", "-m", "release")
    done = releases.git("push", "-q", "origin", "main", "v1.12.0", check=False)
    assert done.returncode != 0 and "has no AI tag" in done.stderr
    assert tool(releases, "tag", "v1.12.0").returncode == 0
    done = releases.git("push", "-q", "origin", "main", "v1.12.0", check=False)
    assert done.returncode != 0 and "goes out without its AI tag v1.12.0-ai-" in done.stderr
    ai_tag = releases.out("tag", "--list", "v1.12.0-ai-*")
    releases.git("push", "-q", "origin", "main", "v1.12.0", ai_tag)
    assert remote.out("tag", "--list", "v1.12.0*").split() == ["v1.12.0", ai_tag]


def test_ai_revert_takes_its_range_from_ai_tags(releases: Repo) -> None:
    tool(releases, "tag", "v1.11.0")
    releases.commit("Human: after the release", {"after": "a\n"})
    done = releases.run(
        *AI_REVERT,
        "--dry-run",
        "--format",
        "json",
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "using v1.10.0..HEAD (from v1.11.0-ai-image-cache" in done.stderr
    assert json.loads(done.stdout)["range"] == "v1.10.0..HEAD"
    done = releases.run(
        *AI_REVERT,
        "--tag",
        "v1.11.0-ai-image-cache",
        "--dry-run",
        check=False,
    )
    assert done.returncode == 0 and "Plan for v1.10.0..v1.11.0" in done.stdout
    done = releases.run(
        *AI_REVERT,
        "--tag",
        "nope",
        "--dry-run",
        check=False,
    )
    assert done.returncode == 2 and "no tag 'nope'" in done.stderr


# ---------------------------------------------------------------------------
# the report, checked against an independent count
# ---------------------------------------------------------------------------


def test_a_credential_in_a_prompt_never_reaches_the_ai_tag(releases: Repo) -> None:
    """Issue 16, break 1: the AI tag's message is redacted like check's output."""
    secret_prompt = "deploy with AKIAIOSFODNN7EXAMPLE and password=SuperSecret123 please"
    releases.commit(
        ai_message("use the key", ["key.py"], prompt=secret_prompt), {"key.py": "k\n"}, "--no-verify"
    )
    done = tool(releases, "tag", "v1.11.0")
    assert done.returncode == 0, done.stderr
    ai_tag = next(
        line.split()[1] for line in done.stdout.splitlines() if line.startswith("created: v1.11.0-ai")
    )
    message = releases.out("for-each-ref", "--format=%(contents)", f"refs/tags/{ai_tag}")
    assert "prompt: deploy with AKIA************ and password=Supe********** please" in message
    assert "AKIAIOSFODNN7EXAMPLE" not in message and "SuperSecret123" not in message
    dry = tool(releases, "tag", "v1.12.0", "--dry-run").stdout
    assert "SuperSecret123" not in dry


def test_the_slug_names_what_most_ai_commits_share(repo: Repo) -> None:
    """Issue 14, item 7: one AI commit of eleven from feature/coupons does not name the tag."""
    repo.commit("Human: start", {"app.py": "app\n"})
    repo.git("tag", "-a", "v0.9.0", "-m", "base")
    for n in range(10):
        repo.commit(ai_message(f"step {n}", [f"s{n}.py"]), {f"s{n}.py": "s\n"})
    repo.git("checkout", "-q", "-b", "feature/coupons")
    repo.commit(ai_message("coupons", ["c.py"]), {"c.py": "c\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/coupons")
    done = tool(repo, "tag", "v1.0.0")
    assert "created: v1.0.0-ai-11-commits" in done.stdout, done.stdout + done.stderr


def test_ai_revert_takes_a_release_tag_and_says_which_ai_tag(releases: Repo) -> None:
    """Issue 14, item 6: as watch does, a release tag stands for its AI tag."""
    tool(releases, "tag", "v1.11.0")
    done = releases.run(*AI_REVERT, "--tag", "v1.11.0", "--dry-run", check=False)
    assert done.returncode == 0, done.stderr
    assert (
        "ai-revert: v1.11.0 is a release; using v1.10.0..v1.11.0, the range its AI tag v1.11.0-ai-image-cache"
        in done.stderr
    )
    done = releases.run(*AI_REVERT, "--tag", "v1.10.0", "--dry-run", check=False)
    assert done.returncode == 2
    assert "v1.10.0 is a release without an AI tag: it had no AI commits" in done.stderr
