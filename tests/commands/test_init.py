"""``ai-rollback init``: the commented configuration and the pre-commit entry."""

from __future__ import annotations

import sys

import pytest

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
