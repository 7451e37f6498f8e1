"""The tools table (``data/agents.toml``): every row's every mark is found in a real history,
bots that are not AI and prose mentions stay human, and a bad row is a clear error."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from ai_rollback import agents
from ai_rollback.agents import TableError, Tool, parse_rows
from conftest import Repo, tool

README = Path(__file__).resolve().parents[1] / "README.md"


def marks_of(t: Tool) -> list[tuple[str, dict[str, str], str]]:
    """One commit per mark of ``t``: (message, environment, which mark)."""
    out = []
    for email in t.emails:
        address = email.replace("*", "x")
        out.append((f"fix: a\n\nCo-authored-by: {t.name} <{address}>\n", {}, f"co-author {email}"))
        out.append(("fix: a\n", {"GIT_AUTHOR_NAME": t.name, "GIT_AUTHOR_EMAIL": address}, f"author {email}"))
    for ident in t.github:
        address = f"{ident}@users.noreply.github.com"
        out.append((f"fix: a\n\nCo-authored-by: {t.name} <{address}>\n", {}, f"co-author {ident}"))
        out.append(("fix: a\n", {"GIT_COMMITTER_EMAIL": address}, f"committer {ident}"))
    for key in t.trailers:
        out.append((f"fix: a\n\n{key}: https://example.com/s/1\n", {}, f"trailer {key}"))
    for prefix in t.subject_prefixes:
        out.append((f"{prefix}fix a\n", {}, f"subject {prefix!r}"))
    for suffix in t.author_name_suffixes:
        out.append(("fix: a\n", {"GIT_AUTHOR_NAME": f"Ada{suffix}"}, f"author name {suffix!r}"))
    for line in t.body_lines:
        out.append((f"fix: a\n\n{line}(https://example.com)\n", {}, f"line {line!r}"))
    return out


def commit_all(repo: Repo, commits: list[tuple[str, dict[str, str], str]]) -> list[str]:
    shas = []
    for message, env, _what in commits:
        repo.git("commit", "-q", "--allow-empty", "--no-verify", "-m", message, env=env)
        shas.append(repo.head())
    return shas


def kinds_in_log(repo: Repo) -> dict[str, str]:
    done = tool(repo, "log", "--format", "json")
    assert done.returncode == 0, done.stderr
    return {c["sha"]: c["kind"] for c in json.loads(done.stdout)["commits"]}


def test_every_mark_of_every_tool_is_found(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    table = agents.table()
    assert sum(t.is_ai for t in table) >= 8
    expected: dict[str, tuple[str, str]] = {}
    for t in table:
        commits = marks_of(t)
        for sha, (_m, _e, what) in zip(commit_all(repo, commits), commits, strict=True):
            expected[sha] = ("ai" if t.is_ai else "human", f"{t.name}: {what}")
    found = kinds_in_log(repo)
    wrong = [f"{why} -> {found[sha]}" for sha, (want, why) in expected.items() if found[sha] != want]
    assert wrong == []


PROSE = [
    ("fix: thanks Claude Shannon\n\nCo-authored-by: Claude Shannon <claude@bell-labs.example>\n", {}),
    ("docs: how we use Copilot and Cursor and aider\n\nWritten with Claude Code, reviewed by us.\n", {}),
    ("fix: a\n\nSee the line 🤖 Generated with [Claude Code] in our docs.\n", {}),
    ("fix: a\n", {"GIT_AUTHOR_NAME": "Claude", "GIT_AUTHOR_EMAIL": "claude@example.com"}),
    ("Bump x from 1 to 2\n", {"GIT_AUTHOR_EMAIL": "49699333+dependabot[bot]@users.noreply.github.com"}),
    ("chore(deps): update\n", {"GIT_AUTHOR_EMAIL": "29139614+renovate[bot]@users.noreply.github.com"}),
    ("ci: release\n", {"GIT_COMMITTER_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com"}),
    ("fix: a\n\nCo-authored-by: Someone <someone@anthropic.com>\n", {}),
]


def test_precision_people_bots_and_prose_stay_human(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    shas = commit_all(repo, [(m, e, "prose") for m, e in PROSE])
    found = kinds_in_log(repo)
    assert [found[s] for s in shas] == ["human"] * len(PROSE)


def test_github_identities_by_login_then_by_id(repo: Repo) -> None:
    """claude[bot] commits under github-actions' numeric id: the login decides; a renamed bot keeps its id."""
    repo.commit("Human: start", {"a": "a\n"})
    shas = commit_all(
        repo,
        [
            ("fix: a\n", {"GIT_AUTHOR_EMAIL": "41898282+claude[bot]@users.noreply.github.com"}, ""),
            ("fix: b\n", {"GIT_AUTHOR_EMAIL": "198982749+copilot-renamed@users.noreply.github.com"}, ""),
            ("fix: c\n", {"GIT_AUTHOR_EMAIL": "41898282+github-actions[bot]@users.noreply.github.com"}, ""),
        ],
    )
    found = kinds_in_log(repo)
    assert [found[s] for s in shas] == ["ai", "ai", "human"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no [[tool]] rows"),
        ([{"kind": "ai", "seen": ["x"]}], "row 1 has no name"),
        ([{"name": "X", "kind": "robot", "seen": ["x"]}], "kind must be one of"),
        ([{"name": "X", "seen": ["x"], "emails": ["*@vendor.example"]}], "no bare domains"),
        ([{"name": "X", "seen": ["x"], "emails": ["Upper@x.example"]}], "not a lower-case address"),
        ([{"name": "X", "seen": ["x"], "github": ["12ab+bot"]}], "not a GitHub login or ID+login"),
        ([{"name": "X", "emails": ["x@x.example"]}], "say where the form was seen"),
        ([{"name": "X", "seen": ["x"], "colour": "red"}], "unknown key 'colour'"),
        ([{"name": "X", "seen": ["x"]}, {"name": "X", "seen": ["y"]}], "'X' is listed twice"),
        ([{"name": "X", "seen": ["x"], "trailers": "Claude-Session"}], "trailers must be a list"),
    ],
)
def test_a_bad_row_is_named(rows: list[dict[str, object]], message: str) -> None:
    with pytest.raises(TableError, match=re.escape(message)):
        parse_rows(rows)


def test_the_readme_lists_the_table() -> None:
    assert agents.markdown(agents.table()) in README.read_text(encoding="utf-8")


def test_the_table_is_cached_in_the_repository_and_a_bad_cache_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ai-rollback log`` reads the table from a marshal cache (no ``tomllib``); the same rows."""
    packaged = agents.table()
    monkeypatch.setattr(agents, "_table", [])
    cache = tmp_path / "agents.cache"
    assert agents.table(str(tmp_path)) == packaged and cache.is_file()
    monkeypatch.setattr(agents, "_table", [])
    monkeypatch.setitem(sys.modules, "tomllib", None)  # a fresh cache: no TOML is parsed
    assert agents.table(str(tmp_path)) == packaged
    monkeypatch.delitem(sys.modules, "tomllib")
    from ai_rollback import __version__
    from ai_rollback.config.files import read_marshal, stat_key, write_marshal

    packaged_file = str(Path(agents.__file__).parent / "data" / "agents.toml")
    key = (__version__, packaged_file, stat_key(packaged_file))
    assert read_marshal(str(cache), key) is not None
    for bad in (b"not marshal", [{"name": "x"}], [{"name": "x", 1: "a", "zz": "b"}], "old key"):
        if isinstance(bad, bytes):
            cache.write_bytes(bad)
        else:
            write_marshal(str(cache), key if bad != "old key" else ("old",), bad)
        monkeypatch.setattr(agents, "_table", [])
        assert agents.table(str(tmp_path)) == packaged  # read from the file, and cached again
        assert read_marshal(str(cache), key) is not None
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(agents, "_table", [])
    assert agents.table(str(tmp_path / "file" / "below")) == packaged  # no cache can be made there


def test_an_address_asked_again_gets_the_same_answer() -> None:
    """``by_email`` keeps its answers per address (a history's commits come from a few)."""
    table = agents.Agents(agents.table(), {"*@ci.example.com": "Our CI bot"})
    addresses = ["noreply@anthropic.com", "bot@ci.example.com", "ada@example.com", " NoReply@Anthropic.com "]
    first = [table.by_email(a) for a in addresses]
    assert [table.by_email(a) for a in addresses] == first
    assert [agents.Agents(agents.table(), table.extra)._by_email(a) for a in addresses] == first
    assert first[1] is not None and first[1].name == "Our CI bot" and first[2] is None
