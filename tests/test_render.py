"""Templates: the package's own and the user's, rendered sandboxed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_rollback import config as project_config
from ai_rollback import render
from ai_rollback.errors import ConfigError
from conftest import Repo


def cfg(root: str, template: str | None) -> project_config.Config:
    values = project_config.defaults()
    values["template"] = template
    return project_config.Config(values, None, root)


def test_package_template_ships() -> None:
    assert (render.template_dir() / render.COMMIT_TEMPLATE).is_file()
    text = render.commit_template(cfg("/", None), comment=";", files=["a", "b"], model="M", prompt="")
    assert text.startswith("\n\n; ai-rollback")
    assert "; Generated-by: M\n" in text and "; Files: a, b\n" in text and "<the prompt you gave it>" in text


def test_user_template(repo: Repo) -> None:
    repo.write(
        "t/tmpl.j2",
        "{{ c }} {{ ai_label }}/{{ human_label }}: {{ files|join(' ') }} {{ required|length }}\n",
    )
    text = render.commit_template(
        cfg(str(repo.path), "t/tmpl.j2"), comment="#", files=["x"], model="", prompt=""
    )
    assert text == "# AI/Human: x 3\n"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ undefined_name }}", "undefined"),
        ("{% if %}", "tmpl.j2:1"),
    ],
)
def test_user_template_is_sandboxed_and_errors_are_clear(repo: Repo, body: str, needle: str) -> None:
    repo.write("tmpl.j2", body)
    with pytest.raises(ConfigError) as info:
        render.commit_template(cfg(str(repo.path), "tmpl.j2"), comment="#", files=[], model="", prompt="")
    assert needle in info.value.message


def test_missing_user_template(repo: Repo) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        render.commit_template(cfg(str(repo.path), "nope.j2"), comment="#", files=[], model="", prompt="")


def test_editor_commit_uses_the_user_template(repo: Repo) -> None:
    repo.install_hooks()
    repo.write(".ai-rollback.toml", 'template = "tmpl.j2"\n')
    repo.write("tmpl.j2", "Human: from my template\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", env={"GIT_EDITOR": "true"})
    assert repo.out("log", "-1", "--format=%s") == "Human: from my template"


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink"])
def test_a_repository_template_never_reads_a_file_outside_it(repo: Repo, tmp_path: Path, where: str) -> None:
    """Issue 16, break 6: a cloned repository's config cannot pull a local file into a commit."""
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = wJalrXUtnFEMI\n")
    if where == "symlink":
        (repo.path / "tmpl.j2").symlink_to(secret)
        configured = "tmpl.j2"
    else:
        configured = str(secret) if where == "absolute" else "../credentials"
    repo.write(".ai-rollback.toml", f"template = {configured!r}\n".replace("'", '"'))
    repo.write("a.py", "a\n")
    repo.git("add", "a.py")
    repo.install_hooks("prepare-commit-msg")
    done = repo.git("commit", "-q", env={"GIT_EDITOR": "cat"}, check=False)
    assert "wJalrXUtnFEMI" not in done.stdout + done.stderr
    assert done.returncode != 0 and "template" in done.stderr
    assert repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).returncode != 0


def test_a_user_template_cannot_include_other_files(repo: Repo) -> None:
    (repo.path / "other.txt").write_text("other file\n")
    repo.write("tmpl.j2", '{% include "other.txt" %}\n')
    with pytest.raises(ConfigError):
        render.commit_template(cfg(str(repo.path), "tmpl.j2"), comment="#", files=[], model="", prompt="")
