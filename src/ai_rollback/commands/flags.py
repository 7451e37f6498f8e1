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
    """``(AI tag, its flags)`` of the release (or AI tag) ``tag``.

    The AI tag's ``AI-Flags`` trailer; an AI tag made before it existed has
    none, and then the ``Feature-flag`` trailers of its AI commits are read.
    """
    ai_tag = tagger.ai_tag_for(tag)
    message = tagger.git.text("for-each-ref", "--format=%(contents)", f"refs/tags/{ai_tag}")
    values = tagger.git.text(
        "for-each-ref",
        f"--format=%(trailers:key={model.FLAGS_TRAILER},valueonly,unfold)",
        f"refs/tags/{ai_tag}",
    )
    if f"\n{model.FLAGS_TRAILER}:" not in "\n" + message:
        release = tag if tagger.is_release(tag) else ai_tag.split("-ai-", 1)[0]
        if tagger.is_release(release) and tagger.tag_target(release) is not None:
            return ai_tag, tagger.plan(release, None, None).flags
    keys = [k.strip() for line in values.splitlines() for k in line.split(",")]
    return ai_tag, [k for k in dict.fromkeys(keys) if model.is_flag_key(k)]


def _file_path(tagger: tagging.Tagger, file: str) -> str:
    path = file if os.path.isabs(file) else os.path.join(tagger.repo.root, file)
    return os.path.realpath(path)  # a link (a mounted ConfigMap) is written where it points


def _read(path: str, shown: str) -> tuple[bytes, os.stat_result]:
    try:
        with open(path, "rb") as f:
            return f.read(), os.fstat(f.fileno())
    except OSError as exc:
        raise ConfigError(
            f"cannot read the flag file {shown}: {exc.strerror}",
            hint="set [tool.ai-rollback.flags] file to flagd's flag file",
        ) from None


def _text(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise model.FlagFileError(
            f"{shown} is not UTF-8 text", hint="fix the file; nothing was changed"
        ) from None


def check_file(path: str, keys: Sequence[str], shown: str) -> None:
    """That the flag file can be read, is a flag file, and has ``keys``: what switching them needs."""
    data, _ = _read(path, shown)
    model.switch(_text(data, shown), keys, "off", shown)
    if not os.access(os.path.dirname(path) or ".", os.W_OK):
        raise ConfigError(
            f"the directory of the flag file {shown} is not writable: the flags could not be switched",
            hint="the file is replaced whole, by a rename in its directory",
        )


def switch_file(
    path: str, keys: Sequence[str], state: str, shown: str, lock_dir: str | None = None
) -> Switched:
    """Switch ``keys`` in the flag file ``path``; nothing is written when nothing changes.

    One writer at a time (an exclusive lock in ``lock_dir``, the repository's git
    directory, shared by ``flags`` and ``watch``); the file is read again just
    before the rename, and an edit made meanwhile stops it.  The new file keeps
    the old one's mode and, where we may, its owner.
    """
    from ai_rollback.atomic import replace_file

    with _FlagsLock(lock_dir):
        before, info = _read(path, shown)
        after, changed, already = model.switch(_text(before, shown), keys, state, shown)
        if changed:
            again, _ = _read(path, shown)
            if again != before:
                raise UsageError(
                    f"{shown} changed while the flags were being switched; nothing was written",
                    hint="run the command again",
                )
            replace_file(path, after.encode("utf-8"), info.st_mode & 0o7777, durable=True, owner=info)
    return Switched(changed, already, shown)


class _FlagsLock:
    """An exclusive ``flock`` on ``lock_dir/ai-rollback/flags.lock`` for the block (none without a dir)."""

    def __init__(self, lock_dir: str | None) -> None:
        self.path = os.path.join(lock_dir, "ai-rollback", "flags.lock") if lock_dir else None
        self.fd: int | None = None

    def __enter__(self) -> None:
        if self.path is None:
            return
        import fcntl

        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)  # the other writer is done in milliseconds: wait

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)


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
            left = [k for k in keys if k not in done and k != key]
            said = f"{key}: {ran.detail}"
            if left:
                said += f"; not tried: {', '.join(left)}"
            return Switched(done, [], "the flags command", failed=said)
        done.append(key)
    return Switched(done, [], "the flags command")


def plan(
    tagger: tagging.Tagger, keys: Sequence[str], tag: str | None = None
) -> tuple[list[str], dict[str, str | None]]:
    """The flags to switch (``keys``, and with ``tag`` the release's) and the command's values; checked."""
    ai_tag = None
    keys = list(keys)
    if tag is not None:
        ai_tag, found = release_flags(tagger, tag)
        if not found:
            raise UsageError(
                f"{ai_tag} lists no feature flags: its AI commits carry no Feature-flag trailer",
                hint="name the flags: ai-rollback flags off KEY...",
            )
        keys += found
    bad = [k for k in keys if not model.is_flag_key(k)]
    if bad:
        raise UsageError(
            f"{bad[0]!r} is not a flag key",
            hint="a flag key has letters, digits, '_', '-' and '.', and starts with a letter or digit",
        )
    if not keys:
        raise UsageError("name the flags to switch", hint="ai-rollback flags off KEY..., or --tag TAG")
    settings = tagger.config.flags
    section = tagger.config.section("flags")
    if settings.file and settings.command:
        raise ConfigError(f"{section} sets both file and command", hint="keep one of them")
    if not (settings.file or settings.command):
        raise UsageError(
            "no flag file and no flags command is configured",
            hint=f'set {section} file = "path/to/flags.json" (flagd\'s flag file), or command = "..."',
        )
    return list(dict.fromkeys(keys)), {"tag": tag, "ai_tag": ai_tag}


def preflight(tagger: tagging.Tagger, keys: Sequence[str], values: dict[str, str | None]) -> None:
    """What switching ``keys`` needs, checked without switching: the file and its keys, or the
    command and its placeholders (``watch --disable-flags`` before its first poll)."""
    from ai_rollback.watch import split_command

    settings = tagger.config.flags
    if settings.file:
        check_file(_file_path(tagger, settings.file), keys, settings.file)
    elif settings.command:
        words = split_command(settings.command, "[flags] command")
        for key in keys:
            releases.substitute(
                words, {**values, "flag": key, "state": "off"}, "[flags] command", FLAG_PLACEHOLDERS
            )


def switch(
    tagger: tagging.Tagger,
    keys: Sequence[str],
    state: str,
    tag: str | None = None,
    values: dict[str, str | None] | None = None,
) -> Switched:
    """Switch ``keys`` (or, with ``tag``, the release's flags) ``on`` or ``off``; the configured way."""
    from ai_rollback.watch import parse_duration

    if values is None:
        keys, values = plan(tagger, keys, tag)
    settings = tagger.config.flags
    if settings.file:
        return switch_file(
            _file_path(tagger, settings.file), keys, state, settings.file, lock_dir=tagger.repo.common_dir
        )
    assert settings.command is not None  # noqa: S101 - plan() checked that one is set
    return switch_command(settings.command, keys, state, parse_duration(settings.timeout, "timeout"), values)


def flags_command(state: str, keys: Sequence[str], tag: str | None) -> int:
    """``ai-rollback flags off|on``: prints what changed; exits 4 when the flags command failed."""
    tagger = open_tagger()
    done = switch(tagger, keys, state, tag)
    for key in done.changed:
        echo(f"switched {state}: {key} (in {done.where})")
    for key in done.already:
        echo(f"already {state}: {key}")
    if done.failed:
        before = (
            f"switched {state} before it: {', '.join(done.changed)}" if done.changed else "none was switched"
        )
        echo(f"FAILED: {done.failed} ({before})", err=True)
        return ROLLBACK_FAILED
    return OK
