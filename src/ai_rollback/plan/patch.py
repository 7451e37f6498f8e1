"""Reading ``git log -p -U0`` output: one commit's lines -> its :class:`FileDiff` values.

Only what the line tracker needs: the paths (C-quoted ones too, renames,
additions, deletions), mode changes, binary files, and for each hunk its old
start and count and its new lines.  Pure: the lines come from
``ai_rollback.git.log.iter_patches``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ai_rollback.plan.tracker import FileDiff, Hunk


def _unquote(path: str) -> str:
    """git's C-style quoted path (``"a\\tb"``) -> text; others unchanged."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    escapes = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, '"': 34}
    raw = body.encode("utf-8", "surrogateescape")
    while i < len(raw):
        ch = raw[i]
        if ch == 92 and i + 1 < len(raw):  # backslash
            nxt = chr(raw[i + 1])
            if nxt in escapes:
                out.append(escapes[nxt])
                i += 2
                continue
            if nxt.isdigit() and i + 3 < len(raw) + 1:
                out.append(int(raw[i + 1 : i + 4], 8))
                i += 4
                continue
        out.append(ch)
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _side(path: str, prefix: str) -> str | None:
    if path == "/dev/null":
        return None
    path = _unquote(path)
    return path[len(prefix) :] if path.startswith(prefix) else path


def _header_paths(header: str) -> tuple[str, str]:
    """Paths of ``diff --git a/X b/Y``; for unquoted equal paths with spaces, split in half."""
    rest = header[len("diff --git ") :]
    if rest.startswith('"'):
        end = rest.index('"', 1)
        while rest[end - 1] == "\\":
            end = rest.index('"', end + 1)
        first, second = rest[: end + 1], rest[end + 2 :]
        return _side(first, "a/") or "", _side(second, "b/") or ""
    if rest.endswith('"'):
        start = rest.rindex(' "')
        return _side(rest[:start], "a/") or "", _side(rest[start + 1 :], "b/") or ""
    half = (len(rest) - 1) // 2
    return rest[2:half], rest[half + 3 :]


def parse_patch(lines: Iterable[str]) -> list[FileDiff]:
    """File diffs of one commit from ``git diff -U0 -M --src-prefix=a/ --dst-prefix=b/`` lines."""
    diffs: list[FileDiff] = []
    current: FileDiff | None = None
    hunk: Hunk | None = None
    for line in lines:
        first = line[:1]
        if hunk is not None:  # most lines: a hunk's ("+" new, "-" old, "\\" no newline at its end)
            if first == "+":
                hunk.new_lines.append(line[1:])
                continue
            if first == "-" or first == "\\":
                continue
        if first == "@":
            if current is not None and line.startswith("@@ -"):
                end = line.find(" ", 4)
                old_spec = line[4:end] if end > 0 else line.split("@@", 2)[1].strip().split(" ")[0][1:]
                start, _, count = old_spec.partition(",")
                hunk = Hunk(int(start), int(count) if count else 1, [])
                current.hunks.append(hunk)
            continue
        if first == "i":  # "index a..b": nothing we need
            continue
        if line.startswith("diff --git "):
            old, new = _header_paths(line)
            current = FileDiff(old, new)
            diffs.append(current)
            hunk = None
        elif current is None:
            continue
        elif line.startswith("new mode "):
            current.mode_change = True
        elif line.startswith("new file mode"):
            current.old_path = None
        elif line.startswith("deleted file mode"):
            current.new_path = None
        elif line.startswith("rename from "):
            current.old_path = _unquote(line[len("rename from ") :])
        elif line.startswith("rename to "):
            current.new_path = _unquote(line[len("rename to ") :])
        elif line.startswith("--- ") and hunk is None:
            current.old_path = _side(line[4:].rstrip("\t"), "a/")
        elif line.startswith("+++ ") and hunk is None:
            current.new_path = _side(line[4:].rstrip("\t"), "b/")
        elif line.startswith(("Binary files ", "GIT binary patch")):
            current.binary = True
    return diffs
