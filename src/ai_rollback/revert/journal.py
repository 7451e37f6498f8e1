"""Recording an apply: the journal, a copy of the index, and moving index and work tree.

Before the branch moves, a journal (``.git/ai-rollback/journal.json``) names
the ref, its old and new tip, the mode, and the states ai-revert expects to
find: the tree of the index before the apply, the tree it has once the apply
moved it (unrelated staged changes included), and a copy of the index file
itself.  A process killed at any instant leaves the old state, the new state,
or that journal with a state between the two; recovery (``recover.py``, run
first by the next ``ai-revert``) finishes the job or finishes rolling it back, but only
where it finds exactly what it wrote.  When the branch, HEAD or the index
moved on since (a ``git switch``, a commit, a ``git add``), it touches
nothing and says what it found.

:func:`sync_work_tree` is the one update of index and work tree
(``git read-tree -m -u``, which keeps unrelated local changes);
:func:`finish_work_tree` completes one that was cut short, recognising the
files git was half-way through writing.  Recovery itself: ``recover.py``;
the run lock: ``lock.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from ai_rollback.errors import GitError
from ai_rollback.git.repo import Repository
from ai_rollback.git.run import Git
from ai_rollback.revert.errors import Refused

JOURNAL = "journal.json"
SAVED_INDEX = "index.before"
LOCK = "lock"

APPLYING = "applying"
ROLLING_BACK = "rolling-back"
STAGED = "staged"  # --no-commit: index and work tree hold the revert


@dataclass
class Record:
    """What an apply in progress wrote down before it changed anything."""

    ref: str  # the branch, refs/heads/...
    old: str  # its tip before
    new: str  # its tip after (--no-commit: the commit whose tree is staged)
    mode: str  # "commit" or "no-commit"
    index_before: str = ""  # the tree of the index before the apply
    index_after: str = ""  # the tree of the index once the apply moved it
    orig_head: str = ""  # ORIG_HEAD before the apply ("" when there was none)
    tag: str | None = None  # the incident tag it creates
    range: str = ""
    message: str = ""  # --no-commit: the prepared MERGE_MSG
    phase: str = APPLYING
    # files git may have been writing when it was killed (seen with its index.lock): path ->
    # [mtime_ns, size, ino] then; only a file still exactly so may be taken for a half-written one
    suspects: dict[str, list[int]] = field(default_factory=dict)
    pid: int = field(default_factory=os.getpid)
    time: float = field(default_factory=time.time)

    @property
    def branch(self) -> str:
        return self.ref.removeprefix("refs/heads/")


def _dir(repo: Repository) -> str:
    return os.path.join(repo.git_dir, "ai-rollback")


def journal_path(repo: Repository) -> str:
    return os.path.join(_dir(repo), JOURNAL)


def saved_index_path(repo: Repository) -> str:
    return os.path.join(_dir(repo), SAVED_INDEX)


def _fsync_write(path: str, data: bytes) -> None:
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_journal(repo: Repository, record: Record) -> None:
    os.makedirs(_dir(repo), exist_ok=True)
    _fsync_write(journal_path(repo), json.dumps(asdict(record)).encode())


def read_journal(repo: Repository) -> Record | None:
    path = journal_path(repo)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        known = {k: v for k, v in data.items() if k in Record.__dataclass_fields__}
        return Record(**known)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        raise Refused(
            f"cannot read the ai-revert journal {path}: {exc}",
            hint=f"if no ai-revert was interrupted here, move it away: mv {path} {path}.bad",
        ) from None


def drop_journal(repo: Repository) -> None:
    for path in (journal_path(repo), saved_index_path(repo)):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def ref_value(git: Git, ref: str) -> str | None:
    code, out, _ = git.run_full("rev-parse", "--verify", "-q", ref, check=False)
    return out.decode().strip() if code == 0 else None


def head_ref(git: Git) -> str | None:
    """The branch HEAD points at, or None (detached)."""
    code, out, _ = git.run_full("symbolic-ref", "-q", "HEAD", check=False)
    return out.decode().strip() if code == 0 else None


def tree_of(git: Git, commit: str) -> str:
    return git.text("rev-parse", f"{commit}^{{tree}}")


def index_tree(repo: Repository) -> str | None:
    """The tree the index would commit, or None (unmerged entries).

    Read through a copy: ``write-tree`` would rewrite the index's cache, and
    ai-revert leaves the index byte for byte as it was unless it moves it.
    """
    with scratch_index(repo, "index.read") as env:
        code, out, _ = repo.git.run_full("write-tree", check=False, env=env)
    return out.decode().strip() if code == 0 else None


def index_file(repo: Repository) -> str:
    return os.path.join(repo.git_dir, "index")


@contextmanager
def scratch_index(repo: Repository, name: str) -> Iterator[dict[str, str]]:
    """An environment whose index is a throw-away copy of the real one."""
    os.makedirs(_dir(repo), exist_ok=True)
    path = os.path.join(_dir(repo), name)
    try:
        shutil.copyfile(index_file(repo), path)
    except FileNotFoundError:
        pass
    try:
        yield dict(repo.git.env, GIT_INDEX_FILE=path)
    finally:
        for leftover in (path, path + ".lock"):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass


def prepare(
    repo: Repository,
    ref: str,
    old: str,
    new: str,
    mode: str,
    *,
    tag: str | None = None,
    range_text: str = "",
    message: str = "",
) -> Record:
    """Write down the states an apply from ``old`` to ``new`` goes through, and save the index."""
    git = repo.git
    try:
        with open(index_file(repo), "rb") as f:
            _fsync_write(saved_index_path(repo), f.read())
    except FileNotFoundError:
        pass
    # as `git status` does: a file only touched (same content, new time) is no local change
    git.run_shielded("update-index", "-q", "--refresh")
    before = index_tree(repo)
    if before is None:
        raise Refused(
            "the index has unmerged entries; nothing was changed",
            hint="resolve them (git status shows them), then run ai-revert again",
        )
    with scratch_index(repo, "index.plan") as env:
        code, _, err = git.run_full("read-tree", "-m", old, new, check=False, env=env)
        if code == 0:
            code, out, err = git.run_full("write-tree", check=False, env=env)
    if code != 0:
        raise Refused(f"cannot move the index to the revert: {err.decode(errors='replace').strip()}")
    after = out.decode().strip()
    orig = ref_value(git, "ORIG_HEAD") or ""
    return Record(
        ref, old, new, mode, before, after, orig_head=orig, tag=tag, range=range_text, message=message
    )


def restore_index(repo: Repository, refresh: bool = False) -> bool:
    """Put the saved index back (under git's own lock); False if there is none.

    ``refresh``: the files' times were not restored, so refresh its stat data.
    """
    try:
        with open(saved_index_path(repo), "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return False
    lock = index_file(repo) + ".lock"
    with open(lock, "xb") as f:  # git's own lock: nobody else writes the index meanwhile
        f.write(data)
    os.replace(lock, index_file(repo))
    if refresh:
        repo.git.run("update-index", "-q", "--refresh", check=False)
    return True


def sync_work_tree(git: Git, old: str, new: str) -> None:
    """Move index and work tree from ``old`` to ``new``, keeping unrelated local changes.

    ``git read-tree -m -u``: it refuses, and changes nothing, rather than
    overwrite a local change or an untracked file.
    """
    code, _, err = git.run_shielded("read-tree", "-m", "-u", old, new)
    if code != 0:
        raise git.error(["read-tree"], code, err)


def changed_entries(git: Git, old: str, new: str) -> list[tuple[str, str, str, str, str]]:
    """``(path, old mode, new mode, old blob, new blob)`` of every path ``old..new`` changes."""
    raw = git.run(
        "diff-tree", "-r", "-z", "--no-renames", "--ignore-submodules=none", "--no-abbrev", old, new
    )
    tokens = raw.split(b"\0")
    entries = []
    for k in range(0, len(tokens) - 1, 2):
        fields = tokens[k].decode().lstrip(":").split()
        if len(fields) >= 4:
            path = tokens[k + 1].decode("utf-8", "surrogateescape")
            entries.append((path, fields[0], fields[1], fields[2], fields[3]))
    return entries


def work_tree_blobs(repo: Repository, paths: list[str]) -> dict[str, tuple[str, str]]:
    """``path -> (mode, blob)`` of the work tree's files as git would stage them (absent: missing).

    Hashes through a scratch index, so symlinks, the executable bit, filters
    and line endings count exactly as ``git add`` counts them.
    """
    if not paths:
        return {}
    git = repo.git
    with scratch_index(repo, "index.probe") as env:
        listed = "".join(p + "\0" for p in paths).encode("utf-8", "surrogateescape")
        code, _, _ = git.run_full(
            "update-index", "--add", "--remove", "-z", "--stdin", input=listed, check=False, env=env
        )
        if code != 0:
            return {}
        out = git.run("ls-files", "-s", "-z", "--", *paths, env=env)
    blobs = {}
    for record in out.split(b"\0"):
        if b"\t" in record:
            meta, path = record.split(b"\t", 1)
            mode, blob, _stage = meta.decode().split()
            blobs[path.decode("utf-8", "surrogateescape")] = (mode, blob)
    return blobs


def _half_written(git: Git, path: str, rel: str, blob: str, seen: list[int] | None) -> bool:
    """A regular file holding the start of ``blob``, untouched since git was seen killed writing it.

    ``seen``: its stat when recovery found git's ``index.lock`` (None: git was
    not killed mid-write, so no file is half-written).
    """
    if seen is None or os.path.islink(path) or not os.path.isfile(path):
        return False
    st = os.lstat(path)
    if [st.st_mtime_ns, st.st_size, st.st_ino] != seen:
        return False  # changed since: the user's
    with open(path, "rb") as f:
        data = f.read()
    # as git writes it to the work tree: line endings and filters applied (core.autocrlf)
    code, out, _ = git.run_full("cat-file", "--filters", f"--path={rel}", blob, check=False)
    return (out if code == 0 else git.run("cat-file", "blob", blob)).startswith(data)


def foreign_paths(
    repo: Repository, old: str, new: str, suspects: dict[str, list[int]] | None = None
) -> list[str]:
    """The paths ``old..new`` changes whose work-tree file holds neither side (nor half of ``new``)."""
    entries = changed_entries(repo.git, old, new)
    blobs = work_tree_blobs(repo, [e[0] for e in entries])
    if entries and not blobs and any(os.path.lexists(os.path.join(repo.root, e[0])) for e in entries):
        return [e[0] for e in entries]  # could not hash them: claim nothing
    foreign = []
    for path, old_mode, new_mode, old_blob, new_blob in entries:
        have = blobs.get(path)
        if have in ((old_mode, old_blob), (new_mode, new_blob)):
            continue
        if have is None and (not old_blob.strip("0") or not new_blob.strip("0")):
            continue  # missing where one side has no file
        seen = (suspects or {}).get(path)
        if new_blob.strip("0") and _half_written(
            repo.git, os.path.join(repo.root, path), path, new_blob, seen
        ):
            continue
        if have is None and new_blob.strip("0"):
            continue  # git had removed the old file and not yet written the new one
        foreign.append(path)
    return foreign


def finish_work_tree(
    repo: Repository, old: str, new: str, suspects: dict[str, list[int]] | None = None
) -> None:
    """Bring index and work tree to ``new`` after a run died while moving them from ``old``.

    A changed path may hold its old content, its new content, or the start
    of its new content (git was writing it): it is set to the new one.
    Anything else is a change of the user's: refuse, touch nothing.
    """
    git = repo.git
    from ai_rollback.revert.state import in_the_way

    # an untracked (even ignored) file written since where the revert puts one back; not one
    # that already holds what git was writing there (that one is ours)
    late = in_the_way(git, old, new, repo.root)
    if late:
        late = [p for p in foreign_paths(repo, old, new, suspects) if p in set(late)]
    if late:
        raise Refused(
            f"an interrupted ai-revert would put back {', '.join(late[:5])}, and a file of yours is "
            "there now: not touching it",
            hint="move it away, then run ai-revert again (it finishes the interrupted one)",
        )
    try:
        sync_work_tree(git, old, new)
        return
    except GitError:
        pass
    foreign = foreign_paths(repo, old, new, suspects)
    if foreign:
        raise Refused(
            f"an interrupted ai-revert left {', '.join(foreign[:5])} changed, and they now hold changes "
            "of yours: not touching them",
            hint=f"save your changes, then: git reset --keep {new[:10]} (or {old[:10]} to roll back)",
        )
    entries = changed_entries(git, old, new)
    keep = [e[0] for e in entries if e[4].strip("0")]
    gone = [e[0] for e in entries if not e[4].strip("0")]
    if keep:
        code, _, err = git.run_shielded("checkout", new, "--", *keep)
        if code != 0:
            raise git.error(["checkout"], code, err)
    if gone:
        git.run_shielded("rm", "-q", "--cached", "--ignore-unmatch", "--", *gone)
        for path in gone:
            full = os.path.join(repo.root, path)
            if os.path.islink(full) or os.path.isfile(full):
                os.unlink(full)


def set_orig_head(git: Git, value: str) -> None:
    if value:
        git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", value)
    else:
        git.run_shielded("update-ref", "-d", "--no-deref", "ORIG_HEAD")
