"""Feature flags of AI features, in an OpenFeature flagd flag file (pure: text in, text out).

An AI commit names the flags that guard its code with ``Feature-flag: KEY``
trailers (:func:`is_flag_key` says what a key may be).  ``ai-rollback flags
off KEY...`` switches them off in the flag file that flagd, or the OpenFeature
flagd provider in file mode, reads: the flag's ``state`` becomes
``"DISABLED"``, which flagd answers, for every evaluation, with the default
value the application's code gives (reason ``DISABLED``).  ``flags on`` sets
``"ENABLED"`` again.  Nothing else in the file changes: the variants, the
default variant and the targeting stay as they were, so ``on`` gives back
exactly what ``off`` took.

The file is checked against flagd's schema before and after
(:func:`check_document`): ``flags`` is an object of flags, each with a
``state`` of ``ENABLED`` or ``DISABLED``, a non-empty object of
``variants`` and a ``defaultVariant`` naming one of them (or null).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import cast

from ai_rollback.errors import ConfigError, UsageError

FLAG_TRAILER = "Feature-flag"
FLAGS_TRAILER = "AI-Flags"  # in the AI tag: the release's flags
ON, OFF = "ENABLED", "DISABLED"
STATES = {"on": ON, "off": OFF}
KEY_LIMIT = 128
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def is_flag_key(key: str) -> bool:
    """A flag key as we accept it: letters, digits, ``_``, ``-``, ``.``; a letter or digit first; <= 128."""
    return 0 < len(key) <= KEY_LIMIT and key[0].isascii() and key[0].isalnum() and set(key) <= _KEY_CHARS


def keys_of(values: Iterable[str]) -> list[str]:
    """The flag keys of ``Feature-flag`` trailer values (one key each), in order, once each, valid only."""
    return list(dict.fromkeys(v.strip() for v in values if is_flag_key(v.strip())))


class FlagFileError(ConfigError):
    """The flag file is not JSON, or not what flagd reads; nothing was changed."""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def parse_document(text: str, where: str) -> dict[str, object]:
    """The flag file's JSON, checked (:func:`check_document`)."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except (ValueError, RecursionError) as exc:
        raise FlagFileError(
            f"{where} is not valid JSON: {exc}", hint="fix the file; nothing was changed"
        ) from None
    check_document(data, where)
    return cast("dict[str, object]", data)


def check_document(data: object, where: str) -> None:
    """Raise :class:`FlagFileError` naming the first place where ``data`` is not a flagd flag file."""

    def fail(path: str, what: str) -> FlagFileError:
        return FlagFileError(
            f"{where}: {path} {what} (flagd's schema: https://flagd.dev/reference/flag-definitions/)",
            hint="fix the file; nothing was changed",
        )

    if not isinstance(data, dict):
        raise fail("the top level", "must be a JSON object")
    flags = data.get("flags")
    if not isinstance(flags, dict):
        raise fail("'flags'", "must be an object of flags")
    for key, flag in flags.items():
        path = f"flags.{key}"
        if not isinstance(flag, dict):
            raise fail(path, "must be an object")
        if flag.get("state") not in (ON, OFF):
            raise fail(f"{path}.state", f"must be {ON!r} or {OFF!r}, not {flag.get('state')!r}")
        variants = flag.get("variants")
        if not isinstance(variants, dict) or not variants:
            raise fail(f"{path}.variants", "must be a non-empty object")
        if "defaultVariant" not in flag:
            raise fail(f"{path}.defaultVariant", "is missing")
        default = flag["defaultVariant"]
        if default is not None and (not isinstance(default, str) or default not in variants):
            raise fail(f"{path}.defaultVariant", f"must name one of its variants, not {default!r}")


def _indent(text: str) -> int | None:
    """The file's indentation (spaces before its second line), None for a one-line file."""
    lines = text.splitlines()
    if len(lines) < 2:
        return None
    second = lines[1]
    return len(second) - len(second.lstrip(" ")) or 2


def switch(text: str, keys: Sequence[str], state: str, where: str) -> tuple[str, list[str], list[str]]:
    """``(new text, keys switched, keys already so)``: ``keys`` set to ``state`` (``on``/``off``).

    Every key must be in the file (else an error naming the unknown ones, nothing changed).
    """
    wanted = STATES[state]
    data = parse_document(text, where)
    flags = cast("dict[str, dict[str, object]]", data["flags"])  # checked by parse_document
    unknown = [k for k in keys if k not in flags]
    if unknown:
        raise UsageError(
            f"{where} has no flag {', '.join(unknown)}",
            hint="its flags: " + (", ".join(sorted(flags)[:20]) or "none"),
        )
    changed, already = [], []
    for key in dict.fromkeys(keys):
        flag = flags[key]
        if flag["state"] == wanted:
            already.append(key)
        else:
            flag["state"] = wanted
            changed.append(key)
    out = json.dumps(data, indent=_indent(text), ensure_ascii=False) + "\n"
    parse_document(out, where)  # what is written is a flag file flagd reads, too
    return out, changed, already
