"""AI-bearing release tags, the reference-transaction hook, ai-revert's default range, the log report."""

from __future__ import annotations

import json
import subprocess

import pytest

from ai_rollback.tagging import derive_slug, slugify, version_key
from conftest import AI_REVERT, Repo, ai_message


def tool(
    repo: Repo, *args: str, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    return repo.tool(*args, check=False, env=env)


def trailers_of(repo: Repo, tag: str) -> str:
    return repo.out("for-each-ref", "--format=%(contents:trailers)", f"refs/tags/{tag}")


@pytest.fixture
def releases(repo: Repo) -> Repo:
    """v1.9.0 and v1.10.0 (tagged in that order of time), then AI work on a branch, merged."""
    repo.commit("Human: start", {"app.py": "app\n"})
    repo.git("tag", "-a", "v1.10.0", "-m", "ten")  # tagged first in time...
    repo.git("tag", "-a", "v1.9.0", "-m", "nine", "HEAD")  # ...but older in version order
    repo.git("checkout", "-q", "-b", "feature/image-cache")
    repo.commit(
        ai_message(
            "cache images",
            ["cache.py"],
            model="Claude Sonnet 4.5",
            prompt="Cache the thumbnails\n  in memory",
        ),
        {"cache.py": "c\n"},
    )
    repo.commit(ai_message("evict old entries", ["cache.py"], model="GPT-5"), {"cache.py": "c2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Human: docs", {"README": "r\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/image-cache")
    return repo


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
    assert derive_slug([], ["Merge pull request #12 from owner/feature/Image-Cache"], "AI") == "image-cache"
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


def independent_counts(repo: Repo, rev_range: str) -> dict[str, object]:
    """Count with plain git: subjects and git's own trailer parsing, no ai-rollback code."""
    out = repo.out(
        "log", "--format=%H%x09%P%x09%s%x09%(trailers:key=Generated-by,valueonly,separator=%x2c)", rev_range
    )
    ai = human = merges = 0
    models: dict[str, int] = {}
    for line in out.splitlines():
        _sha, parents, subject, model = line.split("\t")
        if " " in parents:
            merges += 1
        elif subject.startswith("AI:"):
            ai += 1
            models[model] = models.get(model, 0) + 1
        else:
            human += 1
    return {"ai_commits": ai, "human_commits": human, "merges": merges, "models": models}


def test_log_numbers_match_an_independent_count(releases: Repo) -> None:
    tool(releases, "tag", "v1.11.0")
    releases.commit(ai_message("tune", ["app.py"], model="GPT-5"), {"app.py": "app2\n"})
    done = tool(releases, "log", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    summary = data["summary"]
    expected = independent_counts(releases, "HEAD")
    assert {k: summary[k] for k in expected} == expected
    assert summary["commits"] == int(releases.out("rev-list", "--count", "HEAD"))
    assert summary["top_ai_files"][0] == {"path": "cache.py", "ai_commits": 2}
    assert len(data["commits"]) == summary["commits"]
    ai_commit = next(c for c in data["commits"] if c["kind"] == "ai")
    assert set(ai_commit) == {"sha", "kind", "model", "subject", "files"}
    # --lines: the AI share of changed lines, against git's own numstat
    lines = json.loads(tool(releases, "log", "--format", "json", "--lines").stdout)["summary"]["lines"]
    numstat = releases.out("log", "--format=", "--numstat", "--no-renames", "HEAD")
    total = sum(int(a) + int(d) for a, d, _p in (line.split("\t") for line in numstat.splitlines() if line))
    assert lines["changed"] == total
    # by release
    by = json.loads(tool(releases, "log", "--format", "json", "--by", "release").stdout)["summary"][
        "releases"
    ]
    assert [(r["release"], r["ai_commits"]) for r in by] == [("unreleased", 1), ("v1.11.0", 2), ("v1.9.0", 0)]
    for release in by:
        if release["release"] == "v1.11.0":
            assert release["commits"] == int(releases.out("rev-list", "--count", "v1.10.0..v1.11.0"))


def test_log_formats_and_bad_ranges(releases: Repo) -> None:
    table = tool(releases, "log", "v1.10.0..HEAD").stdout
    assert (
        "Claude Sonnet 4.5" in table and "2 AI" in table and "files most touched by AI: cache.py (2)" in table
    )
    markdown = tool(releases, "log", "v1.10.0..HEAD", "--format", "markdown").stdout
    assert markdown.startswith("## AI contributions in `v1.10.0..HEAD`") and "### AI commits" in markdown
    for bad in ("--output=x", "nosuch..HEAD"):
        done = tool(releases, "log", bad)
        assert done.returncode == 2 and "Traceback" not in done.stderr


def test_other_tools_commits_get_their_files_from_git(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    repo.commit("fix: x\n\nCo-authored-by: Claude <noreply@anthropic.com>\n", {"claude.py": "c\n"})
    data = json.loads(tool(repo, "log", "--format", "json").stdout)
    assert data["commits"][0]["kind"] == "ai" and data["commits"][0]["files"] == ["claude.py"]


def test_log_reads_messages_as_git_does(repo: Repo) -> None:
    """Subjects needing escapes, folded and quoted Files, trailers that are not a block."""
    repo.commit('Human: say "hi" \\ to ünï', {"a": "a\n"})
    repo.commit('AI: "quoted" ✓\n\nGenerated-by: M\nFiles: a,\n  "b, c"\n', {"a": "b\n", "b, c": "x\n"})
    repo.commit("AI: prose, not trailers\n\nGenerated-by: M\nthis line is prose\n", {"d": "d\n"})
    repo.commit("plain: subject\n\nGenerated-by: Other\n", {"e": "e\n"})
    data = json.loads(tool(repo, "log", "--format", "json").stdout)
    subjects = repo.out("log", "--format=%s").splitlines()
    assert [c["subject"] for c in data["commits"]] == subjects
    by_subject = {c["subject"]: c for c in data["commits"]}
    assert by_subject['AI: "quoted" ✓']["files"] == ["a", "b, c"]
    assert by_subject["AI: prose, not trailers"]["model"] is None  # git sees no trailer block
    assert by_subject["AI: prose, not trailers"]["files"] == ["d"]  # so the files come from git
    assert by_subject["plain: subject"]["kind"] == "ai" and by_subject["plain: subject"]["model"] == "Other"
    assert by_subject['Human: say "hi" \\ to ünï']["kind"] == "human"
    table = tool(repo, "log").stdout
    assert 'say "hi" \\ to ünï' in table


@pytest.mark.parametrize(
    "pairs",
    [
        [("Generated-by", "A"), ("Generated-by", "B")],
        [("generated-BY", ""), ("Assisted-by", "Claude:opus-4 [tool]")],
        [("Assisted-by", ""), ("Assisted-by", "aider")],
        [("Files", "a, b"), ("files", "c")],
        [],
    ],
)
def test_report_reads_the_model_as_classify_does(pairs: list[tuple[str, str]]) -> None:
    from ai_rollback import classify, history
    from ai_rollback.message import Trailer

    trailers = [Trailer(k, v) for k, v in pairs]
    assert history.ai_facts(trailers)[0] == classify.model_of(trailers)


@pytest.mark.parametrize(
    "argv",
    [
        ["log", "--format", "json", "v1.10.0..HEAD"],
        ["log", "v1.10.0..HEAD", "--format=markdown"],
        ["log"],
    ],
)
def test_the_walk_started_early_is_the_one_the_report_reads(
    releases: Repo, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """entry starts git before click loads; the report must take that process, not start another."""
    from ai_rollback import entry
    from ai_rollback.git import run as gitrun

    started: list[list[str]] = []
    real = gitrun.BatchStream.__init__

    def counting(self: gitrun.BatchStream, git: gitrun.Git, args: list[str]) -> None:
        started.append(list(args))
        real(self, git, args)

    monkeypatch.chdir(releases.path)
    for key, value in releases.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(gitrun.BatchStream, "__init__", counting)
    assert entry.main(argv) == 0
    assert len(started) == 1 and not gitrun._prefetched
    out = capsys.readouterr().out
    assert json.loads(out)["summary"]["ai_commits"] == 2 if "json" in argv else "AI" in out
