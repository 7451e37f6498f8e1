"""Feature flags: flagd's file checked and switched (pure), the command, the hook rule, the AI tag."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_rollback import flags
from ai_rollback.errors import ConfigError, UsageError
from conftest import Repo, ai_message


def flag(state: str = "ENABLED", **extra: object) -> dict[str, object]:
    return {"state": state, "variants": {"on": True, "off": False}, "defaultVariant": "on", **extra}


def document(**named: dict[str, object]) -> str:
    return json.dumps({"$schema": "https://flagd.dev/schema/v0/flags.json", "flags": named}, indent=2) + "\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{", "is not valid JSON"),
        ('{"flags": {"a": 1, "a": 2}}', "appears twice"),
        ("[]", "the top level must be a JSON object"),
        ('{"flag": {}}', "'flags' must be an object of flags"),
        ('{"flags": {"a": []}}', "flags.a must be an object"),
        ('{"flags": {"a": {"state": "on", "variants": {"x": 1}, "defaultVariant": "x"}}}', "flags.a.state"),
        ('{"flags": {"a": {"state": "ENABLED", "variants": {}, "defaultVariant": "x"}}}', "flags.a.variants"),
        ('{"flags": {"a": {"state": "ENABLED", "variants": {"x": 1}}}}', "flags.a.defaultVariant is missing"),
        ('{"flags": {"a": {"state": "ENABLED", "variants": {"x": 1}, "defaultVariant": "y"}}}', "one of its"),
    ],
)
def test_a_file_flagd_would_not_read_is_refused(text: str, said: str) -> None:
    with pytest.raises(flags.FlagFileError, match=said) as caught:
        flags.switch(text, ["a"], "off", "flags.json")
    assert isinstance(caught.value, ConfigError) and caught.value.exit_code == 3
    assert caught.value.hint == "fix the file; nothing was changed"


def test_switch_changes_only_the_state_and_on_gives_back_what_off_took() -> None:
    original = document(
        ai_image_optimization=flag(targeting={"if": [{"==": [{"var": "tier"}, "beta"]}, "on", "off"]}),
        other=flag("DISABLED", metadata={"owner": "team-x"}),
    )
    off, changed, already = flags.switch(original, ["ai_image_optimization"], "off", "f")
    assert (changed, already) == (["ai_image_optimization"], [])
    data = json.loads(off)
    assert data["flags"]["ai_image_optimization"]["state"] == "DISABLED"
    assert data["flags"]["other"] == json.loads(original)["flags"]["other"]
    on, changed, _ = flags.switch(off, ["ai_image_optimization"], "on", "f")
    assert on == original and changed == ["ai_image_optimization"]  # indentation kept too
    _, changed, already = flags.switch(original, ["other", "other"], "off", "f")
    assert (changed, already) == ([], ["other"])


def test_an_unknown_flag_is_named_and_nothing_changes() -> None:
    with pytest.raises(UsageError, match="has no flag nope, gone") as caught:
        flags.switch(document(a=flag()), ["a", "nope", "gone"], "off", "flags.json")
    assert caught.value.hint == "its flags: a"


VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=6),
        st.tuples(
            st.sampled_from(["ENABLED", "DISABLED"]), st.dictionaries(st.text(max_size=4), VALUE, max_size=3)
        ),
        min_size=1,
        max_size=5,
    ),
    st.data(),
)
def test_switch_leaves_every_other_key_and_value_as_it_was(
    found: dict[str, tuple[str, dict[str, object]]], data: st.DataObject
) -> None:
    named = {
        key: {**extra, "state": state, "variants": {"v": 1}, "defaultVariant": "v"}
        for key, (state, extra) in found.items()
    }
    text = json.dumps({"flags": named, "$evaluators": {"x": 1}})
    keys = data.draw(st.lists(st.sampled_from(sorted(named)), min_size=1))
    state = data.draw(st.sampled_from(["on", "off"]))
    out, changed, already = flags.switch(text, keys, state, "f")
    after = json.loads(out)
    assert after["$evaluators"] == {"x": 1}
    for key, value in named.items():
        expected = dict(value, state=flags.STATES[state]) if key in keys else value
        assert after["flags"][key] == expected
    assert sorted(changed + already) == sorted(set(keys))


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("ai_image_optimization", True),
        ("new-checkout.v2", True),
        ("9lives", True),
        ("-x", False),
        ("_x", False),
        ("a b", False),
        ("a,b", False),
        ("é", False),
        ("", False),
        ("a" * 128, True),
        ("a" * 129, False),
    ],
)
def test_flag_keys(key: str, ok: bool) -> None:
    assert flags.is_flag_key(key) is ok


def configure(repo: Repo, table: str) -> None:
    repo.commit("Human: configure flags", {"pyproject.toml": f"[tool.ai-rollback.flags]\n{table}\n"})


def test_flags_off_and_on_in_the_configured_file(repo: Repo) -> None:
    (repo.path / "deploy").mkdir()
    path = repo.path / "deploy" / "flags.json"
    path.write_text(document(a=flag(), b=flag()))
    path.chmod(0o640)
    configure(repo, 'file = "deploy/flags.json"')
    done = repo.tool("flags", "off", "a")
    assert done.stdout == "switched off: a (in deploy/flags.json)\n"
    assert json.loads(path.read_text())["flags"]["a"]["state"] == "DISABLED"
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(os.listdir(path.parent)) == ["flags.json"]  # no temporary file left
    before = path.stat().st_mtime_ns
    assert repo.tool("flags", "off", "a").stdout == "already off: a\n"
    assert path.stat().st_mtime_ns == before  # nothing to change: not rewritten
    unknown = repo.tool("flags", "off", "b", "zz", check=False)
    assert unknown.returncode == 2 and "has no flag zz" in unknown.stderr
    assert json.loads(path.read_text())["flags"]["b"]["state"] == "ENABLED"  # all or nothing
    assert repo.tool("flags", "on", "a").stdout == "switched on: a (in deploy/flags.json)\n"


def test_a_flag_file_behind_a_link_is_written_where_it_points(repo: Repo, tmp_path: Path) -> None:
    real = tmp_path / "mounted.json"
    real.write_text(document(a=flag()))
    (repo.path / "flags.json").symlink_to(real)
    configure(repo, 'file = "flags.json"')
    repo.tool("flags", "off", "a")
    assert (repo.path / "flags.json").is_symlink()
    assert json.loads(real.read_text())["flags"]["a"]["state"] == "DISABLED"


def test_a_broken_flag_file_is_refused_and_left_alone(repo: Repo) -> None:
    path = repo.path / "flags.json"
    path.write_text('{"flags": {"a": {"state": "ENABLED"}}}')
    configure(repo, 'file = "flags.json"')
    done = repo.tool("flags", "off", "a", check=False)
    assert done.returncode == 3 and "flags.a.variants must be a non-empty object" in done.stderr
    assert path.read_text() == '{"flags": {"a": {"state": "ENABLED"}}}'
    path.unlink()
    missing = repo.tool("flags", "off", "a", check=False)
    assert missing.returncode == 3 and "cannot read the flag file flags.json" in missing.stderr


def test_nothing_configured(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    done = repo.tool("flags", "off", "a", check=False)
    assert done.returncode == 2 and "no flag file and no flags command" in done.stderr
    bad = repo.tool("flags", "off", "not a key", check=False)
    assert bad.returncode == 2 and "'not a key' is not a flag key" in bad.stderr


def test_the_flags_command_runs_once_per_flag_with_placeholders(repo: Repo, tmp_path: Path) -> None:
    log = tmp_path / "calls.txt"
    script = tmp_path / "flagctl.py"
    script.write_text(
        "import os, sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + ' ' + os.environ['AI_ROLLBACK_FLAG'] + '\\n')\n"
        "sys.exit(3 if sys.argv[1] == 'broken' else 0)\n"
    )
    import sys

    configure(repo, f'command = "{sys.executable} {script} {{flag}} --state={{state}}"')
    assert repo.tool("flags", "off", "a", "b").returncode == 0
    assert log.read_text() == "a --state=off a\nb --state=off b\n"
    failed = repo.tool("flags", "on", "x", "broken", "never", check=False)
    assert failed.returncode == 4 and "FAILED: broken:" in failed.stderr
    assert "switched on: x" in failed.stdout and "never" not in log.read_text()


def test_the_hook_checks_feature_flag_keys(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    (repo.path / "b.txt").write_text("b\n")
    repo.git("add", "b.txt")
    repo.tool("install")
    message = ai_message("add b", ["b.txt"]) + "Feature-flag: not a key\n"
    done = repo.git("commit", "-q", "-m", message, check=False)
    assert done.returncode != 0 and "feature-flag" in done.stderr and "not a flag key" in done.stderr
    placeholder = ai_message("add b", ["b.txt"]) + "Feature-flag: <optional: the flag key>\n"
    done = repo.git("commit", "-q", "-m", placeholder, check=False)
    assert done.returncode != 0 and "still holds the template's placeholder" in done.stderr
    ok = ai_message("add b", ["b.txt"]) + "Feature-flag: ai_b\nFeature-flag: ai_b_v2\n"
    assert repo.git("commit", "-q", "-m", ok).returncode == 0


def test_the_template_offers_the_trailer(repo: Repo) -> None:
    repo.commit("Human: start", {"a.txt": "a\n"})
    (repo.path / "b.txt").write_text("b\n")
    repo.git("add", "b.txt")
    msg = repo.path / "MSG"
    msg.write_text("")
    repo.tool("prepare-commit-msg", str(msg))
    assert "# Feature-flag: <optional: the flag key that switches this code off;" in msg.read_text()


def test_the_ai_tag_lists_the_release_flags_and_flags_tag_switches_them(repo: Repo) -> None:
    repo.commit("Human: start", {"flags.json": document(ai_a=flag(), ai_b=flag(), human=flag())})
    repo.git("tag", "-a", "v1.0.0", "-m", "one")
    repo.commit(ai_message("a", ["a.py"], body="") + "Feature-flag: ai_a\n", {"a.py": "a\n"})
    repo.commit(ai_message("b", ["b.py"]) + "Feature-flag: ai_b\nFeature-flag: ai_a\n", {"b.py": "b\n"})
    repo.commit("Human: config", {"pyproject.toml": '[tool.ai-rollback.flags]\nfile = "flags.json"\n'})
    repo.tool("tag", "v1.1.0", "--slug", "ab")
    message = repo.out("for-each-ref", "--format=%(contents)", "refs/tags/v1.1.0-ai-ab")
    assert "AI-Flags: ai_b, ai_a\n" in message + "\n" and "    flags:  ai_b, ai_a" in message
    done = repo.tool("flags", "off", "--tag", "v1.1.0")
    assert done.stdout.splitlines() == [
        "switched off: ai_b (in flags.json)",
        "switched off: ai_a (in flags.json)",
    ]
    states = {k: v["state"] for k, v in json.loads((repo.path / "flags.json").read_text())["flags"].items()}
    assert states == {"ai_a": "DISABLED", "ai_b": "DISABLED", "human": "ENABLED"}
    none = repo.tool("flags", "off", "--tag", "v1.0.0", check=False)
    assert none.returncode == 2 and "v1.0.0 is a release without an AI tag" in none.stderr
