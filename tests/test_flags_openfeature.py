"""The README's application code, with the real OpenFeature SDK and flagd provider, reads our flag file.

The application is the README's ``python`` block under "Feature flags", run as
it is in a process of its own, evaluating the flag in a loop; ``ai-rollback
flags off`` switches the flag in the file that process reads, and its next
evaluations are off.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from conftest import PYTHON, Repo

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def application() -> str:
    section = README[README.index("### Feature flags for AI features\n") :]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


LOOP = """
import sys, time
while True:
    print("on" if feature_flag("ai_image_optimization") else "off", flush=True)
    time.sleep(0.05)
"""

FLAGS = {
    "$schema": "https://flagd.dev/schema/v0/flags.json",
    "flags": {
        "ai_image_optimization": {
            "state": "ENABLED",
            "variants": {"on": True, "off": False},
            "defaultVariant": "on",
        },
        "checkout_v2": {"state": "ENABLED", "variants": {"a": "a", "b": "b"}, "defaultVariant": "b"},
    },
}


class App:
    """The application process; :meth:`wait_for` reads its evaluations until one says ``value``."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        code = application() + LOOP
        self.proc = subprocess.Popen(
            [PYTHON, "-c", code],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def wait_for(self, value: str, seconds: float = 20.0) -> float:
        started = time.monotonic()
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == value:
                return time.monotonic() - started
            if time.monotonic() - started > seconds:
                break
        raise AssertionError(f"the application never evaluated the flag {value}")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def test_flags_off_reaches_the_application_through_the_openfeature_sdk(repo: Repo) -> None:
    assert "openfeature" in application() and "feature_flag(" in application()
    (repo.path / "deploy").mkdir()
    (repo.path / "deploy" / "flags.json").write_text(json.dumps(FLAGS, indent=2) + "\n")
    repo.commit("Human: flags", {"pyproject.toml": '[tool.ai-rollback.flags]\nfile = "deploy/flags.json"\n'})
    app = App(repo.path, repo.env)
    try:
        app.wait_for("on")
        done = repo.tool("flags", "off", "ai_image_optimization")
        assert done.returncode == 0, done.stderr
        took = app.wait_for("off")
        sys.stderr.write(f"the application saw the flag off {took:.2f}s later\n")
        assert took < 10
        repo.tool("flags", "on", "ai_image_optimization")
        app.wait_for("on")
    finally:
        app.stop()
    after = json.loads((repo.path / "deploy" / "flags.json").read_text())
    assert after == FLAGS  # on gave back exactly what off took
