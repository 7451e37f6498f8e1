"""The paths an AI commit lists in ``Files:``, and how they compare with what it changes.

Pure.  ``Files:`` is comma-separated (a path holding a comma or a quote is
written in double quotes, C-style escapes inside), or repeated.  :func:`files_of`
is the one place that says which files an AI commit wrote: its ``Files:``
trailer, else the paths git says it changed.
"""

from __future__ import annotations

from ai_rollback.message import SPACE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ai_rollback.message import Trailer

FILES_KEY = "Files"
_FILES_LOWER = FILES_KEY.lower()


def _split_commas(value: str) -> list[str]:
    """Split on commas outside double quotes (the quotes stay; see :func:`_unquote`)."""
    if '"' not in value:
        return value.split(",")
    items: list[str] = []
    start = 0
    quoted = False
    i = 0
    while i < len(value):
        ch = value[i]
        if quoted and ch == "\\":
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append(value[start:i])
            start = i + 1
        i += 1
    items.append(value[start:])
    return items


_QUOTES = frozenset("\"`'")


def _unquote(item: str) -> str:
    item = item.strip(SPACE)
    if item[:1] not in _QUOTES and "\\" not in item and not item.startswith("./"):
        return item  # the common case: nothing to undo
    if len(item) >= 2 and item[0] == item[-1] == '"':
        out, i, body = [], 0, item[1:-1]
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body):
                i += 1
            out.append(body[i])
            i += 1
        return "".join(out)
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "`'":
        item = item[1:-1]
    if "\\" in item and "/" not in item:
        item = item.replace("\\", "/")  # a Windows path
    while item.startswith("./"):
        item = item[2:]
    return item


def quote_path(path: str) -> str:
    """A path as written in ``Files:``: quoted when it holds a comma, a quote or edge spaces."""
    if "," in path or '"' in path or path != path.strip(SPACE):
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return path


def split_files(values: Iterable[str]) -> list[str]:
    """Paths of ``Files:`` values: comma-separated (quoted when needed), or repeated trailers."""
    paths: dict[str, None] = {}  # ordered, and a thousand paths cost no million comparisons
    for value in values:
        for raw in _split_commas(value):
            item = _unquote(raw)
            if item:
                paths[item] = None
    return list(paths)


def _is_glob(entry: str) -> bool:
    return any(c in entry for c in "*?[")


def is_pattern(entry: str) -> bool:
    """A ``Files`` entry that names many paths: a ``dir/`` or a glob (``files-match = "cover"``)."""
    return entry.endswith("/") or _is_glob(entry)


def covered(path: str, entries: Sequence[str]) -> bool:
    for entry in entries:
        if path == entry or (entry.endswith("/") and path.startswith(entry)):
            return True
        if _is_glob(entry):
            import fnmatch

            if fnmatch.fnmatchcase(path, entry):
                return True
    return False


def credited(listed: Sequence[str], changed: Sequence[str]) -> list[str]:
    """The files an AI commit's ``Files`` credit it with: each path it lists, and for a listed
    ``dir/`` or glob (``files-match = "cover"``) the changed paths it covers, as :func:`covered`
    matches them.  A listed name that is itself a changed path is that path, whatever it holds."""
    changed_set = set(changed)
    out: dict[str, None] = {}
    for entry in listed:
        if entry in changed_set or not is_pattern(entry):
            out[entry] = None
        else:
            out.update((path, None) for path in changed if covered(path, [entry]))
    return list(out)


def listing(paths: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def files_mismatch(listed: Sequence[str], changed: Sequence[str], mode: str) -> tuple[list[str], list[str]]:
    """``(missing, extra)``: changed paths not listed, listed paths not changed."""
    if mode == "cover":
        return [p for p in changed if not covered(p, listed)], []
    changed_set = set(changed)
    listed_set = set(listed)
    return sorted(changed_set - listed_set), sorted(listed_set - changed_set)


def listed_files(trailers: Iterable[Trailer]) -> list[str]:
    """The paths of a message's ``Files:`` trailers (empty when it has none)."""
    return split_files([t.value for t in trailers if t.key.lower() == _FILES_LOWER])


def files_of(trailers: Iterable[Trailer], changed: Iterable[str]) -> list[str]:
    """What an AI commit wrote: its ``Files:`` paths, else every path it changes."""
    return listed_files(trailers) or list(dict.fromkeys(changed))
