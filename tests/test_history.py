"""``ai-rollback log``: the report's numbers, formats, and how it reads messages."""

from __future__ import annotations

import json

import pytest

from conftest import Repo, ai_message, tool


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


def test_latin1_messages_are_read_in_their_declared_encoding(repo: Repo) -> None:
    """Issue 16, break 8: a message git stored as ISO-8859-1 reads as what was written."""
    repo.git("config", "i18n.commitEncoding", "ISO-8859-1")
    repo.commit("Human: start", {"a": "a\n"})
    repo.write("msg", "AI: café naïve\n\nGenerated-by: Modèle\nPrompt: p\nFiles: b\n".encode("latin-1"))
    repo.write("b", "b\n")
    repo.git("add", "b")
    repo.git("commit", "-q", "-F", "msg")
    assert "encoding ISO-8859-1" in repo.out("cat-file", "commit", "HEAD")
    data = json.loads(tool(repo, "log", "--format", "json").stdout)
    assert data["commits"][0]["subject"] == "AI: café naïve" and data["commits"][0]["model"] == "Modèle"


def test_every_format_counts_the_same_and_says_how(releases: Repo) -> None:
    """One definition of "commits" (merges included) in table, markdown and JSON; singular plurals."""
    summary = json.loads(tool(releases, "log", "--format", "json").stdout)["summary"]
    total = int(releases.out("rev-list", "--count", "HEAD"))
    merges = int(releases.out("rev-list", "--count", "--merges", "HEAD"))
    assert (summary["commits"], summary["merges"]) == (total, merges) == (5, 1)
    table = tool(releases, "log").stdout
    assert f"HEAD: {total} commits (1 merge): 2 AI, 2 human; AI share 50.0% of 4 non-merge commits" in table
    assert "merges included" in table and "1 merges" not in table
    markdown = tool(releases, "log", "--format", "markdown").stdout
    assert "| all | 5 | 1 | 2 | 2 | 0 | 50.0% |" in markdown and "merges included" in markdown
    one = tool(releases, "log", "HEAD~1..HEAD").stdout  # the merge and the branch's two AI commits
    assert "1 merge)" in one and "1 merges" not in one


def test_the_table_by_release_names_each_commits_release(releases: Repo) -> None:
    tool(releases, "tag", "v1.11.0")
    releases.commit("Human: after", {"app.py": "later\n"})
    lines = tool(releases, "log", "--by", "release").stdout.splitlines()
    assert lines[0].split() == ["commit", "kind", "model", "release", "subject"]
    start = lines[0].index("release")  # fixed columns: a model may hold spaces
    subject = lines[0].index("subject")
    rows = {line[subject:]: line[start:subject].strip() for line in lines[1:] if line[10:12] == "  "}
    assert rows.get("Human: after") == "unreleased"
    assert rows.get("AI: cache images") == "v1.11.0"
    assert rows.get("Human: start") == "v1.9.0"


def test_the_json_report_has_one_style(releases: Repo) -> None:
    tool(releases, "tag", "v1.11.0")
    text = tool(releases, "log", "--format", "json", "--by", "release").stdout
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    # every object of a list is one line; every key of an object is one line
    for line in lines:
        stripped = line.strip().rstrip(",")
        if stripped.startswith("{") and stripped != "{":
            assert stripped.endswith("}"), line
    json.loads(text)


def mixed_history(repo: Repo) -> None:
    """Runs of human commits around everything else the report's short paths must not get wrong."""
    subjects = [
        "Human: start",
        'Human: say "hi"',
        "Human: ünïcode",
        "Human: a\ttab",
        "Human: key ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "Human: a=b and x': y",
        "chore: bump",
        "Human: after one that is not labelled",
        "AI: title over\ntwo lines\n\nGenerated-by: M1\nPrompt: p\nFiles: f0",
        'AI: "quoted" ✓\n\nGenerated-by: M2\nPrompt: p\nFiles: f1, "f 2"',
        "AI: lists no files\n\nGenerated-by: M3\nPrompt: p",
        "fix: x\n\nCo-authored-by: Claude <noreply@anthropic.com>",
        "Human: last",
    ]
    for n, subject in enumerate(subjects):
        repo.commit(subject, {f"f{n}": f"{n}\n"})
    repo.git("checkout", "-q", "-b", "side", "HEAD~3")
    repo.commit("Human: on the side", {"side": "s\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Human: merge side", "side")
    repo.commit("Human: after the merge", {"after": "a\n"})


def expected_entries(repo: Repo) -> list[dict[str, object]]:
    """Every commit as the report's general path classifies it: the reference for the short ones."""
    from ai_rollback import classify, history
    from ai_rollback.commands.common import open_project
    from ai_rollback.git.log import iter_log

    project = open_project(str(repo.path))
    git = project.repo.git
    reader = history.Reader(git, classify.detection_from(project.config, {}), project.settings)
    entries = [reader.classify(c) for c in iter_log(git, ["HEAD"], "--no-renames")]
    history.read.resolve_files(git, entries)
    return [e.as_json() for e in entries]


@pytest.mark.parametrize("chunk", [1 << 18, 64, 7, "pipe"])
def test_the_reports_short_paths_agree_with_the_general_one(
    repo: Repo,
    chunk: int | str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Batches cut anywhere (a read of 7 bytes), subjects to escape or redact, merges, other tools."""
    from ai_rollback import entry
    from ai_rollback.git import run as gitrun

    mixed_history(repo)
    monkeypatch.chdir(repo.path)
    if chunk == "pipe":  # no temporary file to be had: git writes into a pipe
        monkeypatch.setattr(gitrun, "_spool", lambda: None)
    else:
        monkeypatch.setattr(gitrun.BatchStream, "CHUNK", chunk)
    assert entry.main(["log", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)["commits"]
    assert got == expected_entries(repo)
    assert "ghp_a1B2" in repo.out("log", "-1", "--format=%s", "HEAD~10")
    assert not any("ghp_a1B2c3D4e5" in c["subject"] for c in got)  # redacted, as everywhere
    assert entry.main(["log"]) == 0
    rows = capsys.readouterr().out.splitlines()[1 : len(got) + 1]
    assert rows == [
        f"{c['sha'][:10]}  {c['kind']:6} {(c['model'] or '-')[:24]:24} {c['subject']}" for c in got
    ]


@pytest.mark.parametrize(
    ("argv", "shape"),
    [
        (["log"], (None, "table")),
        (["log", "--format=json", "v1..v2"], ("v1..v2", "json")),
        (["log", "v1", "--format", "markdown"], ("v1", "markdown")),
        (["log", "--format", "xml"], None),  # click says what the formats are
        (["log", "--format"], None),
        (["log", "a", "b"], None),
        (["log", ""], None),
        (["log", "--lines"], None),
        (["log", "-h"], None),
        (["check", "x"], None),
    ],
)
def test_the_report_skips_click_only_for_its_plain_shapes(argv: list[str], shape: object) -> None:
    from ai_rollback import entry

    assert entry._log_shape(argv) == shape


def test_what_click_reads_of_a_report_is_said_by_click(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    for argv, said in (
        (["--format", "xml"], "'xml' is not one of"),
        (["a", "b"], "unexpected extra argument"),
    ):
        done = tool(repo, "log", *argv)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_file_lookups_started_ahead_write_what_one_lookup_writes(
    repo: Repo, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Batches of AI commits that name no file: each batch's lookup runs in git while the next
    is read; the report is the one a single lookup at the end gives, and no git is left."""
    from ai_rollback import entry
    from ai_rollback.git import run as gitrun
    from ai_rollback.history import report as history_report

    mixed_history(repo)
    for n in range(12):
        repo.commit(f"fix: {n}\n\nCo-authored-by: Claude <noreply@anthropic.com>", {f"g{n}": "x\n"})
        repo.commit(f"Human: {n}", {f"h{n}": "x\n"})
    monkeypatch.chdir(repo.path)
    monkeypatch.setattr(history_report, "LOOKUP_BATCH", 10**9)
    assert entry.main(["log", "--format", fmt]) == 0
    whole = capsys.readouterr().out
    started: list[list[str]] = []
    real = gitrun.prefetch

    def counting(git: gitrun.Git, args: list[str]) -> None:
        started.append(list(args))
        real(git, args)

    monkeypatch.setattr(history_report, "LOOKUP_BATCH", 3)
    monkeypatch.setattr("ai_rollback.git.log.prefetch", counting)
    assert entry.main(["log", "--format", fmt]) == 0
    assert capsys.readouterr().out == whole
    assert len([a for a in started if "--no-walk=unsorted" in a]) >= 3 and not gitrun._prefetched
