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
``variants`` and a ``defaultVariant`` naming one of them (or null); JSON as
flagd's parser reads it (no ``NaN``, no ``Infinity``, no key twice).  The
new text is the old one with only the ``state`` values replaced in place
(:func:`state_spans`): its layout, line ends, numbers and every other byte
stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is too large a number for flagd (it reads numbers as 64-bit floats)")
    return value


def parse_document(text: str, where: str) -> dict[str, object]:
    """The flag file's JSON, checked (:func:`check_document`)."""
    import json

    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite
        )
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


def state_spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each ``flags.KEY.state`` value stands in ``text``: ``KEY -> (start, end)``.

    A small scanner over JSON that :func:`parse_document` accepted (so it is
    well formed): it follows the top-level object's ``flags`` member and each
    flag's ``state`` member, and skips every other value whole.
    """
    import json

    n = len(text)

    def ws(i: int) -> int:
        while i < n and text[i] in " \t\r\n":
            i += 1
        return i

    def string_end(i: int) -> int:  # text[i] == '"'
        i += 1
        while True:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == '"':
                return i + 1
            else:
                i += 1

    def skip(i: int) -> int:  # past one value starting at i
        ch = text[i]
        if ch == '"':
            return string_end(i)
        if ch in "{[":
            close = "}" if ch == "{" else "]"
            i = ws(i + 1)
            if text[i] == close:
                return i + 1
            while True:
                if ch == "{":
                    i = ws(string_end(ws(i)))
                    i = ws(i + 1)  # past ':'
                i = ws(skip(ws(i)))
                if text[i] == ",":
                    i += 1
                    continue
                return i + 1  # the closing bracket
        while i < n and text[i] not in ",]} \t\r\n":
            i += 1
        return i

    def members(
        i: int,
    ) -> Iterator[
        tuple[str, int, int]
    ]:  # text[i] == "{": yields (key, value_start, value_end); ends past "}"
        i = ws(i + 1)
        if text[i] == "}":
            return
        while True:
            i = ws(i)
            end = string_end(i)
            key = json.loads(text[i:end])
            i = ws(ws(end) + 1)
            value_end = skip(i)
            yield key, i, value_end
            i = ws(value_end)
            if text[i] == ",":
                i += 1
                continue
            return

    spans: dict[str, tuple[int, int]] = {}
    start = ws(0)
    for key, a, _b in members(start):
        if key != "flags" or text[a] != "{":
            continue
        for flag, fa, _fb in members(a):
            if text[fa] != "{":
                continue
            for field, va, vb in members(fa):
                if field == "state":
                    spans[flag] = (va, vb)
    return spans


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
    changed: list[str] = []
    already: list[str] = []
    for key in dict.fromkeys(keys):
        (already if flags[key]["state"] == wanted else changed).append(key)
    spans = state_spans(text)
    out = text
    for start, end in sorted((spans[k] for k in changed), reverse=True):  # from the end: offsets hold
        out = out[:start] + '"' + wanted + '"' + out[end:]
    after = parse_document(out, where)  # what is written is a flag file flagd reads, too
    for key in changed:
        flags[key]["state"] = wanted
    if after != data:  # pragma: no cover - state_spans follows what json.loads read
        raise FlagFileError(
            f"{where}: the switch would change more than the flags' state; nothing was written"
        )
    return out, changed, already
