"""The config reader sees what ``git config`` sees: syntax, sources, includes, command line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ai_rollback import gitconfig
from ai_rollback.gitconfig import (
    RepoPaths,
    Unsupported,
    command_line_pairs,
    locate,
    parse_config_text,
    parse_get_regexp_z,
    read_settings,
    settings_from_pairs,
)
from conftest import Repo

SHARED_FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def git_pairs(path: Path) -> list[tuple[str, str | None]] | None:
    done = subprocess.run(
        ["git", "config", "-f", str(path), "-z", "--list"], capture_output=True, check=False
    )
    if done.returncode != 0:
        return None
    return parse_get_regexp_z(done.stdout)


SECTION = st.sampled_from(
    [
        "[core]",
        "[Core]",
        '[trailer "Gen"]',
        '[trailer "a b"]',
        "[trailer.Gen]",
        '[trailer "q\\"x"]',
        "[commit]",
        "[a.b]",
        "[]",
        "[core",
        '[x "y" ]',
        "[ core ]",
    ]
)
KEY = st.sampled_from(["commentChar", "cleanup", "key", "Key-2", "separators", "x", "2bad", "a_b"])
VALUE = st.one_of(
    st.sampled_from(
        [
            "",
            ";",
            '";"',
            "#",
            '"#"',
            "a b",
            "  a  b  ",
            '"a ;b"',
            "a\\tb",
            "a\\nb",
            "a\\\\b",
            'a\\"b',
            "a\\x",
            "x # c",
            "x ; c",
            '"unterminated',
            "line\\\n continued",
            "é",
            "auto",
        ]
    ),
    st.text(alphabet='ab ;#"\\\t=', max_size=8),
)
LINE = st.one_of(
    SECTION,
    st.builds(
        lambda k, sp, eq, v: f"{k}{sp}{eq}{v}",
        KEY,
        st.sampled_from(["", " ", "\t"]),
        st.sampled_from(["=", " = ", "", "= "]),
        VALUE,
    ),
    st.sampled_from(["# comment", "; comment", "", "   ", "\t[core]", "key", "\r"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=SHARED_FIXTURE)
@given(lines=st.lists(LINE, max_size=8), crlf=st.booleans())
@example(lines=["[core]", 'commentChar="" ='], crlf=False)  # git reads "=": an empty "" has no length
def test_config_syntax_agrees_with_git(home: Path, tmp_path: Path, lines: list[str], crlf: bool) -> None:
    text = ("\r\n" if crlf else "\n").join(lines) + "\n"
    path = tmp_path / "cfg"
    path.write_bytes(text.encode("utf-8"))
    expected = git_pairs(path)
    if expected is None:
        with pytest.raises(Unsupported):
            parse_config_text(text)
    else:
        assert parse_config_text(text) == expected, repr(text)


def _git_settings(repo: Repo, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    full = dict(repo.env)
    full.update(env or {})
    done = subprocess.run(
        ["git", "config", "-z", "--get-regexp", gitconfig.WANTED_REGEX],
        cwd=cwd or repo.path,
        env=full,
        capture_output=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return repr(settings_from_pairs(parse_get_regexp_z(done.stdout)))


def _ours(repo: Repo, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    full = dict(repo.env)
    full.update(env or {})
    paths = locate(str(cwd or repo.path), full)
    return repr(read_settings(paths, full))


def test_sources_in_git_order(repo: Repo, home: Path) -> None:
    (home / ".config" / "git").mkdir(parents=True)
    (home / ".config" / "git" / "config").write_text(
        '[core]\n\tcommentChar = "@"\n[trailer "gen"]\n\tkey = G\n'
    )
    with (home / ".gitconfig").open("a") as f:
        f.write('[core]\n\tcommentChar = ";"\n[commit]\n\tcleanup = whitespace\n')
    repo.git("config", "trailer.separators", ":#")
    repo.git("config", "trailer.Gen.key", "Generated-by")
    repo.git("config", "trailer.other.where", "end")
    assert _ours(repo) == _git_settings(repo)
    assert "comment=';'" in _ours(repo) and "Generated-by" in _ours(repo)


def test_includes_and_conditions(repo: Repo, home: Path, tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "a.cfg").write_text('[core]\n\tcommentChar = "%"\n[include]\n\tpath = b.cfg\n')
    (tmp_path / "inc" / "b.cfg").write_text("[commit]\n\tcleanup = verbatim\n")
    (tmp_path / "inc" / "c.cfg").write_text("[trailer]\n\tseparators = :=\n")
    (tmp_path / "inc" / "d.cfg").write_text('[trailer "branchy"]\n\tkey = B\n')
    with (home / ".gitconfig").open("a") as f:
        f.write(f"[include]\n\tpath = {tmp_path}/inc/a.cfg\n")
        f.write(f'[includeIf "gitdir:{repo.path}/"]\n\tpath = {tmp_path}/inc/c.cfg\n')
        f.write('[includeIf "gitdir:nowhere/"]\n\tpath = /nonexistent.cfg\n')
        f.write('[includeIf "gitdir/i:WORK/"]\n\tpath = ~/rel-from-home.cfg\n')
        f.write('[includeIf "onbranch:feature/"]\n\tpath = ' + f"{tmp_path}/inc/d.cfg\n")
    (home / "rel-from-home.cfg").write_text('[trailer "home"]\n\tcmd = true\n')
    assert _ours(repo) == _git_settings(repo)
    repo.git("checkout", "-q", "-b", "feature/x")
    assert "branchy" in _ours(repo)
    assert _ours(repo) == _git_settings(repo)


def test_command_line_config_as_git_exports_it(repo: Repo) -> None:
    done = repo.git(
        "-c",
        "core.commentChar=;",
        "-c",
        "trailer.My Key.key=It's",
        "-c",
        "commit.cleanup",
        "-c",
        "alias.showenv=!env",
        "showenv",
    )
    params = next(
        line.split("=", 1)[1]
        for line in done.stdout.splitlines()
        if line.startswith("GIT_CONFIG_PARAMETERS=")
    )
    env = {"GIT_CONFIG_PARAMETERS": params}
    assert _ours(repo, env) == _git_settings(repo, env)
    env2 = {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "core.commentChar",
        "GIT_CONFIG_VALUE_0": "!",
        "GIT_CONFIG_KEY_1": "Trailer.X.Key",
        "GIT_CONFIG_VALUE_1": "Y",
    }
    assert _ours(repo, env2) == _git_settings(repo, env2)
    assert command_line_pairs({"GIT_CONFIG_PARAMETERS": "'a.b=c' 'd.e'='f'"}) == [
        ("a.b", "c"),
        ("d.e", "f"),
    ]
    for bad in ("'a.b", "a.b", "'a.b'x", "'a.b'=x"):
        with pytest.raises(Unsupported):
            command_line_pairs({"GIT_CONFIG_PARAMETERS": bad})
    with pytest.raises(Unsupported):
        command_line_pairs({"GIT_CONFIG_COUNT": "x"})
    with pytest.raises(Unsupported):
        command_line_pairs({"GIT_CONFIG_COUNT": "1"})


def test_worktree_config_and_locate(repo: Repo, tmp_path: Path) -> None:
    repo.commit("Human: base", {"a": "a\n"})
    repo.git("config", "extensions.worktreeConfig", "true")
    repo.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    wt = tmp_path / "wt"
    subprocess.run(["git", "config", "--worktree", "core.commentChar", "&"], cwd=wt, env=repo.env, check=True)
    assert _ours(repo, cwd=wt) == _git_settings(repo, cwd=wt)
    assert "comment='&'" in _ours(repo, cwd=wt)
    paths = locate(str(wt / "sub" / "dir" if (wt / "sub").exists() else wt), repo.env)
    assert paths is not None
    assert paths.common_dir == str(repo.path / ".git")
    assert paths.git_dir.startswith(str(repo.path / ".git" / "worktrees"))
    assert paths.work_tree == str(wt)


def test_locate_variants(repo: Repo, make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (repo.path / "deep" / "er").mkdir(parents=True)
    found = locate(str(repo.path / "deep" / "er"), {})
    assert found is not None and found.work_tree == str(repo.path)
    bare = make_repo("bare.git", bare=True)
    found = locate(str(bare.path), {})
    assert found is not None and found.work_tree is None and found.git_dir == str(bare.path)
    found = locate(str(tmp_path), {"GIT_DIR": str(repo.path / ".git")})
    assert found is not None and found.work_tree == str(repo.path)
    assert locate("/", {}) is None or locate("/", {}).git_dir != str(repo.path / ".git")


def test_unsupported_conditions_fall_back(repo: Repo, home: Path) -> None:
    with (home / ".gitconfig").open("a") as f:
        f.write('[includeIf "hasconfig:remote.*.url:https://example.com/**"]\n\tpath = x.cfg\n')
    paths = locate(str(repo.path), repo.env)
    with pytest.raises(Unsupported):
        read_settings(paths, repo.env)
    from ai_rollback.hook import git_settings

    old = os.getcwd()
    try:
        os.chdir(repo.path)
        assert repr(git_settings(paths)) == _git_settings(repo)
    finally:
        os.chdir(old)


def test_wildcard_conditions_are_unsupported(repo: Repo, home: Path) -> None:
    with (home / ".gitconfig").open("a") as f:
        f.write('[includeIf "gitdir:/tmp/*/x/"]\n\tpath = x.cfg\n')
    with pytest.raises(Unsupported):
        read_settings(locate(str(repo.path), repo.env), repo.env)


def test_system_config_path(tmp_path: Path) -> None:
    assert gitconfig.system_config_path({"GIT_CONFIG_NOSYSTEM": "1"}) is None
    assert gitconfig.system_config_path({"GIT_CONFIG_SYSTEM": "/x/y"}) == "/x/y"
    fake = tmp_path / "opt" / "bin"
    fake.mkdir(parents=True)
    (fake / "git").write_text("#!/bin/sh\n")
    (fake / "git").chmod(0o755)
    assert gitconfig.system_config_path({"PATH": str(fake)}) == str(tmp_path / "opt" / "etc" / "gitconfig")
    assert gitconfig.system_config_path({"PATH": "/usr/bin"}) == "/etc/gitconfig"


def test_settings_from_pairs_details() -> None:
    s = settings_from_pairs(
        [
            ("core.commentchar", "auto"),
            ("trailer.a.b.key", "AB"),
            ("trailer.x", "y"),
            ("trailer.q.unknown", "z"),
            ("core.commentstring", None),
        ]
    )
    assert s.comment == "auto" and s.parse_comment == "#"
    assert [(c.name, c.key) for c in s.configured] == [("a.b", "AB")]
    assert RepoPaths("g", "c", None).work_tree is None


@pytest.mark.parametrize("text", ["[alias ", '[alias "x', "[core", '[core]\nx = "open', "[", 'x = "\\'])
def test_truncated_config_never_hangs(text: str) -> None:
    with pytest.raises(Unsupported):
        parse_config_text(text)
