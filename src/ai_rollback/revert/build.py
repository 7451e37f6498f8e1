"""Building: every revert as new objects only; no ref, index or file changes.

Each revert is ``git merge-tree --write-tree`` of the reverted commit's
parent tree over the current result, with the reverted commit as the merge
base.  Both sides are throw-away commits whose parent is the reverted commit,
so git finds the base without walking history; the scaffolding is deleted
afterwards.  Where no path of the commit changed since, the tree is edited
directly (:func:`_fast_revert`), which gives git's result without its cost.
A conflict the plan did not foresee is :class:`Conflict`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ai_rollback import plan
from ai_rollback.git.log import STABLE_LOG
from ai_rollback.git.objects import (
    TREE_MODE,
    CatFile,
    Entry,
    ObjectWriter,
    TreeEditor,
    Trees,
    merge_tree,
)
from ai_rollback.git.repo import Repository
from ai_rollback.git.run import Git
from ai_rollback.revert.errors import Conflict


def object_writer(repo: Repository) -> ObjectWriter:
    """A writer into the repository's object database, in its hash algorithm."""
    objects = os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(repo.common_dir, "objects")
    code, out, _ = repo.git.run_full("rev-parse", "--show-object-format", check=False)
    return ObjectWriter(objects, out.decode().strip() if code == 0 and out.strip() else "sha1")


@dataclass
class Built:
    trees: list[str]  # result tree after each revert (same order as the commits)
    reverted: list[plan.Commit]  # those that changed something
    empty: list[plan.Commit]  # already undone by later commits: nothing to revert


def commit_trees(git: Git, shas: Sequence[str]) -> dict[str, str]:
    """Tree of each commit, in one ``git log --no-walk`` per thousand."""
    trees: dict[str, str] = {}
    unique = list(dict.fromkeys(shas))
    for start in range(0, len(unique), 1000):
        out = git.run(
            "log",
            "--no-walk=unsorted",
            "--format=%H %T",
            *STABLE_LOG,
            *unique[start : start + 1000],
            "--",
        )
        for line in out.decode().split("\n"):
            if line.strip():
                sha, tree = line.split()
                trees[sha] = tree
    return trees


def _changed_paths(commit: plan.Commit) -> list[bytes]:
    paths: list[bytes] = []
    for status, old, new in commit.paths:
        sides = (new,) if status.startswith("C") else (old, new)  # a copy leaves its source alone
        for path in sides:
            if path is not None:
                paths.append(path.encode("utf-8", "surrogateescape"))
    return list(dict.fromkeys(paths))


def _ancestors(path: bytes) -> list[bytes]:
    parts = path.split(b"/")[:-1]
    return [b"/".join(parts[: i + 1]) for i in range(len(parts))]


def _fast_revert(
    editor: TreeEditor, trees: Trees, base: str, theirs: str | None, commit: plan.Commit
) -> bool:
    """Revert by replacing entries when no path of the commit changed since (what a merge gives).

    Three-way merge: where ours equals the base, the result is theirs.  Bails
    out to a real merge for renames and copies (git may follow a directory
    rename), directories, a path coming back under something that is now a
    file, or into a directory that is gone on our side.
    """
    if any(status[:1] in "RC" for status, _o, _n in commit.paths):
        return False
    changes: list[tuple[bytes, Entry | None]] = []
    for path in _changed_paths(commit):
        old = trees.lookup(base, path)
        ours = editor.get(path)
        if ours != old:
            return False
        new = trees.lookup(theirs, path)
        if any(e is not None and e[0] == TREE_MODE for e in (old, new, ours)):
            return False
        if new is not None and old is None:
            for directory in _ancestors(path):
                there = editor.get(directory)
                if there is not None and there[0] != TREE_MODE:
                    return False  # a file (or link) of ours sits where the directory must go
                if trees.is_dir(base, directory) and not editor.has_dir(directory):
                    return False
        changes.append((path, new))
    for path, entry in changes:
        editor.set(path, entry)
    return True


def build(
    git: Git,
    writer: ObjectWriter,
    tip_tree: str,
    commits: Sequence[plan.Commit],
    empty_tree: str,
    progress: Callable[[int, int], None] | None = None,
    every_step: bool = True,
) -> Built:
    """Revert ``commits`` (newest first) one after the other, in the object database only.

    ``every_step``: write the tree after each revert (one commit each), not just the last.
    """
    tree_of = commit_trees(git, [c.sha for c in commits] + [c.parents[0] for c in commits if c.parents])
    ident = "ai-rollback <ai-rollback@localhost> 0 +0000"
    scaffolding: list[str] = []
    trees_out: list[str] = []
    reverted: list[plan.Commit] = []
    empty: list[plan.Commit] = []
    cat = CatFile(git)
    trees = Trees(cat, 32 if len(tip_tree) == 64 else 20)
    editor = TreeEditor(trees, tip_tree)
    current = tip_tree
    try:
        for number, commit in enumerate(commits, 1):
            base = tree_of[commit.sha]
            theirs_tree = tree_of[commit.parents[0]] if commit.parents else None
            if _fast_revert(editor, trees, base, theirs_tree, commit):
                result = editor.write(writer) if every_step or number == len(commits) else None
            else:
                ours_tree = editor.write(writer)
                theirs = writer.commit(
                    theirs_tree or empty_tree, [commit.sha], ident, ident, "ai-rollback: theirs\n"
                )
                ours = writer.commit(ours_tree, [commit.sha], ident, ident, "ai-rollback: ours\n")
                scaffolding += [theirs, ours]
                merged = merge_tree(git, ours, theirs)
                if not merged.clean:
                    raise Conflict(
                        f"reverting {commit.sha[:10]} ({commit.subject}) conflicts in "
                        f"{', '.join(merged.files) or 'the tree'}, which the plan did not foresee; "
                        "nothing was changed",
                        hint="; ".join(merged.messages[:3])
                        or "revert it by hand: git revert " + commit.sha[:10],
                    )
                result = merged.tree
                editor = TreeEditor(trees, result)
            if result is None:  # squash: only the last tree matters; emptiness is decided at the end
                reverted.append(commit)
            elif result == current:
                empty.append(commit)
            else:
                reverted.append(commit)
                trees_out.append(result)
                current = result
            if progress:
                progress(number, len(commits))
    finally:
        cat.close()
        writer.forget(scaffolding)
    if not every_step:
        trees_out = [current] if current != tip_tree else []
        if not trees_out:
            empty, reverted = empty + reverted, []
    return Built(trees_out, reverted, empty)
