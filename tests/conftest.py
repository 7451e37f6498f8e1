"""Real git in temporary repositories, with nothing inherited from the machine.

Every test runs with an isolated HOME and global config, no system config,
pinned author/committer identities and dates, and none of the ``GIT_*``,
``PRE_COMMIT*`` or ``AI_ROLLBACK_*`` variables of the calling environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ai_rollback import entry

SRC = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
#: ``ai-revert`` as its console script runs it, with the interpreter under test.
AI_REVERT = [PYTHON, "-c", "import sys; from ai_rollback.entry import revert_main; sys.exit(revert_main())"]

IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Author",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_AUTHOR_DATE": "2026-01-02T03:04:05+00:00",
    "GIT_COMMITTER_NAME": "Cy Committer",
    "GIT_COMMITTER_EMAIL": "cy@example.com",
    "GIT_COMMITTER_DATE": "2026-01-02T03:04:05+00:00",
}


def isolated_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT", "AI_ROLLBACK", "COV_CORE"))
        and k not in ("NO_COLOR", "EDITOR", "VISUAL", "XDG_CONFIG_HOME", "EMAIL")
    }
    env.update(IDENTITY)
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C.UTF-8",
            "TZ": "UTC",
        }
    )
    return env


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated HOME with a global git config; the test's own process uses it too."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        "[core]\n\tautocrlf = false\n[commit]\n\tgpgsign = false\n[tag]\n\tgpgsign = false\n"
        '[protocol "file"]\n\tallow = always\n',
        encoding="utf-8",
    )
    env = isolated_env(home)
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return home


class Repo:
    """A git repository for a test, driven through the real git command."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env

    def run(
        self,
        *args: str,
        check: bool = True,
        env: dict[str, str] | None = None,
        input: str | bytes | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                full.pop(key, None)  # None removes a variable
            else:
                full[key] = value
        data = input.encode() if isinstance(input, str) else input
        done = subprocess.run(
            list(args), cwd=cwd or self.path, env=full, input=data, capture_output=True, check=False
        )
        result = subprocess.CompletedProcess(
            done.args,
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{args} failed ({done.returncode}):\nstdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def git(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.run("git", *args, **kw)  # type: ignore[arg-type]

    def out(self, *args: str) -> str:
        return self.git(*args).stdout.strip()

    def tool(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        """Run ai-rollback as users do: a separate process."""
        return self.run(PYTHON, "-m", "ai_rollback", *args, **kw)  # type: ignore[arg-type]

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def commit(
        self,
        message: str,
        files: dict[str, str] | None = None,
        *extra: str,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        for name, text in (files or {}).items():
            self.write(name, text)
            self.git("add", "--", name)
        return self.git("commit", "-q", "-m", message, *extra, check=check, env=env)

    def head(self) -> str:
        return self.out("rev-parse", "HEAD")

    def install_hooks(self, *names: str) -> None:
        self.tool("install", *[a for n in names for a in ("--hook", n)])


def ai_message(
    subject: str,
    files: list[str],
    model: str = "Claude Sonnet 4.5",
    prompt: str = "make it faster",
    body: str = "",
) -> str:
    text = f"AI: {subject}\n\n"
    if body:
        text += body.rstrip("\n") + "\n\n"
    return text + f"Generated-by: {model}\nPrompt: {prompt}\nFiles: {', '.join(files)}\n"


@pytest.fixture
def make_repo(home: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    env = isolated_env(home)
    counter = [0]

    def make(name: str | None = None, *, bare: bool = False, init: bool = True) -> Repo:
        counter[0] += 1
        path = tmp_path / (name or f"repo{counter[0]}")
        path.mkdir(parents=True, exist_ok=True)
        repo = Repo(path, env)
        if init:
            repo.git("init", "-q", *(["--bare"] if bare else []))
        return repo

    return make


@pytest.fixture
def repo(make_repo) -> Repo:  # type: ignore[no-untyped-def]
    return make_repo("work")


def git_version() -> tuple[int, ...]:
    out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True).stdout
    return tuple(int(p) for p in out.split()[2].split(".")[:3] if p.isdigit())


requires_git = shutil.which("git")


def tool(
    repo: Repo, *args: str, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    return repo.tool(*args, check=False, env=env)


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


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = entry.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def inside(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(repo.path)
    return repo
