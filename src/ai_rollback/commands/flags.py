"""``ai-rollback flags off|on KEY... | --tag TAG``: switch AI features' flags without a rollback.

The flags of a release are the ``Feature-flag`` keys of its AI commits, as
its AI tag lists them (``AI-Flags``).  They are switched in the flagd flag
file of ``[tool.ai-rollback.flags] file`` (:mod:`ai_rollback.flags`: checked
before and after, written whole in one rename, only when something changes,
and never over an edit made meanwhile), or one at a time through ``command``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ai_rollback import flags as model
from ai_rollback import releases
from ai_rollback.commands.tag import open_tagger
from ai_rollback.console import echo
from ai_rollback.errors import OK, ROLLBACK_FAILED, ConfigError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ai_rollback import tagging

#: the placeholders of ``[flags] command``
FLAG_PLACEHOLDERS = {
    "flag": "AI_ROLLBACK_FLAG",
    "state": "AI_ROLLBACK_FLAG_STATE",
    "tag": "AI_ROLLBACK_TAG",
    "ai_tag": "AI_ROLLBACK_AI_TAG",
}


@dataclass
class Switched:
    """What one ``flags`` run did."""

    changed: list[str]
    already: list[str]
    where: str
    failed: str | None = None  # the command's failure, if one failed


def release_flags(tagger: tagging.Tagger, tag: str) -> tuple[str, list[str]]:
    """``(AI tag, its flags)`` of the release (or AI tag) ``tag``."""
    ai_tag = tagger.ai_tag_for(tag)
    values = tagger.git.text(
        "for-each-ref",
        f"--format=%(trailers:key={model.FLAGS_TRAILER},valueonly,unfold)",
        f"refs/tags/{ai_tag}",
    )
    keys = [k.strip() for line in values.splitlines() for k in line.split(",")]
    return ai_tag, [k for k in dict.fromkeys(keys) if model.is_flag_key(k)]


def _file_path(tagger: tagging.Tagger, file: str) -> str:
    path = file if os.path.isabs(file) else os.path.join(tagger.repo.root, file)
    return os.path.realpath(path)  # a link (a mounted ConfigMap) is written where it points


def switch_file(path: str, keys: Sequence[str], state: str, shown: str) -> Switched:
    """Switch ``keys`` in the flag file ``path``; nothing is written when nothing changes."""
    from ai_rollback.atomic import replace_file

    try:
        with open(path, "rb") as f:
            before = f.read()
        mode = os.stat(path).st_mode & 0o7777
    except OSError as exc:
        raise ConfigError(
            f"cannot read the flag file {shown}: {exc.strerror}",
            hint="set [tool.ai-rollback.flags] file to flagd's flag file",
        ) from None
    try:
        text = before.decode("utf-8")
    except UnicodeDecodeError:
        raise model.FlagFileError(
            f"{shown} is not UTF-8 text", hint="fix the file; nothing was changed"
        ) from None
    after, changed, already = model.switch(text, keys, state, shown)
    if changed:
        with open(path, "rb") as f:
            if f.read() != before:
                raise UsageError(
                    f"{shown} changed while the flags were being switched; nothing was written",
                    hint="run the command again",
                )
        replace_file(path, after.encode("utf-8"), mode, durable=True)
    return Switched(changed, already, shown)


def switch_command(
    argv_text: str, keys: Sequence[str], state: str, timeout: float, values: dict[str, str | None]
) -> Switched:
    """Run ``[flags] command`` once per flag (placeholders filled in per argument); stop at a failure."""
    from ai_rollback.watch import split_command
    from ai_rollback.watch.actions import _run

    words = split_command(argv_text, "[flags] command")
    for key in keys:  # every placeholder checked before anything runs
        releases.substitute(
            words, {**values, "flag": key, "state": state}, "[flags] command", FLAG_PLACEHOLDERS
        )
    done: list[str] = []
    for key in keys:
        filled = {**values, "flag": key, "state": state}
        argv = releases.substitute(words, filled, "[flags] command", FLAG_PLACEHOLDERS)
        env = {variable: filled.get(name) or "" for name, variable in FLAG_PLACEHOLDERS.items()}
        ran = _run("flags-command", argv, timeout, os.path.basename(argv[0]), env=env)
        if not ran.ok:
            return Switched(done, [], "the flags command", failed=f"{key}: {ran.detail}")
        done.append(key)
    return Switched(done, [], "the flags command")


def switch(tagger: tagging.Tagger, keys: Sequence[str], state: str, tag: str | None = None) -> Switched:
    """Switch ``keys`` (or, with ``tag``, the release's flags) ``on`` or ``off``; the configured way."""
    from ai_rollback.watch import parse_duration

    settings = tagger.config.flags
    ai_tag = None
    if tag is not None:
        ai_tag, found = release_flags(tagger, tag)
        if not found:
            raise UsageError(
                f"{ai_tag} lists no feature flags: its AI commits carry no Feature-flag trailer",
                hint="name the flags: ai-rollback flags off KEY...",
            )
        keys = [*keys, *found]
    bad = [k for k in keys if not model.is_flag_key(k)]
    if bad:
        raise UsageError(
            f"{bad[0]!r} is not a flag key",
            hint="a flag key has letters, digits, '_', '-' and '.', and starts with a letter or digit",
        )
    if not keys:
        raise UsageError("name the flags to switch", hint="ai-rollback flags off KEY..., or --tag TAG")
    keys = list(dict.fromkeys(keys))
    section = tagger.config.section("flags")
    if settings.file and settings.command:
        raise ConfigError(f"{section} sets both file and command", hint="keep one of them")
    if settings.file:
        return switch_file(_file_path(tagger, settings.file), keys, state, settings.file)
    if settings.command:
        values = {"tag": tag, "ai_tag": ai_tag}
        return switch_command(
            settings.command, keys, state, parse_duration(settings.timeout, "timeout"), values
        )
    raise UsageError(
        "no flag file and no flags command is configured",
        hint=f'set {section} file = "path/to/flags.json" (flagd\'s flag file), or command = "..."',
    )


def flags_command(state: str, keys: Sequence[str], tag: str | None) -> int:
    """``ai-rollback flags off|on``: prints what changed; exits 4 when the flags command failed."""
    tagger = open_tagger()
    done = switch(tagger, keys, state, tag)
    for key in done.changed:
        echo(f"switched {state}: {key} (in {done.where})")
    for key in done.already:
        echo(f"already {state}: {key}")
    if done.failed:
        echo(f"FAILED: {done.failed}; the flags before it were switched {state}", err=True)
        return ROLLBACK_FAILED
    return OK
