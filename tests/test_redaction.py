"""Nothing ai-rollback writes copies a credential: tags, reverts, incidents, JSON, reports, checks.

Every credential kind the scanner knows (``credential_samples``) sits in an AI commit made with
``--no-verify``: in its subject, its prompt, its model and its body.  Every output of every
command is then searched for each secret.  (watch's alerts: ``tests/watch``.)
"""

from __future__ import annotations

import pytest

from conftest import AI_REVERT, Repo, tool
from credential_samples import SAMPLES

ONE_LINE = [(kind, text, secret) for kind, text, secret in SAMPLES if "\n" not in text]
KEY_BLOCK = next(text for _kind, text, _secret in SAMPLES if "\n" in text)


@pytest.fixture
def leaky(repo: Repo) -> Repo:
    repo.commit("Human: start", {"app.py": "app\n"})
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    for n, (_kind, text, _secret) in enumerate(ONE_LINE):
        message = (
            f"AI: use {text}\n\n{KEY_BLOCK}\n\n"
            f"Generated-by: GPT-5 {text}\nPrompt: deploy with {text} and {ONE_LINE[0][1]}\n"
            f"Files: f{n}.py\n"
        )
        repo.commit(message, {f"f{n}.py": f"{n}\n"}, "--no-verify")
    return repo


def assert_clean(what: str, text: str) -> None:
    for kind, _text, secret in SAMPLES:
        assert secret not in text, f"{kind} copied into {what}:\n{text}"


def test_no_output_copies_a_credential(leaky: Repo) -> None:
    outputs: dict[str, str] = {}
    for fmt in ("table", "json", "markdown"):
        done = tool(leaky, "log", "--format", fmt)
        assert done.returncode == 0, done.stderr
        outputs[f"log --format {fmt}"] = done.stdout + done.stderr
    done = tool(leaky, "log", "--format", "json", "--by", "release", "--lines")
    outputs["log --by release --lines"] = done.stdout
    for fmt in ("text", "json"):
        done = tool(leaky, "check", "--range", "v1.0.0..HEAD", "--format", fmt)
        outputs[f"check --format {fmt}"] = done.stdout + done.stderr
    done = tool(leaky, "tag", "v1.1.0")
    assert done.returncode == 0, done.stderr
    outputs["tag's output"] = done.stdout + done.stderr
    ai_tag = next(t for t in leaky.out("tag", "--list", "v1.1.0-ai-*").split())
    outputs["the AI tag"] = leaky.out("for-each-ref", "--format=%(contents)", f"refs/tags/{ai_tag}")
    for args in (["--dry-run"], ["--dry-run", "--format", "json"]):
        done = leaky.run(*AI_REVERT, "v1.0.0..HEAD", *args, check=False)
        outputs[f"ai-revert {' '.join(args)}"] = done.stdout + done.stderr
    done = leaky.run(*AI_REVERT, "v1.0.0..HEAD", "--yes", "--incident", "--format", "json", check=False)
    assert done.returncode == 0, done.stderr
    outputs["ai-revert --format json"] = done.stdout + done.stderr
    outputs["the revert commits"] = leaky.out("log", "--format=%B", "v1.1.0..HEAD")
    incident = leaky.out("tag", "--list", "incident-*")
    outputs["the incident tag"] = leaky.out("for-each-ref", "--format=%(contents)", f"refs/tags/{incident}")
    leaky.git("reset", "-q", "--keep", "v1.1.0")
    done = leaky.run(*AI_REVERT, "v1.0.0..HEAD", "--yes", "--squash", check=False)
    assert done.returncode == 0, done.stderr
    outputs["ai-revert --squash"] = done.stdout + leaky.out("log", "-1", "--format=%B")
    leaky.git("reset", "-q", "--keep", "v1.1.0")
    done = leaky.run(*AI_REVERT, "v1.0.0..HEAD", "--yes", "--no-commit", check=False)
    assert done.returncode == 0, done.stderr
    outputs["ai-revert --no-commit's MERGE_MSG"] = (leaky.path / ".git" / "MERGE_MSG").read_text()
    for what, text in outputs.items():
        assert text.strip(), what
        assert_clean(what, text)
