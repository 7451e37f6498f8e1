"""Spot credentials in text before they become a permanent part of history.

``find_credentials`` is pure.  A cheap substring filter runs first, so a
prompt that holds nothing key-like never imports ``re`` (hook path).
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

_HINTS = (
    "-----begin",
    "akia",
    "asia",
    "abia",
    "acca",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xox",
    "sk-",
    "sk_live",
    "sk_test",
    "rk_live",
    "rk_test",
    "aiza",
    "=",
    "://",
    "bearer",
    "eyj",
    "passw",
    "secret",
    "_key",
    '":',
    "':",
    ':"',
    ":'",
    ': "',
    ": '",
)

# (name, pattern, group holding the secret)
_PATTERNS: tuple[tuple[str, str, int], ...] = (
    # The whole block: the header, the key material, the footer (or the end of the text).
    (
        "a private key block",
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*)",
        0,
    ),
    ("an AWS access key id", r"\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b", 1),
    ("a GitHub token", r"\b(gh[pousr]_[A-Za-z0-9]{30,255})\b", 1),
    ("a GitHub token", r"\b(github_pat_[A-Za-z0-9_]{22,255})\b", 1),
    ("a GitLab token", r"\b(glpat-[A-Za-z0-9_\-]{20,})", 1),
    ("a Slack token", r"\b(xox[abposr]-[A-Za-z0-9-]{10,})", 1),
    ("an Anthropic API key", r"\b(sk-ant-[A-Za-z0-9_\-]{20,})", 1),
    ("an OpenAI API key", r"\b(sk-(?:proj-|svcacct-)?[A-Za-z0-9_\-]{20,})", 1),
    ("a Stripe key", r"\b([sr]k_(?:live|test)_[0-9A-Za-z]{16,})", 1),
    ("a Google API key", r"\b(AIza[0-9A-Za-z_\-]{35})", 1),
    # a key word alone or at the end of a name (DB_PASSWORD, aws_secret_access_key), then = or :
    (
        "a credential assignment",
        r"(?i)(?<![a-z0-9])(?:[a-z0-9]+[_-])*(?:password|passwd|pwd|secret|client[_-]?secret|token|"
        r"auth[_-]?token|access[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key)"
        r"[\"']?\s*(?:=|:(?=\s*[\"']))\s*[\"']?([^\s\"',;]{4,})",
        1,
    ),
    # the same with a bare colon, for the words nothing else is called by
    (
        "a credential assignment",
        r"(?i)(?<![a-z0-9])(?:[a-z0-9]+[_-])*(?:password|passwd|client[_-]?secret|api[_-]?key|"
        r"access[_-]?key|secret[_-]?key|private[_-]?key)\s*:\s+([^\s\"',;]{6,})",
        1,
    ),
    ("a password in a URL", r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]{3,})@", 1),
    ("a bearer token", r"(?i)\bbearer\s+([a-z0-9._~+/-]{16,}=*)", 1),
    ("a JSON web token", r"\b(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})", 1),
)

#: Every kind of credential the scanner knows, in the order it looks for them.
KINDS = tuple(dict.fromkeys(name for name, _pattern, _group in _PATTERNS))

_PLACEHOLDER_STARTS = (
    "$",
    "<",
    "{",
    "%",
    "os.",
    "env",
    "process.env",
    "getenv",
    "config.",
    "settings.",
)
_PLACEHOLDERS = (
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "xxxx",
    "****",
    "....",
    "redacted",
    "changeme",
    "example",
    "placeholder",
    "secret",
    "password",
    "token",
)

_compiled: list[tuple[str, re.Pattern[str], int]] = []
_hint_text: list[re.Pattern[str]] = []


def _placeholder(value: str) -> bool:
    low = value.lower()
    # what redact() leaves (at most four characters, then stars) is no secret any more
    redacted = low.endswith("****") and len(low.rstrip("*")) <= 4
    return low.startswith(_PLACEHOLDER_STARTS) or low.strip("*x.") == "" or low in _PLACEHOLDERS or redacted


def redact(secret: str) -> str:
    """Keep enough to recognise the secret, never enough to use it."""
    if len(secret) <= 8:
        return "*" * len(secret)
    return secret[:4] + "*" * min(len(secret) - 4, 12)


def _scan(text: str) -> list[tuple[str, int, int]]:
    """``(what, start, end)`` of each credential-looking span of ``text``."""
    low = text.lower()
    if not _hint_text and "re" in sys.modules:  # one search, where ``re`` is loaded anyway
        import re  # (the commit-msg hook does without it: a few substring tests suffice there)

        _hint_text.append(re.compile(_trie(sorted(_HINT_BYTES)).decode()))
    if not (_hint_text[0].search(low) if _hint_text else any(h in low for h in _HINTS)):
        return []
    if not _compiled:
        import re

        _compiled.extend((name, re.compile(pattern, re.DOTALL), group) for name, pattern, group in _PATTERNS)
    found: list[tuple[str, int, int]] = []
    for name, pattern, group in _compiled:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if group and _placeholder(match.group(group)):
                continue
            for k, (other, s, e) in enumerate(found):
                if s < end and start < e:  # overlapping finds: redact their union, not just one
                    found[k] = (other, min(s, start), max(e, end))
                    break
            else:
                found.append((name, start, end))
    return found


def _shown(name: str, secret: str) -> str:
    """What output keeps of a secret: a key block's header line only, else :func:`redact`."""
    if name == "a private key block":
        return "-----" + secret.split("-----", 2)[1] + "----- [key material removed]"
    return redact(secret)


def find_credentials(text: str) -> list[tuple[str, str]]:
    """``(what, redacted)`` for each credential-looking thing in ``text``."""
    return [(name, _shown(name, text[start:end])) for name, start, end in _scan(text)]


_HINT_BYTES = tuple(h.encode() for h in _HINTS)


_hint_bytes: list[re.Pattern[bytes]] = []


def _trie(words: list[bytes]) -> bytes:
    """One regex for ``words`` as a prefix tree: the engine tries a byte once, not once per word."""
    import re

    if any(not w for w in words):
        return b""  # one word ended here: the empty match makes the rest optional, so stop
    groups: dict[bytes, list[bytes]] = {}
    for word in words:
        groups.setdefault(word[:1], []).append(word[1:])
    parts = [re.escape(first) + (_trie(rest) if rest != [b""] else b"") for first, rest in groups.items()]
    return parts[0] if len(parts) == 1 else b"(?:" + b"|".join(parts) + b")"


def may_hold_credentials(data: bytes) -> bool:
    """False when :func:`redact_bytes` would return ``data`` unchanged (a hint is needed first).

    One search of the lower-cased bytes (git's ASCII folding; no IGNORECASE,
    which costs the regex engine tenfold), so it can be asked once of a batch
    of subjects joined by newlines: no hint spans a line.
    """
    if not _hint_bytes:
        import re

        _hint_bytes.append(re.compile(_trie(sorted(_HINT_BYTES))))
    return _hint_bytes[0].search(data.lower()) is not None


def redact_bytes(data: bytes) -> bytes:
    """:func:`redact_text` for UTF-8 bytes; returns ``data`` itself when nothing looks like a key."""
    if not may_hold_credentials(data):
        return data
    text = data.decode("utf-8", "surrogateescape")
    clean = redact_text(text)
    return data if clean == text else clean.encode("utf-8", "surrogateescape")


def redact_lines(lines: list[bytes]) -> list[bytes]:
    """:func:`redact_bytes` of each of ``lines`` (none holding a newline): the same list when none changes.

    For ``log``'s subjects, a batch at a time: one search over all of them,
    then only the lines where a hint was found are redacted.
    """
    if not may_hold_credentials(b"\n".join(lines)):
        return lines
    from bisect import bisect_right
    from itertools import accumulate

    ends = list(accumulate(len(line) + 1 for line in lines))  # one past each line's newline
    out = list(lines)
    done = -1
    for match in _hint_bytes[0].finditer(b"\n".join(lines).lower()):
        k = bisect_right(ends, match.start())
        if k != done:
            out[k] = redact_bytes(lines[k])
            done = k
    return out


def redact_text(text: str) -> str:
    """``text`` with every credential-looking span redacted: what everything we write goes through."""
    for name, start, end in sorted(_scan(text), key=lambda f: f[1], reverse=True):
        text = text[:start] + _shown(name, text[start:end]) + text[end:]
    return text
