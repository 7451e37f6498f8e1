"""``ai-rollback init``: the commented configuration and the pre-commit entry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ai_rollback.commands import init
from conftest import Repo, run


def test_init_fresh_and_idempotent(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["init"], capsys)
    assert code == 0 and "wrote .ai-rollback.toml" in out and "wrote .pre-commit-config.yaml" in out
    pre_commit = (inside.path / ".pre-commit-config.yaml").read_text()
    assert "default_install_hook_types: [commit-msg, prepare-commit-msg, pre-push]" in pre_commit
    assert "id: ai-rollback-commit-msg" in pre_commit
    first = (inside.path / ".ai-rollback.toml").read_text()
    code, out, _ = run(["init"], capsys)
    assert "kept" in out and (inside.path / ".ai-rollback.toml").read_text() == first
    code, out, _ = run(["config"], capsys)
    assert "source: .ai-rollback.toml" in out and 'files-match = "exact"' in out


def test_init_appends_to_existing_files(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.write("pyproject.toml", '[project]\nname = "x"')
    inside.write(
        ".pre-commit-config.yaml",
        "repos:\n-   repo: https://example.com/other\n    rev: v1\n    hooks:\n    -   id: other\n",
    )
    code, _out, _ = run(["init", "--repo-url", "https://example.com/ai-rollback", "--rev", "v9"], capsys)
    assert code == 0
    text = (inside.path / "pyproject.toml").read_text()
    assert '[project]\nname = "x"\n' in text and "[tool.ai-rollback]" in text
    import tomllib

    tomllib.loads(text)
    yaml = (inside.path / ".pre-commit-config.yaml").read_text()
    assert yaml.startswith("default_install_hook_types:")
    assert "-   repo: https://example.com/ai-rollback\n      rev: v9" not in yaml
    assert yaml.endswith(
        "-   repo: https://example.com/other\n    rev: v1\n    hooks:\n    -   id: other\n"
        "- repo: https://example.com/ai-rollback\n  rev: v9\n  hooks:\n"
        "    - id: ai-rollback-commit-msg\n    - id: ai-rollback-prepare-commit-msg\n"
        "    - id: ai-rollback-pre-push\n"
    )
    assert run(["config"], capsys)[1].startswith("# source: pyproject.toml")


def test_init_after_a_yaml_document_marker(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.write(
        ".pre-commit-config.yaml",
        "---\nrepos:\n  - repo: https://example.com/x\n    rev: v1\n    hooks:\n      - id: x\n",
    )
    assert run(["init"], capsys)[0] == 0
    text = (inside.path / ".pre-commit-config.yaml").read_text()
    assert text.startswith("---\ndefault_install_hook_types:")
    done = inside.run(
        sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml", check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_init_prints_a_snippet_when_it_cannot_edit(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.write(".pre-commit-config.yaml", "repos: []\nci:\n  autofix_prs: false\n")
    code, out, _ = run(["init"], capsys)
    assert code == 0 and "Add under `repos:`" in out and "- id: ai-rollback-pre-push" in out
    assert (inside.path / ".pre-commit-config.yaml").read_text() == "repos: []\nci:\n  autofix_prs: false\n"


# -- rev: (issue 14, item 13: no release is tagged; the entry must name a commit that exists) --


def fake_clone(make_repo, name: str = "ai-rollback") -> Repo:  # type: ignore[no-untyped-def]
    """A repository laid out as ai-rollback is: the package under src/, the hooks manifest on top."""
    clone = make_repo(name)
    clone.commit(
        "Human: layout",
        {".pre-commit-hooks.yaml": "- id: x\n", "src/ai_rollback/__init__.py": "", "README.md": "r\n"},
    )
    return clone


def test_init_writes_a_placeholder_and_says_to_fill_it_in(
    inside: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loose = tmp_path / "site-packages" / "ai_rollback"  # in no clone, unknown to pip
    loose.mkdir(parents=True)
    real = init.installed_pin
    monkeypatch.setattr(init, "installed_pin", lambda: real(str(loose)))
    code, out, _ = run(["init"], capsys)
    assert code == 0
    url = init.REPO_URL
    assert (
        f"rev: is a placeholder (SET-ME): set it to a commit of the ai-rollback repository, "
        f"e.g. the one `git ls-remote {url} HEAD` prints (no release is tagged yet)"
    ) in out.splitlines()
    yaml = (inside.path / ".pre-commit-config.yaml").read_text()
    assert f"  - repo: {url}\n    rev: SET-ME  # a commit of {url}: git ls-remote {url} HEAD\n" in yaml
    done = inside.run(
        sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml", check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pin_of_a_clone_is_its_head_and_its_remote(make_repo) -> None:  # type: ignore[no-untyped-def]
    origin = fake_clone(make_repo)
    alone = init.installed_pin(str(origin.path / "src" / "ai_rollback"))
    assert (alone.url, alone.rev) == (init.REPO_URL, origin.head())
    assert alone.advice == f"the clone has no remote: check that {init.REPO_URL} has that commit"
    clone = make_repo("clone", init=False)
    clone.git("clone", "-q", str(origin.path), ".")
    pin = init.installed_pin(str(clone.path / "src" / "ai_rollback"))
    assert (pin.url, pin.rev) == (str(origin.path), origin.head())
    assert pin.note() == f"rev: {origin.head()} is HEAD of {clone.path}, " + (
        "the ai-rollback clone this runs from; repo: is its remote 'origin'"
    )
    clone.commit("Human: local only", {"README.md": "changed\n"})
    pin = init.installed_pin(str(clone.path / "src" / "ai_rollback"))
    assert pin.rev == clone.head() and pin.advice.startswith("no branch of its remote has it: push it")


def test_a_package_inside_another_repository_is_no_clone(make_repo) -> None:  # type: ignore[no-untyped-def]
    project = fake_clone(make_repo, "project")  # the hooks manifest on top, but a venv inside
    venv_package = project.path / ".venv" / "lib" / "site-packages" / "ai_rollback"
    venv_package.mkdir(parents=True)
    assert init.installed_pin(str(venv_package)).rev == init.PLACEHOLDER


def test_what_pip_recorded_names_the_commit_or_the_clone() -> None:
    vcs = {"url": "https://example.com/ai-rollback", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}
    assert init._parse_direct_url(vcs) == ("https://example.com/ai-rollback", "abc123", "")
    local = {"url": "file:///src/ai%20rollback", "dir_info": {}}
    assert init._parse_direct_url(local) == ("file:///src/ai%20rollback", "", "/src/ai rollback")
    assert init._parse_direct_url({"url": "https://example.com/a.whl", "archive_info": {}}) is None
    assert init._parse_direct_url({"vcs_info": {}}) is None


def test_a_given_repo_url_keeps_the_known_commit(make_repo, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    origin = fake_clone(make_repo)
    user = make_repo("user")
    real = init.installed_pin
    monkeypatch.setattr(init, "installed_pin", lambda: real(str(origin.path / "src" / "ai_rollback")))
    done, _ = init.set_up(str(user.path), "https://example.com/mirror")
    assert done[-1].endswith("; check that https://example.com/mirror has that commit")
    yaml = (user.path / ".pre-commit-config.yaml").read_text()
    assert f"- repo: https://example.com/mirror\n    rev: {origin.head()}\n" in yaml
