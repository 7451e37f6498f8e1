"""Credentials in prompts: what the scanner finds, what it leaves alone, how it redacts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_rollback.credentials import find_credentials, redact


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN RSA PRIVATE KEY-----",
        "AKIAIOSFODNN7EXAMPLE",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv",
        "glpat-abcdefghijklmnopqrst",
        "xoxb-123456789012-abcdefghij",
        "sk-ant-api03-abcdefghijklmnopqrstuvwx",
        "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
        "sk_live_abcdefghijklmnop1234",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "set password=hunter2hunter in the config",
        "api_key = 'c0ffee-c0ffee-c0ffee'",
        'the config has {"token": "abcd1234efgh"}',
    ],
)
def test_credentials_found(text: str) -> None:
    assert find_credentials(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Optimize image processing pipeline for memory efficiency",
        "fix the password reset flow",
        "read api_key=os.environ['API_KEY'] instead of hardcoding",
        "password=<your password>",
        "token = ${TOKEN}",
        "rename the token parser",
        "password=****",
    ],
)
def test_no_false_alarm(text: str) -> None:
    assert find_credentials(text) == []


def test_redact() -> None:
    assert redact("short") == "*****"
    assert redact("abcdefghijklmnopqrstuvwxyz") == "abcd" + "*" * 12


def test_every_kind_has_a_sample_and_each_is_found() -> None:
    from ai_rollback import credentials
    from credential_samples import SAMPLES

    kinds = {name for name, _pattern, _group in credentials._PATTERNS}
    assert {kind for kind, _text, _secret in SAMPLES} == kinds
    for kind, text, secret in SAMPLES:
        assert kind in [name for name, _shown in find_credentials(text)], text
        assert secret not in credentials.redact_text(text)
        assert secret.encode() not in credentials.redact_bytes(text.encode())


def test_overlapping_finds_are_redacted_whole() -> None:
    from ai_rollback.credentials import redact_text

    text = "password=SuperSecret123-AKIAIOSFODNN7EXAMPLE"
    clean = redact_text(text)
    assert "SuperSecret123" not in clean and "AKIAIOSFODNN7EXAMPLE" not in clean


def test_the_batch_scan_finds_every_hint_as_a_plain_search_would() -> None:
    from ai_rollback import credentials

    for hint in credentials._HINT_BYTES:
        assert credentials.may_hold_credentials(b"subject " + hint.upper() + b" tail"), hint
    assert not credentials.may_hold_credentials(b"Human: fix the parser\nAI: tidy the cache")


@given(
    st.text(alphabet=st.sampled_from([*"abcdefghijklmnopqrstuvwxyzABCDEFGHIJ =:-_./", "\n"]), max_size=60),
    st.data(),
)
def test_the_hint_search_finds_what_the_substring_tests_find(text: str, data: st.DataObject) -> None:
    """Where ``re`` is loaded, one search of every hint replaces the substring tests: the same answer."""
    import re  # noqa: F401 - loaded, as on every path but the commit-msg hook's

    from ai_rollback import credentials

    if data.draw(st.booleans()):
        text += data.draw(st.sampled_from(credentials._HINTS)).upper()
    credentials._scan(text)
    low = text.lower()
    assert (credentials._hint_text[0].search(low) is not None) == any(h in low for h in credentials._HINTS)
