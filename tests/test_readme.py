"""The README's reference tables say what the code does: rule ids, detectors, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from ai_rollback import checks, errors, hook, kinds, rules

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def table_after(heading: str) -> list[list[str]]:
    """The rows (cells, backticks removed) of the first table after ``heading``."""
    start = README.index(heading + "\n")
    rows = []
    for line in README[start:].splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header row


def test_rule_table_lists_every_rule_in_the_order_they_are_reported() -> None:
    documented = [row[0] for row in table_after("### Rule ids")]
    assert documented == [rule for rule, _check in rules.RULES] + list(hook.COMMIT_RULES) + list(
        checks.RANGE_RULES
    )


def test_detector_table_lists_every_detector_in_the_order_they_are_tried() -> None:
    assert [row[0] for row in table_after("### Detectors")] == list(kinds.DETECTORS)


def test_exit_code_table_lists_every_code() -> None:
    documented = [int(row[0]) for row in table_after("## Exit codes")]
    codes = [errors.OK, errors.CHECK_FAILED, errors.USAGE, errors.ENVIRONMENT]
    codes += [errors.ROLLBACK_FAILED, errors.INTERRUPTED]
    assert documented == codes


def test_the_quick_start_commands_are_the_ones_ci_runs() -> None:
    """Issue 14, item 12: a virtual environment first, then the install and test commands of .ci/run."""
    quick_start = README[README.index("## Quick start\n") :]
    block = quick_start.split("```sh\n", 1)[1].split("```", 1)[0]
    assert block.splitlines() == [
        "python3 -m venv .venv && . .venv/bin/activate",
        "python -m pip install '.[dev]'",
        "python -m pytest",
    ]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    steps = [line.strip() for line in ci.splitlines()]
    assert '"$python" -m venv "$venv"' in steps
    assert "python -m pip install --quiet '.[dev]'" in steps and "python -m pytest" in steps
