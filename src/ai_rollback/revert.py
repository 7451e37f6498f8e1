"""``ai-revert``: revert the AI commits of a range, all or nothing.

gather -> sanity checks -> plan -> (confirm) -> build -> apply, as
git-filter-repo and pre-commit's staged-files-only do destructive work:

* **gather**: one streamed ``git log`` of the range and everything after it
  up to HEAD (classification, changed paths with renames), then ``-U0``
  diffs of only the commits that touch contested files (``plan.py``).
* **build**: each revert is ``git merge-tree --write-tree`` of the reverted
  commit's parent tree over the current result, with the reverted commit as
  the merge base.  Both sides are throw-away commits whose parent is the
  reverted commit, so git finds the base without walking history.  Nothing
  but new objects is written; the scaffolding is deleted afterwards.
* **apply**: a journal is written, the branch moves once in a ref
  transaction that checks its old value (and creates the incident tag), the
  index and work tree are updated once (``git read-tree -m -u``, which
  keeps unrelated local changes), ``ORIG_HEAD`` is set, the journal goes.
  Ctrl-C is held off while this runs and, if it came, everything is rolled
  back.  A process killed in between leaves the journal; the next run
  finishes the job (or, if the branch never moved, drops it) and says so.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from ai_rollback import classify, plan
from ai_rollback.config import Config
from ai_rollback.errors import AiRollbackError, CheckFailed, GitError, UsageError
from ai_rollback.git.log import STABLE_LOG, iter_patches, iter_topo
from ai_rollback.git.objects import (
    EMPTY_TREE_SHA1,
    EMPTY_TREE_SHA256,
    TREE_MODE,
    CatFile,
    Entry,
    ObjectWriter,
    TreeEditor,
    Trees,
    merge_tree,
)
from ai_rollback.git.repo import Repository
from ai_rollback.git.run import Git, check_rev_arg
from ai_rollback.gitconfig import GitSettings

JOURNAL = "journal.json"
CRASH_ENV = "AI_ROLLBACK_TEST_CRASH_AT"  # tests only: die (SIGKILL) at a named point


class Refused(AiRollbackError):
    """The repository is not in a state we may change (nothing was changed)."""


class Entanglement(CheckFailed):
    """--entangled stop found AI commits that cannot be reverted alone."""


class Conflict(CheckFailed):
    """A revert did not apply cleanly though the plan said it would."""


@dataclass
class Options:
    range: str
    only: str = "ai"
    model: str | None = None
    paths: tuple[str, ...] = ()
    entangled: str = "stop"
    dry_run: bool = False
    fmt: str = "text"
    squash: bool = False
    no_commit: bool = False
    yes: bool = False
    incident: bool = False


@dataclass
class Outcome:
    plan: plan.Plan
    old: str = ""
    new: str = ""
    branch: str = ""
    created: list[str] = field(default_factory=list)
    incident_tag: str | None = None
    recovered: str | None = None
    skipped_empty: list[str] = field(default_factory=list)


def _crash_point(name: str) -> None:
    """Tests only: ``AI_ROLLBACK_TEST_CRASH_AT=<point>`` kills us there (``:interrupt``: Ctrl-C)."""
    wanted = os.environ.get(CRASH_ENV)
    if wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)
    elif wanted == f"{name}:interrupt" or os.environ.get(CRASH_ENV.replace("CRASH", "INTERRUPT")) == name:
        os.kill(os.getpid(), signal.SIGINT)


# --------------------------------------------------------------------------
# State checks
# --------------------------------------------------------------------------


def current_branch(repo: Repository) -> tuple[str, str]:
    """``(refs/heads/<branch>, tip)``; refuses detached HEAD, an unborn branch, a bare repo."""
    if repo.work_tree is None:
        raise Refused("this repository has no work tree (bare); ai-revert works in a checkout")
    code, out, _ = repo.git.run_full("symbolic-ref", "-q", "HEAD", check=False)
    if code != 0:
        raise Refused(
            "HEAD is detached: there is no branch to move",
            hint="check out the branch to revert on first: git switch <branch>",
        )
    ref = out.decode().strip()
    code, out, _ = repo.git.run_full("rev-parse", "--verify", "-q", ref, check=False)
    if code != 0:
        raise Refused(f"{ref.removeprefix('refs/heads/')} has no commits yet (unborn branch)")
    return ref, out.decode().strip()


IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or am",
    "BISECT_LOG": "a bisect",
    "sequencer": "a cherry-pick or revert sequence",
}


def check_idle(repo: Repository) -> None:
    for name, what in IN_PROGRESS.items():
        if os.path.exists(os.path.join(repo.git_dir, name)):
            raise Refused(
                f"{what} is in progress; finish or abort it first",
                hint="git status shows how (e.g. git merge --abort, git rebase --continue)",
            )
    if os.path.exists(os.path.join(repo.git_dir, "index.lock")):
        raise Refused(
            "another git process is running (index.lock exists)",
            hint="wait for it; if none is running, remove .git/index.lock",
        )


# --------------------------------------------------------------------------
# The range
# --------------------------------------------------------------------------


def resolve_range(git: Git, range_text: str, head: str) -> tuple[list[str], list[str]]:
    """Commits of the range (newest first) and its boundary commits.

    Every revision form ``git rev-list`` accepts; nothing starting with '-' is an option.
    """
    check_rev_arg(range_text, "range")
    code, out, _ = git.run_full(
        "rev-list", "--boundary", "--end-of-options", *range_text.split(), "--", check=False
    )
    if code != 0:
        if git.text("rev-parse", "--is-shallow-repository") == "true":
            raise Refused(
                f"{range_text!r} names history this shallow clone does not have (or no revision at all)",
                hint="fetch the missing history: git fetch --unshallow (or --deepen=N)",
            )
        raise UsageError(
            f"unknown revision or range {range_text!r}",
            hint="check the names with `git log --oneline -5 <name>`",
        )
    commits: list[str] = []
    boundary: list[str] = []
    for line in out.decode().split():
        (boundary if line.startswith("-") else commits).append(line.lstrip("-"))
    if not commits:
        raise UsageError(
            f"the range {range_text!r} is empty: no commits to look at",
            hint="a range names its older end first, e.g. v2.1.0..HEAD",
        )
    outside = git.run("rev-list", "--max-count=1", "--end-of-options", *range_text.split(), f"^{head}", "--")
    if outside.strip():
        raise UsageError(
            f"{range_text!r} has commits that are not on the current branch",
            hint="revert on the branch that holds them, or name a range that ends at HEAD",
        )
    shallow_file = git.git_path("shallow")
    if os.path.isfile(shallow_file):
        with open(shallow_file) as f:
            grafts = set(f.read().split())
        if grafts & set(commits):
            raise Refused(
                f"{range_text!r} reaches the edge of this shallow clone; its base is missing",
                hint="fetch the missing history: git fetch --unshallow (or --deepen=N)",
            )
    return commits, boundary


# --------------------------------------------------------------------------
# Gathering
# --------------------------------------------------------------------------


def gather(
    git: Git,
    in_range: set[str],
    head: str,
    boundary: Sequence[str],
    config: Config,
    settings: GitSettings,
) -> list[plan.Commit]:
    detection = classify.detection_from(config)
    commits: list[plan.Commit] = []
    revs = [head, "--not", *boundary] if boundary else [head]
    for index, stored in enumerate(iter_topo(git, revs)):
        found, trailers = classify.classify_stored(stored, detection, settings)
        reverts = classify.reverted_targets(stored.message, trailers)
        commits.append(
            plan.Commit(
                index=index,
                sha=stored.sha,
                parents=stored.parents,
                subject=stored.subject,
                kind=found.kind,
                reason=found.reason,
                model=found.model,
                in_range=stored.sha in in_range,
                paths=stored.changes,
                reverts=reverts,
            )
        )
    return commits


def tracker_for(git: Git, commits: Sequence[plan.Commit]) -> plan.Track:
    """The planner's ``track`` callback: diffs of the commits touching those files, one git call."""

    def track(files: set[int], ids: dict[tuple[int, str], int]) -> dict[tuple[int, int], set[str]]:
        needed = plan.diffs_needed(commits, files, ids)
        patches = iter_patches(git, [c.sha for c in needed])
        pairs = plan.track_lines(commits, files, ids, needed, patches)
        for _rest in patches:  # pragma: no cover - drain
            pass
        return pairs

    return track


def path_selection(git: Git, range_text: str, paths: Sequence[str]) -> set[str] | None:
    if not paths:
        return None
    out = git.run(
        "log",
        "--format=%H",
        *STABLE_LOG,
        "--no-renames",
        "--end-of-options",
        *range_text.split(),
        "--",
        *paths,
    )
    return set(out.decode().split())


# --------------------------------------------------------------------------
# Output of a plan
# --------------------------------------------------------------------------


def write_plan_json(p: plan.Plan, out: object, extra: dict[str, object] | None = None) -> None:
    """The plan as JSON, written commit by commit (no second copy of the whole list)."""
    write = out.write  # type: ignore[attr-defined]
    write("{\n  " + json.dumps("range") + ": " + json.dumps(p.range) + ',\n  "commits": [')
    first = True
    for c in reversed(p.commits):
        if not c.in_range:
            continue
        d = p.decisions[c.sha]
        item = {
            "sha": c.sha,
            "kind": c.kind,
            "subject": c.subject,
            "action": d.action,
            "reason": d.reason,
        }
        write(("\n    " if first else ",\n    ") + json.dumps(item, ensure_ascii=False))
        first = False
    entangled = [{"ai": e.target, "human": e.blockers, "files": e.files} for e in p.entangled]
    write('\n  ],\n  "entangled": ' + json.dumps(entangled, ensure_ascii=False))
    for key, value in (extra or {}).items():
        write(",\n  " + json.dumps(key) + ": " + json.dumps(value, ensure_ascii=False))
    write("\n}\n")


def plan_json(p: plan.Plan) -> dict[str, object]:
    return {
        "range": p.range,
        "commits": [
            {
                "sha": c.sha,
                "kind": c.kind,
                "subject": c.subject,
                "action": p.decisions[c.sha].action,
                "reason": p.decisions[c.sha].reason,
            }
            for c in reversed(p.commits)
            if c.in_range
        ],
        "entangled": [{"ai": e.target, "human": e.blockers, "files": e.files} for e in p.entangled],
    }


def plan_text(p: plan.Plan) -> str:
    by_sha = {c.sha: c for c in p.commits}
    lines = [f"Plan for {p.range} (newest first):"]
    for c in reversed(p.commits):
        if not c.in_range:
            continue
        d = p.decisions[c.sha]
        lines.append(f"  {d.action:6} {c.sha[:10]} {c.subject[:60]}")
        lines.append(f"         {d.reason}")
    if p.entangled:
        lines.append("")
        lines.append("Entangled (later commits changed these commits' lines, or the lines next to them):")
        for e in p.entangled:
            lines.append(f"  {by_sha[e.target].sha[:10]} {by_sha[e.target].subject[:60]}")
            for b in e.blockers:
                lines.append(f"    with {b[:10]} {by_sha[b].subject[:60] if b in by_sha else ''}")
            lines.append(f"    files: {', '.join(e.files)}")
    todo = p.to_revert
    lines.append("")
    if p.refused:
        lines.append(
            "Refusing: --entangled stop. Choose --entangled skip (revert only the free commits) "
            "or --entangled include (revert the entangled commits too)."
        )
    elif todo:
        lines.append(f"Would revert {len(todo)} commit{'s' if len(todo) != 1 else ''}.")
    else:
        lines.append("Nothing to revert.")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Building the revert commits (objects only)
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Journal, ref transaction, work tree
# --------------------------------------------------------------------------


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


def _ref_value(git: Git, ref: str) -> str | None:
    code, out, _ = git.run_full("rev-parse", "--verify", "-q", ref, check=False)
    return out.decode().strip() if code == 0 else None


def _tree_of(git: Git, commit: str) -> str:
    return git.text("rev-parse", f"{commit}^{{tree}}")


def _index_tree(git: Git) -> str | None:
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
    current = _ref_value(git, ref)
    work_tree = repo.root
    if data.get("phase") == "rolling-back":
        if current == new:
            git.run_shielded("update-ref", "-m", "ai-revert: roll back", ref, old, new)
        if _index_tree(git) == _tree_of(git, new):
            finish_work_tree(git, new, old, work_tree)
        previous = data.get("orig_head")
        if isinstance(previous, str) and previous:
            git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", previous)
        drop_journal(repo)
        return "finished rolling back an interrupted ai-revert: everything is as it was before it"
    if mode == "no-commit":
        if _index_tree(git) == _tree_of(git, new):
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
    if _index_tree(git) != _tree_of(git, new):
        finish_work_tree(git, old, new, work_tree)
    git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", old)
    drop_journal(repo)
    extra = f" and tag {tag}" if tag else ""
    return (
        f"finished an interrupted ai-revert: {ref.removeprefix('refs/heads/')} is at {new[:10]}{extra}; "
        f"undo with: git reset --keep {old[:10]}"
    )


@contextmanager
def interrupts_deferred() -> Iterator[list[bool]]:
    """Hold Ctrl-C while the block runs; the list tells whether one came."""
    received = [False]

    def handler(signum: int, frame: object) -> None:
        received[0] = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def local_overlap(git: Git, old: str, new: str, work_tree: str) -> list[str]:
    """What git itself would refuse to overwrite when moving index and work tree to ``new``.

    A dry run (``read-tree -m -u -n``) of the very update the apply makes: local
    changes, staged changes, untracked or ignored files in the way, a file where
    a directory must go.  Returns the paths (or git's words when it names none).
    """
    import re

    env = dict(git.env, GIT_OPTIONAL_LOCKS="0")
    code, _, err = git.run_full("read-tree", "-m", "-u", "-n", old, new, check=False, env=env)
    if code == 0:
        return []
    text = err.decode("utf-8", "replace")
    paths = sorted({m.group(1) for m in re.finditer(r"'(.+?)'", text)})
    return paths or [line.removeprefix("error: ") for line in text.splitlines() if line.strip()][:3]


# --------------------------------------------------------------------------
# The whole run
# --------------------------------------------------------------------------


class Runner:
    """One ai-revert invocation (the CLI renders its outcome)."""

    def __init__(
        self,
        repo: Repository,
        config: Config,
        settings: GitSettings,
        confirm: Callable[[plan.Plan], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
        render: Callable[[str, dict[str, object]], str] | None = None,
    ) -> None:
        self.repo = repo
        self.git = repo.git
        self.config = config
        self.settings = settings
        self.confirm = confirm
        self.progress = progress
        self.render = render or _default_render

    last_plan: plan.Plan

    def plan(self, options: Options) -> tuple[plan.Plan, str, str]:
        ref, head = current_branch(self.repo)
        check_idle(self.repo)
        in_range, boundary = resolve_range(self.git, options.range, head)
        commits = gather(self.git, set(in_range), head, boundary, self.config, self.settings)
        selected = path_selection(self.git, options.range, options.paths)
        result = plan.make_plan(
            options.range,
            commits,
            tracker_for(self.git, commits),
            only=options.only,
            model=options.model,
            path_selected=selected,
            policy=options.entangled,
        )
        self.last_plan = result
        return result, ref, head

    def run(self, options: Options) -> Outcome:
        recovered = None if options.dry_run else recover(self.repo)
        the_plan, ref, old = self.plan(options)
        outcome = Outcome(the_plan, old=old, branch=ref, recovered=recovered)
        if options.dry_run:
            return outcome
        if the_plan.refused:
            raise Entanglement(
                f"{len(the_plan.entangled)} commit{'s' if len(the_plan.entangled) != 1 else ''} cannot be "
                "reverted alone: later commits changed their lines (see the plan above); nothing was changed",
                hint="--entangled skip reverts only the free ones; --entangled include reverts the "
                "entangled commits too",
            )
        todo = the_plan.to_revert
        if not todo:
            return outcome
        if self.confirm is not None and not self.confirm(the_plan):
            raise CheckFailed("not confirmed; nothing was changed")
        writer = ObjectWriter(self._objects_dir(), self._algorithm())
        tip_tree = _tree_of(self.git, old)
        empty_tree = EMPTY_TREE_SHA256 if len(old) == 64 else EMPTY_TREE_SHA1
        built = build(
            self.git,
            writer,
            tip_tree,
            todo,
            empty_tree,
            self.progress,
            every_step=not (options.squash or options.no_commit),
        )
        outcome.skipped_empty = [c.sha for c in built.empty]
        for c in built.empty:
            the_plan.decisions[c.sha] = plan.Decision(
                plan.SKIP, "its changes are already undone by later commits"
            )
        if not built.reverted:
            return outcome
        final_tree = built.trees[-1]
        overlap = local_overlap(self.git, old, final_tree, self.repo.root)
        if overlap:
            raise Refused(
                f"local changes in {', '.join(overlap[:8])}{' and more' if len(overlap) > 8 else ''} "
                "overlap what the revert changes; nothing was changed",
                hint="commit or stash them first (git stash -u), then run ai-revert again",
            )
        if options.no_commit:
            self._stage(outcome, built, final_tree)
        else:
            self._commit(outcome, built, options, writer)
        return outcome

    def _objects_dir(self) -> str:
        return os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(self.repo.common_dir, "objects")

    def _algorithm(self) -> str:
        code, out, _ = self.git.run_full("rev-parse", "--show-object-format", check=False)
        return out.decode().strip() if code == 0 and out.strip() else "sha1"

    def _idents(self) -> tuple[str, str]:
        out = self.git.run("var", "-l").decode("utf-8", "surrogateescape")
        values = dict(
            line.split("=", 1) for line in out.splitlines() if line.startswith("GIT_") and "=" in line
        )
        author, committer = values.get("GIT_AUTHOR_IDENT"), values.get("GIT_COMMITTER_IDENT")
        if not author or not committer:
            raise GitError("git does not know who you are", hint='git config user.name "..." and user.email')
        return author, committer

    def _messages(self, built: Built, options: Options) -> list[str]:
        values = {"range": options.range, "only": options.only}
        if options.squash:
            items = [
                {"sha": c.sha, "subject": c.subject, "model": c.model, "kind": c.kind} for c in built.reverted
            ]
            return [self.render("revert-squash.j2", {**values, "commits": items})]
        return [
            self.render(
                "revert-commit.j2",
                {**values, "sha": c.sha, "subject": c.subject, "model": c.model, "kind": c.kind},
            )
            for c in built.reverted
        ]

    def _commit(self, outcome: Outcome, built: Built, options: Options, writer: ObjectWriter) -> None:
        author, committer = self._idents()
        messages = self._messages(built, options)
        trees = [built.trees[-1]] if options.squash else built.trees
        signing = (self.git.config_get("commit.gpgsign") or "").lower() in (
            "true",
            "yes",
            "on",
            "1",
        )
        tip = outcome.old
        for tree, text in zip(trees, messages, strict=True):
            if signing:
                tip = (
                    self.git.run(
                        "commit-tree",
                        "-S",
                        tree,
                        "-p",
                        tip,
                        "-F",
                        "-",
                        input=text.encode("utf-8", "surrogateescape"),
                    )
                    .decode()
                    .strip()
                )
            else:
                tip = writer.commit(tree, [tip], author, committer, text)
            outcome.created.append(tip)
        outcome.new = tip
        tag_line = ""
        if options.incident:
            outcome.incident_tag = self._incident_name()
            tag_message = self.render(
                "incident-tag.j2",
                {
                    "range": options.range,
                    "old": outcome.old,
                    "new": tip,
                    "tag": outcome.incident_tag,
                    "commits": [
                        {"sha": c.sha, "subject": c.subject, "model": c.model} for c in built.reverted
                    ],
                },
            )
            tag_object = writer.tag(tip, outcome.incident_tag, committer, tag_message)
            tag_line = f"create refs/tags/{outcome.incident_tag} {tag_object}\n"
        count = len(built.reverted)
        reflog = f"ai-revert: revert {count} commit{'s' if count != 1 else ''} of {options.range}"
        previous_orig = _ref_value(self.git, "ORIG_HEAD")
        saved = self._save_state(outcome.old, tip)
        transaction = f"update {outcome.branch} {tip} {outcome.old}\n{tag_line}".encode()
        write_journal(
            self.repo,
            {
                "ref": outcome.branch,
                "old": outcome.old,
                "new": tip,
                "mode": "commit",
                "tag": outcome.incident_tag,
                "range": options.range,
                "time": time.time(),
            },
        )
        _crash_point("after-journal")
        with interrupts_deferred() as interrupted:
            code, _, err = self.git.run_shielded("update-ref", "-m", reflog, "--stdin", input=transaction)
            if code != 0:
                drop_journal(self.repo)
                raise Refused(
                    f"{outcome.branch.removeprefix('refs/heads/')} moved while ai-revert worked, or the tag "
                    f"could not be created; nothing was changed ({err.decode(errors='replace').strip()})",
                    hint="run ai-revert again",
                )
            _crash_point("after-update-ref")
            try:
                sync_work_tree(self.git, outcome.old, tip)
            except GitError:
                self._roll_back(outcome, tip, previous_orig, saved)
                raise
            _crash_point("after-work-tree")
            self.git.run_shielded("update-ref", "--no-deref", "ORIG_HEAD", outcome.old)
            drop_journal(self.repo)
            if interrupted[0]:
                self._roll_back(outcome, tip, previous_orig, saved)
                raise KeyboardInterrupt

    def _save_state(self, old: str, new: str) -> tuple[bytes | None, dict[str, tuple[int, int]]]:
        """The index as it is and the times of the files the revert rewrites (for a roll back)."""
        index = os.path.join(self.repo.git_dir, "index")
        try:
            with open(index, "rb") as f:
                data: bytes | None = f.read()
        except FileNotFoundError:
            data = None
        times: dict[str, tuple[int, int]] = {}
        for raw in self.git.run(
            "diff", "--name-only", "-z", "--no-renames", "--ignore-submodules=none", old, new, "--"
        ).split(b"\0"):
            if raw:
                path = os.path.join(self.repo.root, raw.decode("utf-8", "surrogateescape"))
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                times[path] = (st.st_atime_ns, st.st_mtime_ns)
        return data, times

    def _roll_back(
        self,
        outcome: Outcome,
        tip: str,
        previous_orig: str | None,
        saved: tuple[bytes | None, dict[str, tuple[int, int]]],
    ) -> None:
        """Undo a half-done apply: branch, tag, index, work tree, ORIG_HEAD exactly as they were."""
        write_journal(
            self.repo,
            {
                "ref": outcome.branch,
                "old": outcome.old,
                "new": tip,
                "mode": "commit",
                "phase": "rolling-back",
                "orig_head": previous_orig or "",
            },
        )
        tag = f"delete refs/tags/{outcome.incident_tag}\n" if outcome.incident_tag else ""
        self.git.run_shielded(
            "update-ref",
            "-m",
            "ai-revert: roll back",
            "--stdin",
            input=f"update {outcome.branch} {outcome.old} {tip}\n{tag}".encode(),
        )
        _crash_point("rolling-back")
        try:
            sync_work_tree(self.git, tip, outcome.old)
        except GitError:
            finish_work_tree(self.git, tip, outcome.old, self.repo.root)
        index_bytes, times = saved
        for path, (atime, mtime) in times.items():
            try:
                os.utime(path, ns=(atime, mtime), follow_symlinks=False)
            except OSError:
                pass
        if index_bytes is not None:
            index = os.path.join(self.repo.git_dir, "index")
            lock = index + ".lock"
            with open(lock, "xb") as f:  # git's own lock: nobody else writes the index meanwhile
                f.write(index_bytes)
            os.replace(lock, index)
        if previous_orig:
            self.git.run("update-ref", "--no-deref", "ORIG_HEAD", previous_orig)
        else:
            self.git.run("update-ref", "-d", "--no-deref", "ORIG_HEAD", check=False)
        drop_journal(self.repo)
        outcome.new = ""
        outcome.created = []

    def _stage(self, outcome: Outcome, built: Built, final_tree: str) -> None:
        """--no-commit: the combined revert in the index and work tree, with a prepared message."""
        if self.git.run("diff", "--cached", "--name-only", "HEAD", "--").strip():
            raise Refused(
                "--no-commit needs a clean index: you have staged changes; nothing was changed",
                hint="commit or unstage them first",
            )
        message = self._messages(built, Options(range=outcome.plan.range, squash=True))[0]
        writer = ObjectWriter(self._objects_dir(), self._algorithm())
        author, committer = self._idents()
        staged = writer.commit(final_tree, [outcome.old], author, committer, message)
        write_journal(
            self.repo,
            {"ref": outcome.branch, "old": outcome.old, "new": staged, "mode": "no-commit"},
        )
        with interrupts_deferred() as interrupted:
            sync_work_tree(self.git, outcome.old, staged)
            with open(os.path.join(self.repo.git_dir, "MERGE_MSG"), "w", encoding="utf-8") as f:
                f.write(message)
            drop_journal(self.repo)
            if interrupted[0]:
                sync_work_tree(self.git, staged, outcome.old)
                os.unlink(os.path.join(self.repo.git_dir, "MERGE_MSG"))
                raise KeyboardInterrupt
        outcome.new = ""

    def _incident_name(self) -> str:
        pattern = str(self.config.table("revert").get("incident-tag") or "incident-%Y%m%d-%H%M")
        base = time.strftime(pattern, time.gmtime())
        name, n = base, 1
        while True:
            check_refname(self.git, f"refs/tags/{name}")
            if _ref_value(self.git, f"refs/tags/{name}") is None:
                return name
            n += 1
            name = f"{base}-{n}"


def check_refname(git: Git, ref: str) -> None:
    code, _, _ = git.run_full("check-ref-format", ref, check=False)
    if code != 0:
        raise UsageError(
            f"{ref.removeprefix('refs/tags/')!r} is not a valid tag name",
            hint="fix [tool.ai-rollback.revert] incident-tag",
        )


def _default_render(name: str, values: dict[str, object]) -> str:
    from ai_rollback import render

    return render.render_file(name, values)


def progress_printer(stream: object = None) -> Callable[[int, int], None] | None:
    """A progress line on stderr, on a terminal and for many commits only."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < 20:
            return
        sys.stderr.write(f"\rai-revert: building reverts {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def summary(outcome: Outcome, no_commit: bool = False) -> str:
    """What was reverted, kept and skipped, and how to undo it."""
    p = outcome.plan
    lines: list[str] = []
    if outcome.recovered:
        lines.append(f"(first: {outcome.recovered})")
    reverted = [
        c
        for c in reversed(p.commits)
        if c.in_range and p.decisions[c.sha].action == plan.REVERT and c.sha not in outcome.skipped_empty
    ]
    kept = [c for c in p.commits if c.in_range and p.decisions[c.sha].action == plan.KEEP]
    skipped = [c for c in reversed(p.commits) if c.in_range and p.decisions[c.sha].action == plan.SKIP]
    branch = outcome.branch.removeprefix("refs/heads/")
    if not reverted or (not outcome.new and not no_commit):
        lines.append(f"Nothing to revert in {p.range}: no commit was selected.")
    else:
        verb = "Staged the revert of" if no_commit else "Reverted"
        lines.append(
            f"{verb} {len(reverted)} commit{'s' if len(reverted) != 1 else ''} on {branch} (newest first):"
        )
        lines += [f"  {c.sha[:10]} {c.subject[:70]}" for c in reverted]
        if p.included:
            lines.append(
                "  (entangled human commits included: " + ", ".join(s[:10] for s in p.included) + ")"
            )
    lines.append(f"Kept {len(kept)} commit{'s' if len(kept) != 1 else ''}.")
    if skipped:
        lines.append(f"Skipped {len(skipped)}:")
        lines += [f"  {c.sha[:10]} {c.subject[:50]}: {p.decisions[c.sha].reason}" for c in skipped]
    if outcome.new:
        lines.append(f"{branch} is now at {outcome.new[:10]} (was {outcome.old[:10]}; also in ORIG_HEAD).")
        if outcome.incident_tag:
            lines.append(f"Tagged {outcome.incident_tag}.")
        lines.append(
            f"To undo: git reset --keep {outcome.old[:10]}"
            + (f" && git tag -d {outcome.incident_tag}" if outcome.incident_tag else "")
        )
    elif no_commit and reverted:
        lines.append("Review with git diff --cached, then git commit (the message is prepared).")
        lines.append("To undo: git reset --merge")
    return "\n".join(lines) + "\n"
