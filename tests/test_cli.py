"""The command line: help, exit codes, set-up commands, bad input."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_rollback import __version__, entry
from ai_rollback.cli import cli
from conftest import Repo, ai_message, run

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]


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


def test_ctrl_c_while_a_class_is_made_is_an_interruption(capsys: pytest.CaptureFixture[str]) -> None:
    """(2026-12-04) Ctrl-C while an import made a class (``ipaddress``, under ``pathlib``): Python
    3.11 raises it as a RuntimeError from ``__set_name__``, which was an "internal error", exit 3."""

    class Stopping:
        def __set_name__(self, owner: type, name: str) -> None:
            raise KeyboardInterrupt

    def importing() -> int:
        type("Made", (), {"attr": Stopping()})
        return 0

    assert entry.guarded(importing) == 130
    assert capsys.readouterr().err == "ai-rollback: interrupted\n"


# ---------------------------------------------------------------------------
# install / uninstall
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# init / config
# ---------------------------------------------------------------------------


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
