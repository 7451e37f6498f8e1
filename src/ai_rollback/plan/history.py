"""What the history says before any line is read: file identities, merges, reverts, contests.

Pure functions over :class:`~ai_rollback.plan.model.Commit` lists (oldest
first).  Only files that both a commit to revert and a later kept commit
touch can conflict (:func:`contested`); only those are handed to the line
tracker.  :func:`blocked` reads the tracker's pairs back as entanglements.
Which commits a merge brings in comes from one
:class:`~ai_rollback.plan.ancestry.Ancestry` of the history (:func:`ancestry`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ai_rollback.plan.ancestry import Ancestry, mask, members
from ai_rollback.plan.model import Commit, Pairs

#: the last history :func:`ancestry` indexed, its length and tip, and its index (see there)
_last: tuple[Sequence[Commit], int, str, Ancestry] | None = None


def ancestry(commits: Sequence[Commit]) -> Ancestry:
    """The reachability index of ``commits`` (oldest first, topologically), by index.

    The planner, the line tracker and the rename check each ask for the index
    of the same history; it is built once: over 50,000 commits with 3,000
    merges one index holds about 15 MB.  The same list grown or cut since (its
    length or its tip changed) is indexed again.
    """
    global _last
    tip = commits[-1].sha if commits else ""
    if _last is not None and _last[0] is commits and _last[1] == len(commits) and _last[2] == tip:
        return _last[3]
    index = {c.sha: c.index for c in commits}
    built = Ancestry.of([(c.index, [index.get(p) for p in c.parents]) for c in commits])
    _last = (commits, len(commits), tip, built)
    return built


def file_identities(commits: Sequence[Commit]) -> dict[tuple[int, str], int]:
    """A stable id per file across renames: (commit index, path) -> file id."""
    ids: dict[str, int] = {}
    result: dict[tuple[int, str], int] = {}
    counter = 0
    for commit in commits:
        for status, old, new in commit.paths:
            if status.startswith("R") and old is not None and new is not None:
                # the old path keeps its id: on another branch the file may still be there
                ident = ids.get(old)
                if ident is None:
                    ident = ids[old] = counter
                    counter += 1
                ids[new] = ident
                result[(commit.index, new)] = ident
                result[(commit.index, old)] = ident
                continue
            path = new or old
            if path is None:
                continue
            if path not in ids:
                ids[path] = counter
                counter += 1
            result[(commit.index, path)] = ids[path]
    return result


def contested(
    commits: Sequence[Commit],
    revert: set[int],
    ids: dict[tuple[int, str], int],
    reach: Ancestry | None = None,
) -> set[int]:
    """Ids of files a commit to revert and a later kept commit both change.

    A file and the directory of the same name count as one place
    (file/directory conflicts): ``x`` and ``x/y`` contest each other.
    ``reach``: the :func:`ancestry` of ``commits``, if the caller has it.
    """
    reach = reach if reach is not None else ancestry(commits)
    index = {c.sha: c.index for c in commits}
    reverted = mask(revert)
    first_revert: dict[int, int] = {}
    revert_paths: dict[str, int] = {}  # path -> its id, for paths commits to revert changed
    revert_dirs: dict[str, set[int]] = {}  # directory -> ids of reverted paths under it
    out: set[int] = set()
    for commit in commits:
        paths = [p for _s, o, n in commit.paths for p in (o, n) if p is not None and (commit.index, p) in ids]
        if commit.index in revert:
            for p in paths:
                f = ids[(commit.index, p)]
                first_revert.setdefault(f, commit.index)
                revert_paths[p] = f
                parts = p.split("/")
                for k in range(1, len(parts)):
                    revert_dirs.setdefault("/".join(parts[:k]), set()).add(f)
            continue
        if len(commit.parents) > 1 and commit.parents[0] in index:
            # a merge carries (or drops) what its branch changed
            for brought in members(reach.brought_in([index.get(p) for p in commit.parents]) & reverted):
                out |= {
                    ids[(brought, p)]
                    for _s, o, n in commits[brought].paths
                    for p in (o, n)
                    if p is not None and (brought, p) in ids
                }
        for p in paths:
            f = ids[(commit.index, p)]
            if f in first_revert and first_revert[f] < commit.index:
                out.add(f)
            parts = p.split("/")
            clash = {
                revert_paths["/".join(parts[:k])]
                for k in range(1, len(parts))
                if "/".join(parts[:k]) in revert_paths
            }
            clash |= revert_dirs.get(p, set())
            if clash:
                out |= clash | {f}
    return out


def side_commits(commits: Sequence[Commit], reach: Ancestry | None = None) -> dict[int, set[int]]:
    """For each merge, the commits it brings in (reachable from a later parent, not the first)."""
    reach = reach if reach is not None else ancestry(commits)
    index = {c.sha: c.index for c in commits}
    return {
        c.index: set(members(reach.brought_in([index.get(p) for p in c.parents])))
        for c in commits
        if len(c.parents) > 1 and c.parents[0] in index
    }


def blocked(
    revert: set[int],
    kept: set[int],
    pairs: Pairs,
    neutral: set[int] = frozenset(),  # type: ignore[assignment]
) -> dict[int, dict[int, set[str]]]:
    """For each commit to revert, the later kept commits entangled with it (and where).

    ``neutral`` commits (a commit and the revert that cancels it) change nothing together.
    """
    out: dict[int, dict[int, set[str]]] = {}
    for (earlier, later), files in pairs.items():
        if earlier in revert and later in kept and later not in neutral:
            out.setdefault(earlier, {})[later] = set(files)
    return out


def already_reverted(commits: Sequence[Commit]) -> dict[str, str]:
    """target sha -> the effective revert commit (a revert that is itself reverted cancels)."""
    by_sha = {c.sha: c for c in commits}
    reverters: dict[str, str] = {}
    for c in commits:
        for named in c.reverts:
            target = (
                by_sha[named].sha
                if named in by_sha
                else next((s for s in by_sha if s.startswith(named)), None)
            )
            if target:
                reverters[target] = c.sha
    memo: dict[str, bool] = {}

    def live(sha: str, depth: int = 0) -> bool:
        if sha in memo:
            return memo[sha]
        reverter = reverters.get(sha)
        result = True if reverter is None or depth > 50 else not live(reverter, depth + 1)
        memo[sha] = result
        return result

    return {target: reverter for target, reverter in reverters.items() if not live(target)}
