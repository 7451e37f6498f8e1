"""The command line: help, exit codes, set-up commands, bad input."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_rollback import __version__, entry, report
from ai_rollback.cli import cli
from conftest import Repo, ai_message

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = entry.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def inside(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(repo.path)
    return repo


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"], capsys)[:2] == (0, f"ai-rollback, version {__version__}\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0 and "Example" in out


def test_bare_invocation_and_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([], capsys)
    assert code == 2 and "Commands:" in err
    code, _, err = run(["check", "--bogus"], capsys)
    assert code == 2 and "No such option" in err
    code, _, err = run(["nope"], capsys)
    assert code == 2


def test_missing_message_file_is_bad_input(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "does-not-exist"], capsys)
    assert code == 2 and "cannot read the message file" in err and "Traceback" not in err


def test_not_a_repository(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["install"], capsys)
    assert code == 3 and "not a git repository" in err


def test_config_errors_exit_3(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.write(".ai-rollback.toml", "files-match = 'sometimes'\n")
    inside.write("m", "Human: x\n")
    code, _, err = run(["check", "m"], capsys)
    assert code == 3 and "files-match" in err and "exact, cover, off" in err


def test_check_reads_stdin(
    inside: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Human: from stdin\n")))
    assert run(["check"], capsys)[0] == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"nope\n")))
    code, out, _ = run(["check", "-"], capsys)
    assert code == 1 and out.startswith("<stdin>:1: subject-label")


def test_check_json_schema(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.write("a.py", "a\n")
    inside.git("add", "a.py")
    inside.write("m", ai_message("x", ["a.py", "b.py"]))
    code, out, _ = run(["check", "--format", "json", "m"], capsys)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    (commit,) = data["commits"]
    assert set(commit) == {"sha", "kind", "subject", "trailers", "violations"}
    assert commit["sha"] is None and commit["kind"] == "ai"
    assert commit["trailers"][0] == {"key": "Generated-by", "value": "Claude Sonnet 4.5"}
    assert commit["violations"] == [
        {"rule": "files-mismatch", "line": 5, "message": commit["violations"][0]["message"]}
    ]
    inside.write("empty", "# nothing\n")
    assert json.loads(run(["check", "--format=json", "empty"], capsys)[1]) == {
        "ok": True,
        "commits": [],
    }


def test_check_range(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    inside.commit("Human: one", {"a": "a\n"})
    base = inside.head()
    inside.commit(ai_message("two", ["b.py"]), {"b.py": "b\n"})
    inside.commit("three", {"c": "c\n"})
    code, out, err = run(["check", "--range", f"{base}..HEAD"], capsys)
    assert code == 1 and out.count("\n") == 1 and "2 commits checked, 1 breaks" in err
    code, out, _ = run(["check", "--range", f"{base}..HEAD~1", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["commits"][0]["kind"] == "ai"
    assert len(data["commits"][0]["sha"]) == 40


@pytest.mark.parametrize("bad", ["--output=/tmp/x", "-p", "", "nosuchref..HEAD", "HEAD..nosuch"])
def test_range_is_never_an_option(inside: Repo, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    inside.commit("Human: one", {"a": "a\n"})
    code, _, err = run(["check", f"--range={bad}"], capsys)
    assert code == 2 and "Traceback" not in err
    assert not Path("/tmp/x").exists() or bad != "--output=/tmp/x"


def test_range_conflicts_with_file_and_fix(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check", "--range", "HEAD", "m"], capsys)[0] == 2
    assert run(["check", "--fix"], capsys)[0] == 2


SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED)
@given(data=st.binary(max_size=300), fmt=st.sampled_from(["text", "json"]))
def test_arbitrary_bytes_never_crash(
    inside: Repo, capsys: pytest.CaptureFixture[str], data: bytes, fmt: str
) -> None:
    path = inside.path / "msg"
    path.write_bytes(data)
    code, out, err = run(["check", "--format", fmt, str(path)], capsys)
    assert code in (0, 1), err
    if b"\0" in data:
        assert code == 1 and "message-nul" in out
    assert "Traceback" not in err and "internal error" not in err
    if fmt == "json":
        json.loads(out)


def test_arbitrary_bytes_through_a_real_process(inside: Repo) -> None:
    inside.write("msg", bytes(range(256)) * 3)
    done = inside.tool("check", "msg", check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_internal_errors_are_reported_not_dumped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom() -> int:
        raise RuntimeError("kaboom")

    assert entry.guarded(boom) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "AI_ROLLBACK_DEBUG" in err
    monkeypatch.setenv("AI_ROLLBACK_DEBUG", "1")
    with pytest.raises(RuntimeError):
        entry.guarded(boom)

    def interrupted() -> int:
        raise KeyboardInterrupt

    assert entry.guarded(interrupted) == 130


# ---------------------------------------------------------------------------
# install / uninstall
# ---------------------------------------------------------------------------


def test_install_and_uninstall(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    hooks = inside.path / ".git" / "hooks"
    code, out, _ = run(["install"], capsys)
    assert code == 0 and out.count("installed: ") == 3
    assert os.access(hooks / "commit-msg", os.X_OK)
    assert "updated" in run(["install", "--hook", "commit-msg"], capsys)[1]
    code, out, _ = run(["uninstall"], capsys)
    assert code == 0 and out.count("removed") == 3 and not (hooks / "commit-msg").exists()
    assert "nothing to remove" in run(["uninstall"], capsys)[1]
    assert run(["install", "--hook", "post-commit"], capsys)[0] == 2


def test_install_never_overwrites_a_foreign_hook(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    hook = inside.path / ".git" / "hooks" / "commit-msg"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho mine\n")
    code, _, err = run(["install"], capsys)
    assert code == 2 and "--force" in err and hook.read_text() == "#!/bin/sh\necho mine\n"
    assert not (hook.parent / "prepare-commit-msg").exists()  # all or nothing
    code, out, _ = run(["install", "--force"], capsys)
    assert code == 0 and "yours kept as commit-msg.pre-ai-rollback" in out
    run(["uninstall"], capsys)
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    hook.write_text("#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n")
    code, _, err = run(["install"], capsys)
    assert code == 2 and ".pre-commit-config.yaml" in err


# ---------------------------------------------------------------------------
# init / config
# ---------------------------------------------------------------------------


def test_init_fresh_and_idempotent(inside: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["init"], capsys)
    assert code == 0 and "wrote .ai-rollback.toml" in out and "wrote .pre-commit-config.yaml" in out
    pre_commit = (inside.path / ".pre-commit-config.yaml").read_text()
    assert "default_install_hook_types: [pre-commit, commit-msg, prepare-commit-msg, pre-push]" in pre_commit
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
    assert "- repo: https://example.com/ai-rollback" in yaml or "-   - repo" not in yaml
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


def test_color_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert report.use_color(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not report.use_color(Tty())  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# the hook path stays light (the benchmark measures time; this pins imports)
# ---------------------------------------------------------------------------

HEAVY = ("click", "jinja2", "git", "subprocess", "re", "typing", "dataclasses", "tomllib", "json")
PROBE = (
    "import sys\nbefore = set(sys.modules)\nfrom ai_rollback.entry import main\n"
    "code = main(sys.argv[1:])\n"
    f"heavy = sorted({{m.split('.')[0] for m in set(sys.modules) - before}} & set({HEAVY!r}))\n"
    "print('HEAVY', ','.join(heavy))\nsys.exit(code)\n"
)


def _heavy(repo: Repo, *args: str) -> list[str]:
    no_coverage = {k: None for k in os.environ if k.startswith("COVERAGE_")}
    done = repo.run(sys.executable, "-c", PROBE, *args, check=False, env=no_coverage)
    assert done.returncode in (0, 1), done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("HEAVY"))
    return [m for m in line.split(" ", 1)[1].split(",") if m]


def test_commit_msg_path_imports_nothing_heavy(inside: Repo) -> None:
    inside.write("a.py", "a\n")
    inside.git("add", "a.py")
    inside.write(".git/COMMIT_EDITMSG", ai_message("x", ["a.py"]))
    assert _heavy(inside, "check", ".git/COMMIT_EDITMSG") == []
    inside.write(".ai-rollback.toml", 'files-match = "exact"\n')
    assert "tomllib" in _heavy(inside, "check", ".git/COMMIT_EDITMSG")  # the first read fills the cache
    assert _heavy(inside, "check", ".git/COMMIT_EDITMSG") == []
    assert "json" in _heavy(inside, "check", "--format", "json", ".git/COMMIT_EDITMSG")
    inside.write(
        ".git/COMMIT_EDITMSG",
        "AI: x\n\nGenerated-by: m\nPrompt: my password=hunter22\nFiles: a.py\n",
    )
    assert _heavy(inside, "check", ".git/COMMIT_EDITMSG") == ["re"]  # only to look closer at a secret
    inside.write(".git/COMMIT_EDITMSG", "Human: x\n")
    assert _heavy(inside, "prepare-commit-msg", ".git/COMMIT_EDITMSG", "message") == []
