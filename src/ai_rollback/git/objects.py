"""Reading and writing git objects without a git process per object.

:class:`ObjectWriter` writes loose commits, tags and trees in git's format;
:class:`CatFile` keeps one ``git cat-file --batch`` for reading; :class:`Trees`
and :class:`TreeEditor` look up and edit trees (the fast path of a revert);
:func:`merge_tree` merges two commits in the object database only.
"""

from __future__ import annotations

import os

from ai_rollback.errors import GitError
from ai_rollback.git.run import EMPTY_TREE_SHA1, EMPTY_TREE_SHA256, Git, decode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "EMPTY_TREE_SHA1",
    "EMPTY_TREE_SHA256",
    "TREE_MODE",
    "CatFile",
    "Entry",
    "MergeResult",
    "ObjectWriter",
    "TreeEditor",
    "Trees",
    "merge_tree",
    "parse_tree",
    "serialize_tree",
]


class ObjectWriter:
    """Writes small objects (commits, tags) as loose objects, without a git process.

    The format is git's own: ``<type> <size>\\0<body>``, deflated, named by its
    hash (SHA-1, or SHA-256 in such repositories), written to a temporary file
    and linked into place, read-only, as git does.  Used for the throw-away
    commits the revert merges need and for the final revert commits.
    """

    def __init__(self, objects_dir: str, algorithm: str = "sha1") -> None:
        self.objects_dir = objects_dir
        self.algorithm = algorithm
        self.written: list[str] = []

    def write(self, kind: str, body: bytes) -> str:
        import hashlib
        import zlib

        data = f"{kind} {len(body)}\0".encode() + body
        name = hashlib.new(self.algorithm, data).hexdigest()
        directory = os.path.join(self.objects_dir, name[:2])
        path = os.path.join(directory, name[2:])
        if os.path.exists(path):
            return name
        os.makedirs(directory, exist_ok=True)
        tmp = os.path.join(directory, f"tmp_obj_ai_rollback_{os.getpid()}_{len(self.written)}")
        with open(tmp, "wb") as f:
            f.write(zlib.compress(data, 1))
        os.chmod(tmp, 0o444)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        self.written.append(path)
        return name

    def commit(
        self,
        tree: str,
        parents: Sequence[str],
        author: str,
        committer: str,
        message: str,
        encoding: str | None = None,
    ) -> str:
        """A commit object, its message in ``encoding`` (``i18n.commitEncoding``) as git writes it.

        git stores a message in the configured encoding with an ``encoding``
        header, and without one in UTF-8.  A message the encoding cannot hold
        is stored in UTF-8, which git reads without a header.
        """
        lines = [
            f"tree {tree}",
            *[f"parent {p}" for p in parents],
            f"author {author}",
            f"committer {committer}",
        ]
        body = message.encode("utf-8", "surrogateescape")
        if encoding and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            try:
                body = message.encode(encoding)
                lines.append(f"encoding {encoding}")
            except (LookupError, UnicodeEncodeError):
                pass
        head = ("\n".join(lines) + "\n\n").encode("utf-8", "surrogateescape")
        return self.write("commit", head + body)

    def tag(self, obj: str, name: str, tagger: str, message: str, kind: str = "commit") -> str:
        body = f"object {obj}\ntype {kind}\ntag {name}\ntagger {tagger}\n\n{message}"
        return self.write("tag", body.encode("utf-8", "surrogateescape"))

    def forget(self, names: Sequence[str]) -> None:
        """Delete objects we wrote that nothing refers to (the merges' scaffolding)."""
        for name in names:
            path = os.path.join(self.objects_dir, name[:2], name[2:])
            try:
                os.chmod(path, 0o644)
                os.unlink(path)
            except OSError:
                pass


class MergeResult:
    __slots__ = ("clean", "files", "messages", "tree")

    def __init__(self, clean: bool, tree: str, files: list[str], messages: list[str]) -> None:
        self.clean = clean
        self.tree = tree
        self.files = files
        self.messages = messages


def merge_tree(git: Git, ours: str, theirs: str) -> MergeResult:
    """``git merge-tree --write-tree``: merge two commits without touching index or work tree."""
    code, out, err = git.run_full(
        "merge-tree", "--write-tree", "-z", "--name-only", ours, theirs, check=False
    )
    if code not in (0, 1):
        raise git.error(["merge-tree"], code, err)
    head, _, rest = out.partition(b"\0\0")
    parts = head.split(b"\0")
    tree = decode(parts[0]).strip()
    files = [decode(p) for p in parts[1:] if p]
    messages = [decode(m).strip() for m in rest.split(b"\0") if b"CONFLICT" in m and b" " in m]
    return MergeResult(code == 0, tree, files, messages)


TREE_MODE = b"40000"
Entry = tuple[bytes, str]  # (mode, object name)


class CatFile:
    """A persistent ``git cat-file --batch``: read objects by name, one request at a time."""

    def __init__(self, git: Git) -> None:
        self.proc = git.popen("cat-file", "--batch", stdin=True)
        if self.proc.stdin is None or self.proc.stdout is None:  # pragma: no cover
            raise GitError("git cat-file is not connected")
        self._in = self.proc.stdin
        self._out = self.proc.stdout

    def read(self, name: str) -> tuple[str, bytes]:
        self._in.write(name.encode() + b"\n")
        self._in.flush()
        header = self._out.readline().decode().split()
        if len(header) < 3:
            raise GitError(f"object {name} is missing from the repository")
        kind, size = header[1], int(header[2])
        data = self._out.read(size)
        self._out.read(1)  # the newline after the object
        return kind, data

    def close(self) -> None:
        try:
            self._in.close()
        except OSError:
            pass
        self._out.close()
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc.wait()


def read_blobs(git: Git, names: Sequence[str]) -> list[bytes | None]:
    """The blobs ``names`` (``rev:path``) in one ``git cat-file --batch``; None where there is none.

    Every name is written at once and the answers read back in order (no round
    trip per object); a name with a newline cannot be asked and is None.
    """
    asked = [n for n in names if "\n" not in n]
    if not asked:
        return [None] * len(names)
    data = git.run_spooled(
        "cat-file", "--batch", input="".join(f"{n}\n" for n in asked).encode("utf-8", "surrogateescape")
    )
    found: dict[str, bytes | None] = {}
    at = 0
    for name in asked:
        end = data.index(b"\n", at)
        header = data[at:end].split()
        at = end + 1
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            found[name] = data[at : at + size] if header[1] == b"blob" else None
            at += size + 1
        else:  # "<name> missing", "<name> ambiguous"
            found[name] = None
    return [found.get(n) for n in names]


def objects_exist(git: Git, names: Sequence[str]) -> list[bool]:
    """Does each of ``names`` (``rev:path``) name an object?  One ``git cat-file --batch-check``."""
    if not names:
        return []
    data = git.run_spooled(
        "cat-file",
        "--batch-check=%(objecttype)",
        input="".join(f"{n}\n" for n in names).encode("utf-8", "surrogateescape"),
    )
    answers = data.split(b"\n")
    return [
        not answer.endswith((b" missing", b" ambiguous")) and bool(answer) for answer in answers[: len(names)]
    ]


_tree_entry: dict[int, object] = {}


def parse_tree(data: bytes, hash_len: int) -> dict[bytes, Entry]:
    """Entries of a raw tree object: name -> (mode, object name)."""
    pattern = _tree_entry.get(hash_len)
    if pattern is None:
        import re

        pattern = re.compile(rb"([0-7]+) ([^\0]*)\0(.{%d})" % hash_len, re.DOTALL)
        _tree_entry[hash_len] = pattern
    return {name: (mode, sha.hex()) for mode, name, sha in pattern.findall(data)}  # type: ignore[attr-defined]


def serialize_tree(entries: dict[bytes, Entry]) -> bytes:
    """git's tree format, in git's order (a directory sorts as if its name ended in '/')."""
    keyed = [
        (name + b"/" if mode == TREE_MODE else name, mode, name, sha) for name, (mode, sha) in entries.items()
    ]
    keyed.sort()
    return b"".join(b"%s %s\0%s" % (mode, name, bytes.fromhex(sha)) for _key, mode, name, sha in keyed)


class Trees:
    """Parsed trees by name (cached), and entry lookup by path."""

    def __init__(self, cat: CatFile, hash_len: int) -> None:
        self.cat = cat
        self.hash_len = hash_len
        self._cache: dict[str, dict[bytes, Entry]] = {}

    def entries(self, tree: str) -> dict[bytes, Entry]:
        cached = self._cache.get(tree)
        if cached is None:
            kind, data = self.cat.read(tree)
            if kind != "tree":
                raise GitError(f"{tree} is a {kind}, not a tree")
            cached = parse_tree(data, self.hash_len)
            self._cache[tree] = cached
        return cached

    def lookup(self, tree: str | None, path: bytes) -> Entry | None:
        if tree is None:
            return None
        parts = path.split(b"/")
        current = tree
        for part in parts[:-1]:
            entry = self.entries(current).get(part)
            if entry is None or entry[0] != TREE_MODE:
                return None
            current = entry[1]
        return self.entries(current).get(parts[-1])

    def is_dir(self, tree: str | None, path: bytes) -> bool:
        if tree is None:
            return False
        if not path:
            return True
        entry = self.lookup(tree, path)
        return entry is not None and entry[0] == TREE_MODE


class TreeEditor:
    """A copy-on-write edit of a tree; :meth:`write` stores the changed trees."""

    def __init__(self, trees: Trees, root: str) -> None:
        self.trees = trees
        self.root = root
        self._edits: dict[bytes, Entry | None] = {}

    def get(self, path: bytes) -> Entry | None:
        if path in self._edits:
            return self._edits[path]
        return self.trees.lookup(self.root, path)

    def set(self, path: bytes, entry: Entry | None) -> None:
        self._edits[path] = entry

    def has_dir(self, path: bytes) -> bool:
        """Whether ``path`` is a directory holding at least one file after the edits."""
        prefix = path + b"/"
        if any(p.startswith(prefix) and e is not None for p, e in self._edits.items()):
            return True
        if not self.trees.is_dir(self.root, path):
            return False
        return self._count(self.trees.lookup(self.root, path), path) > 0 if path else True

    def _count(self, entry: Entry | None, path: bytes) -> int:
        if entry is None:
            return 0
        files = 0
        stack = [(entry[1], path)]
        while stack and files == 0:
            tree, where = stack.pop()
            for name, (mode, sha) in self.trees.entries(tree).items():
                full = where + b"/" + name
                if mode == TREE_MODE:
                    stack.append((sha, full))
                elif self._edits.get(full, (mode, sha)) is not None:
                    files += 1
        return files

    def write(self, writer: ObjectWriter) -> str:
        """Store the edited trees; returns the new root (edits are kept for further changes)."""
        if not self._edits:
            return self.root
        by_dir: dict[bytes, dict[bytes, Entry | None]] = {}
        for path, entry in self._edits.items():
            head, _, name = path.rpartition(b"/")
            by_dir.setdefault(head, {})[name] = entry
            while head:  # every directory on the way up gets rewritten too
                head = head.rpartition(b"/")[0]
                by_dir.setdefault(head, {})
        new_root = self._write_dir(b"", self.root, by_dir, writer)
        return new_root or writer.write("tree", b"")

    def _write_dir(
        self,
        path: bytes,
        tree: str | None,
        by_dir: dict[bytes, dict[bytes, Entry | None]],
        writer: ObjectWriter,
    ) -> str | None:
        entries = dict(self.trees.entries(tree)) if tree else {}
        for name, entry in by_dir.get(path, {}).items():
            if entry is None:
                entries.pop(name, None)
            else:
                entries[name] = entry
        prefix = path + b"/" if path else b""
        subdirs = {
            d[len(prefix) :].split(b"/", 1)[0] for d in by_dir if d.startswith(prefix) and d != path and d
        }
        for sub in subdirs:
            child_path = prefix + sub
            old = entries.get(sub)
            child_tree = old[1] if old and old[0] == TREE_MODE else None
            written = self._write_dir(child_path, child_tree, by_dir, writer)
            if written is not None:
                entries[sub] = (TREE_MODE, written)
            elif child_tree is not None:
                entries.pop(sub, None)  # the directory became empty: git stores no empty trees
        if not entries:
            return None
        return writer.write("tree", serialize_tree(entries))
