"""watch's sources: Prometheus (a loopback server), a metrics command; what an unreadable poll is."""

from __future__ import annotations

import math
import shlex
from pathlib import Path

import pytest
from watch_helpers import FAST, prometheus, released, servers, watch  # noqa: F401 - fixtures

from ai_rollback.watch import SourceError, prometheus_value, redact_url
from conftest import PYTHON, Repo


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ("http500", "answered HTTP 500"),
        ("error", "refused the query: parse error"),
        ("redirect", "redirected to a URL that is not http(s)"),
        ("slow", "did not answer within 0.3s"),
    ],
)
def test_prometheus_errors_are_unreadable_polls(released: Repo, prometheus, failure: str, said: str) -> None:  # type: ignore[no-untyped-def]
    prom = prometheus(errors=[failure])
    done = watch(
        released, "v1.1.0", *FAST, "--prometheus", prom.url, "--blind-after", "2", "--timeout", "0.3s"
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert said in done.stdout


def test_missing_series_say_nothing_but_an_empty_source_is_blind(
    released: Repo,
    prometheus,  # type: ignore[no-untyped-def]
) -> None:
    prom = prometheus(latency=[None])  # no latency series: judged on the others
    done = watch(released, "v1.1.0", "--for", "0.1s", "--every", "0.05s", "--prometheus", prom.url)
    assert done.returncode == 0 and "response-time-ms" not in done.stdout.split("\n", 1)[1]
    prom = prometheus(errors=[None], latency=[None], memory=[None])
    done = watch(released, "v1.1.0", *FAST, "--prometheus", prom.url)
    assert done.returncode == 3 and "the sample holds none of" in done.stdout


def test_metrics_command_source_and_configured_thresholds(released: Repo, tmp_path: Path) -> None:
    script = tmp_path / "health.py"
    script.write_text(
        'import json; print(json.dumps({"error-rate": 0.2, "response-time-ms": 90, "other": 1}))\n'
    )
    source = shlex.join([PYTHON, str(script)])
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", source)
    assert done.returncode == 1 and "no rollback action is configured" in done.stdout
    # a threshold from the configuration, then one from the command line
    pyproject = released.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.ai-rollback.watch]\nerror-rate = 0.5\n")
    done = watch(released, "v1.1.0", "--for", "0.1s", "--every", "0.05s", "--metrics-command", source)
    assert done.returncode == 0, done.stdout + done.stderr
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", source, "--error-rate", "0.1")
    assert done.returncode == 1
    script.write_text('print(\'{"error-rate": "high"}\')\n')
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", source)
    assert done.returncode == 3 and "error-rate is 'high', not a number" in done.stdout


def test_a_hanging_or_flooding_metrics_command_is_an_unreadable_poll(released: Repo, tmp_path: Path) -> None:
    slow = tmp_path / "slow.py"
    slow.write_text("import time; time.sleep(30)\n")
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", shlex.join([PYTHON, str(slow)]),
                 "--timeout", "0.3s", "--blind-after", "1")  # fmt: skip
    assert done.returncode == 3 and "no answer within 0.3s (stopped)" in done.stdout
    flood = tmp_path / "flood.py"
    flood.write_text("import sys\nwhile True: sys.stdout.write('[' * 65536)\n")
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", shlex.join([PYTHON, str(flood)]),
                 "--blind-after", "1")  # fmt: skip
    assert done.returncode == 3 and "printed more than 1 MiB (stopped)" in done.stdout
    deep = tmp_path / "deep.py"
    deep.write_text("print('[' * 100000 + ']' * 100000)\n")
    done = watch(released, "v1.1.0", *FAST, "--metrics-command", shlex.join([PYTHON, str(deep)]),
                 "--blind-after", "1")  # fmt: skip
    assert (
        done.returncode == 3
        and "did not print a JSON object" in done.stdout
        and "Traceback" not in done.stderr
    )


def test_prometheus_results() -> None:
    assert prometheus_value({"resultType": "scalar", "result": [1, "0.25"]}) == 0.25
    vector = [{"value": [1, "0.1"]}, {"value": [1, "NaN"]}, {"value": [1, "0.4"]}]
    assert prometheus_value({"resultType": "vector", "result": vector}) == 0.4  # the worst series
    assert prometheus_value({"resultType": "vector", "result": []}) is None
    assert math.isinf(prometheus_value({"resultType": "vector", "result": [{"value": [1, "+Inf"]}]}) or 0)
    for bad in ({"resultType": "matrix", "result": []}, {"resultType": "vector", "result": [{}]}, None):
        with pytest.raises(SourceError):
            prometheus_value(bad)


def test_urls_are_shown_without_their_secrets() -> None:
    assert redact_url("https://user:pw@hooks.slack.com/services/T/B/XYZ?x=1") == "https://hooks.slack.com"
    assert redact_url("http://127.0.0.1:9090/") == "http://127.0.0.1:9090"
