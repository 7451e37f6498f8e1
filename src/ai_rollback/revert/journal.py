"""Recording an apply: the journal, moving index and work tree, and recovery.

Before the branch moves, a journal (``.git/ai-rollback/journal.json``) names
the ref, its old and new tip and the mode.  A process killed at any instant
leaves the old state, the new state, or that journal; :func:`recover` (run
first by the next ``ai-revert``) finishes the job, or drops it if the branch
never moved, and says which.  :func:`sync_work_tree` is the one update of
index and work tree (``git read-tree -m -u``, which keeps unrelated local
changes); :func:`finish_work_tree` completes one that was cut short.
"""

from __future__ import annotations

import json
import os

from ai_rollback.errors import GitError
from ai_rollback.git.repo import Repository
from ai_rollback.git.run import Git
from ai_rollback.revert.errors import Refused

JOURNAL = "journal.json"


def journal_path(repo: Repository) -> str:
    return os.path.join(repo.git_dir, "ai-rollback", JOURNAL)


def write_journal(repo: Repository, data: dict[str, object]) -> None:
    path = journal_path(repo)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_journal(repo: Repository) -> dict[str, object] | None:
    try:
        with open(journal_path(repo), encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise Refused(f"cannot read the ai-revert journal {journal_path(repo)}: {exc}") from None
    return data if isinstance(data, dict) else None


def drop_journal(repo: Repository) -> None:
    try:
        os.unlink(journal_path(repo))
    except FileNotFoundError:
        pass


def ref_value(git: Git, ref: str) -> str | None:
    code, out, _ = git.run_full("rev-parse", "--verify", "-q", ref, check=False)
    return out.decode().strip() if code == 0 else None


def tree_of(git: Git, commit: str) -> str:
    return git.text("rev-parse", f"{commit}^{{tree}}")


def index_tree(git: Git) -> str | None:
    code, out, _ = git.run_full("write-tree", check=False)
    return out.decode().strip() if code == 0 else None


def sync_work_tree(git: Git, old: str, new: str) -> None:
    """Move index and work tree from ``old`` to ``new``, keeping unrelated local changes.

    ``git read-tree -m -u``: it refuses, and changes nothing, rather than
    overwrite a local change or an untracked file.
    """
    code, _, err = git.run_shielded("read-tree", "-m", "-u", old, new)
    if code != 0:
        raise git.error(["read-tree"], code, err)


def finish_work_tree(git: Git, old: str, new: str, work_tree: str) -> None:
    """Bring index and work tree to ``new`` after a run died while moving them.

    A changed path may hold its old or its new content; it is set to the new
    one.  Anything else is a change of the user's: refuse, touch nothing.
    """
    try:
        sync_work_tree(git, old, new)
        return
    except GitError:
        pass
    raw = git.run(
        "diff", "--raw", "-z", "--no-renames", "--ignore-submodules=none", "--no-abbrev", old, new, "--"
    )
    tokens = raw.split(b"\0")
    entries: list[tuple[str, str, str]] = []  # path, old blob, new blob
    for k in range(0, len(tokens) - 1, 2):
        meta, path = tokens[k].decode(), tokens[k + 1].decode("utf-8", "surrogateescape")
        fields = meta.lstrip(":").split()
        if len(fields) >= 4:
            entries.append((path, fields[2], fields[3]))
    zero = "0" * 40
    present = [p for p, _o, _n in entries if os.path.lexists(os.path.join(work_tree, p))]
    hashes: dict[str, str] = {}
    if present:
        out = git.run("hash-object", "--stdin-paths", input="".join(p + "\n" for p in present).encode())
        hashes = dict(zip(present, out.decode().split(), strict=False))
    unsafe = [
        p
        for p, o, n in entries
        if hashes.get(p, zero if len(o) == 40 else "0" * 64).strip("0") not in (o.strip("0"), n.strip("0"))
    ]
    if unsafe:
        raise Refused(
            f"an interrupted ai-revert left {', '.join(unsafe[:5])} changed, and they now hold changes "
            "of yours: not touching them",
            hint=f"save your changes, then: git reset --keep {new[:10]} (or {old[:10]} to roll back)",
        )
    keep = [p for p, _o, n in entries if n.strip("0")]
    gone = [p for p, _o, n in entries if not n.strip("0")]
    if keep:
        code, _, err = git.run_shielded("checkout", new, "--", *keep)
        if code != 0:
            raise git.error(["checkout"], code, err)
    if gone:
        git.run_shielded("rm", "-q", "--cached", "--ignore-unmatch", "--", *gone)
        for path in gone:
            try:
                os.unlink(os.path.join(work_tree, path))
            except OSError:
                pass


def recover(repo: Repository) -> str | None:
    """Finish or roll back an ai-revert that was interrupted; returns what was done."""
    data = read_journal(repo)
    if data is None:
        return None
    git = repo.git
    ref, old, new = str(data["ref"]), str(data["old"]), str(data["new"])
    mode = str(data.get("mode", "commit"))
    tag = data.get("tag")
    current = ref_value(git, ref)
    work_tree = repo.root
    if data.get("phase") == "rolling-back":
        if current == new:
            git.run_shielded("update-ref", "-m", "ai-revert: roll back", ref, old, new)
        if index_tree(git) == tree_of(git, new):
            finish_work_tree(git, new, old, work_tree)
        previous = data.get("orig_head")
        if isinstance(previous, str) and previous:
            git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", previous)
        drop_journal(repo)
        return "finished rolling back an interrupted ai-revert: everything is as it was before it"
    if mode == "no-commit":
        if index_tree(git) == tree_of(git, new):
            drop_journal(repo)
            return "an interrupted `ai-revert --no-commit` had finished; its changes are staged"
        finish_work_tree(git, old, new, work_tree)
        drop_journal(repo)
        return "finished an interrupted `ai-revert --no-commit`: its changes are now staged"
    if current == old:
        drop_journal(repo)
        branch = ref.removeprefix("refs/heads/")
        return f"rolled back an interrupted ai-revert: {branch} had not moved, nothing had changed"
    if current != new:
        drop_journal(repo)
        return (
            f"dropped the journal of an interrupted ai-revert: {ref.removeprefix('refs/heads/')} "
            f"has moved on since ({old[:10]} -> {current and current[:10]}); nothing changed"
        )
    if index_tree(git) != tree_of(git, new):
        finish_work_tree(git, old, new, work_tree)
    git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", old)
    drop_journal(repo)
    extra = f" and tag {tag}" if tag else ""
    return (
        f"finished an interrupted ai-revert: {ref.removeprefix('refs/heads/')} is at {new[:10]}{extra}; "
        f"undo with: git reset --keep {old[:10]}"
    )
