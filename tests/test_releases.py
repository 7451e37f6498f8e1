"""The pure core of releases: the previous stable one, the current one, placeholders, names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_rollback import releases as model
from ai_rollback.errors import UsageError


def rel(name: str, healthy: bool = False, back_to: list[str | None] | None = None) -> model.Release:
    r = model.Release(name, "0" * 40, healthy=model.healthy_ref(name) if healthy else None)
    for n, target in enumerate(back_to or [], 1):
        r.rollbacks.append(model.Rollback(f"{model.ROLLED_BACK_PREFIX}{name}/{n}", name, target))
    return r


def names(found: model.Release | None) -> str | None:
    return found.name if found else None


def test_previous_stable_prefers_a_healthy_release_and_skips_rolled_back_ones() -> None:
    found = [rel("v1.0.0", healthy=True), rel("v1.0.1"), rel("v1.1.0", back_to=["v1.0.1"]), rel("v2.0.0")]
    assert names(model.previous_stable(found, "v2.0.0")) == "v1.0.0"  # healthy beats the newer v1.0.1
    assert names(model.previous_stable(found, "v1.0.1")) == "v1.0.0"
    assert names(model.previous_stable(found, "v1.0.0")) is None
    without_health = [rel("v1.0.0"), rel("v1.0.1"), rel("v1.1.0", back_to=["v1.0.1"])]
    assert names(model.previous_stable(without_health, "v2.0.0")) == "v1.0.1"  # newest never rolled back
    everything_back = [rel("v1.0.0", back_to=[None]), rel("v1.1.0")]
    assert model.previous_stable(everything_back, "v1.1.0") is None


def test_previous_stable_is_in_version_order_not_name_order() -> None:
    found = [rel("v1.9.0"), rel("v1.10.0"), rel("v2.0.0")]
    assert names(model.previous_stable(found, "v2.0.0")) == "v1.10.0"
    assert names(model.previous_stable(found, "v1.10.0")) == "v1.9.0"
    assert names(model.previous_stable(found, "v1.12.0")) == "v1.10.0"  # a release not tagged yet


def test_the_current_release_follows_rollbacks_and_stops_on_a_cycle() -> None:
    found = [rel("v1.0.0"), rel("v1.1.0", back_to=["v1.0.0"]), rel("v2.0.0", back_to=["v1.1.0"])]
    current, passed = model.current_release(found, ["v1.0.0", "v1.1.0", "v2.0.0"])
    assert current.name == "v1.0.0" and [r.name for r in passed] == ["v2.0.0", "v1.1.0"]
    cycle = [rel("v1.0.0", back_to=["v1.1.0"]), rel("v1.1.0", back_to=["v1.0.0"])]
    current, _ = model.current_release(cycle, ["v1.0.0", "v1.1.0"])
    assert current.name == "v1.0.0"
    gone = [rel("v1.0.0"), rel("v1.1.0", back_to=["v0.1.0"])]  # went back to a release since deleted
    assert model.current_release(gone, ["v1.0.0", "v1.1.0"])[0].name == "v1.1.0"
    with pytest.raises(UsageError, match="no release tag"):
        model.current_release(found, [])


VALUES = {"tag": "v2.1.0", "previous_tag": "v2.0.3", "ai_tag": None, "incident_tag": "incident-1"}


def test_substitute_fills_each_argument_and_keeps_other_braces() -> None:
    argv = ["deploy", "--to={previous_tag}", '{"a": 1}', "{{tag}}", "{tag}{incident_tag}", "}{", "{"]
    assert model.substitute(argv, VALUES, "cmd") == [
        "deploy", "--to=v2.0.3", '{"a": 1}', "{tag}", "v2.1.0incident-1", "}{", "{",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("arg", "said"),
    [("{prev}", "unknown placeholder {prev}"), ("{ai_tag}", "{ai_tag}, which has no value here")],
)
def test_substitute_names_what_it_cannot_fill(arg: str, said: str) -> None:
    with pytest.raises(UsageError, match=said.replace("{", r"\{").replace("}", r"\}")):
        model.substitute(["x", arg], VALUES, "cmd")


@given(
    st.text(min_size=1), st.lists(st.sampled_from(["{tag}", "a b", "'", ";", "$(x)", "{{", "-"]), max_size=6)
)
def test_a_value_never_becomes_more_than_its_argument(value: str, parts: list[str]) -> None:
    """Whatever a tag holds (spaces, quotes, a shell's syntax), it stays inside its one argument."""
    argv = ["deploy", "".join(parts), "--tag={tag}"]
    out = model.substitute(argv, {**VALUES, "tag": value}, "cmd")
    assert len(out) == 3 and out[2] == "--tag=" + value
    assert out[1] == "".join(value if p == "{tag}" else "{" if p == "{{" else p for p in parts)


def test_environment_names_every_placeholder() -> None:
    assert model.environment(VALUES) == {
        "AI_ROLLBACK_TAG": "v2.1.0",
        "AI_ROLLBACK_PREVIOUS_TAG": "v2.0.3",
        "AI_ROLLBACK_AI_TAG": "",
        "AI_ROLLBACK_INCIDENT_TAG": "incident-1",
    }


def test_incident_names_take_a_suffix_when_taken() -> None:
    now = 1_780_000_000.0
    base = model.incident_name("incident-%Y%m%d-%H%M", set(), now)
    assert base == "incident-20260528-2026"
    assert model.incident_name("incident-%Y%m%d-%H%M", {base}, now) == base + "-2"
    assert model.incident_name("incident-%Y%m%d-%H%M", {base, base + "-2"}, now) == base + "-3"


def test_record_names() -> None:
    assert model.record_release("ai-rollback/healthy/v1.0.0") == ("healthy", "v1.0.0")
    assert model.record_release("ai-rollback/rolled-back/v1.0.0/20261204T044000Z-0a1b2c3d") == (
        "rolled-back",
        "v1.0.0",
    )
    assert model.record_release("ai-rollback/rolled-back/releases/v1.0.0/x") == (
        "rolled-back",
        "releases/v1.0.0",
    )
    assert model.record_release("ai-rollback/rolled-back/v1.0.0") is None
    assert model.record_release("ai-rollback/healthy/") is None
    assert model.record_release("v1.0.0") is None
    stamp = model.utc_stamp(1_780_000_000.0)
    assert (
        model.rollback_ref("v1", stamp, "0a1b2c3d") == "ai-rollback/rolled-back/v1/20260528T202640Z-0a1b2c3d"
    )
    assert model.is_record("ai-rollback/x") and not model.is_record("ai-rollbackx")


@pytest.mark.parametrize(
    ("name", "pre"),
    [
        ("v2.0.0-rc1", True),
        ("v0.86.2.dev", True),  # aider's tags: PEP 440 dev releases
        ("1.0rc1", True),
        ("2.0b3", True),
        ("v3.0-alpha.1", True),
        ("v2.0.0", False),
        ("v1.2.3.post1", False),
        ("v1.2.3+build.5", False),
        ("v1.2.3.4", False),
    ],
)
def test_pre_releases_are_never_stable_and_sort_before_their_release(name: str, pre: bool) -> None:
    from ai_rollback.tagging import is_prerelease, version_key

    assert is_prerelease(name) is pre
    found = [rel("v0.9.0"), rel(name)]
    assert names(model.previous_stable(found, "v9.0.0")) == ("v0.9.0" if pre else name)
    if pre:
        final = name.split("-")[0].removesuffix(".dev").removesuffix("rc1").removesuffix("b3")
        assert version_key(name) < version_key(final)
