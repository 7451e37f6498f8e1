"""Gathering: the range, its commits as the planner sees them, and the diffs it asks for.

* :func:`resolve_range`: the commits of the range and its boundary, refusing
  ranges off the current branch or past the edge of a shallow clone.
* :func:`gather`: one streamed ``git log`` of the range and everything after
  it up to HEAD: classification, changed paths with renames, reverts.
* :func:`path_selection`: the commits ``--path`` selects.
* :func:`prefetch_patches`: every commit's ``-U0`` diff, asked of git before the
  commits are even read (:class:`~ai_rollback.git.log.PatchFile`), so that git
  computes them on another core while Python reads the commits.
* :func:`tracker_for`: the planner's ``track`` callback; it reads the ``-U0``
  diffs the planner needs (from the prefetched file when it needs at least half
  of them, else in one git call of their own) and feeds them to the pure walk in
  ``ai_rollback.plan.diffs``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from ai_rollback import classify, plan
from ai_rollback.config import Config
from ai_rollback.credentials import redact_text
from ai_rollback.errors import GitError, UsageError
from ai_rollback.git.log import STABLE_LOG, PatchFile, iter_patches, iter_topo
from ai_rollback.git.notes import ai_notes
from ai_rollback.git.objects import objects_exist, read_blobs
from ai_rollback.git.run import Git, check_rev_arg
from ai_rollback.gitconfig import GitSettings
from ai_rollback.revert.errors import Refused


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


def gather(
    git: Git,
    in_range: set[str],
    head: str,
    boundary: Sequence[str],
    config: Config,
    settings: GitSettings,
) -> list[plan.Commit]:
    detection = classify.detection_from(config, ai_notes(git))
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
                # what ai-revert writes (plans, JSON, revert messages, tags) holds no key
                subject=redact_text(stored.subject),
                kind=found.kind,
                reason=found.reason,
                model=redact_text(found.model) if found.model else found.model,
                in_range=stored.sha in in_range,
                paths=stored.changes,
                reverts=reverts,
            )
        )
    return commits


#: the prefetched diffs of each repository's walk (see :func:`prefetch_patches`)
_prefetched: dict[int, PatchFile] = {}


def prefetch_patches(git: Git, head: str, boundary: Sequence[str]) -> None:
    """Have git start on the diffs of the commits :func:`gather` reads (the same walk)."""
    close_prefetched(git)
    try:
        _prefetched[id(git)] = PatchFile(git, [head, "--not", *boundary] if boundary else [head])
    except (GitError, OSError):  # pragma: no cover - no temporary file, no git: ask later
        pass


def close_prefetched(git: Git) -> None:
    """Stop and drop what :func:`prefetch_patches` started for ``git``."""
    found = _prefetched.pop(id(git), None)
    if found is not None:
        found.close()


def tracker_for(git: Git, commits: Sequence[plan.Commit]) -> plan.Track:
    """The planner's ``track`` callback: diffs of the commits touching those files."""

    def track(files: set[int], ids: dict[tuple[int, str], int]) -> plan.Pairs:
        needed = plan.diffs_needed(commits, files, ids)
        prefetched = _prefetched.get(id(git))
        if prefetched is not None and 2 * len(needed) >= len(commits):
            wanted = {c.sha for c in needed}
            try:
                pairs = plan.track_lines(
                    commits, files, ids, needed, (p for p in prefetched.patches() if p[0] in wanted)
                )
            except GitError:  # pragma: no cover - git stopped, or walked in another order
                pass
            else:
                prefetched.check()  # the tracker stopped at the last diff it needed: did git fail?
                return pairs
        close_prefetched(git)  # a few diffs: cheaper asked for one by one
        patches = iter_patches(git, [c.sha for c in needed])
        pairs = plan.track_lines(commits, files, ids, needed, patches)
        for _rest in patches:  # pragma: no cover - drain
            pass
        return pairs

    def track_all(files: set[int], ids: dict[tuple[int, str], int], revert: set[int]) -> plan.Pairs:
        from concurrent.futures import ThreadPoolExecutor

        # The rename check needs blobs, not the tracker's pairs: git reads them while the
        # tracker runs (a thread that mostly waits on git, which runs on another core).
        with ThreadPoolExecutor(1) as pool:
            renames = pool.submit(lost_renames, git, commits, files, ids, revert)
            pairs = track(files, ids)
            lost, gone = renames.result()
        for pair, paths in lost.items():
            known = pairs.get(pair, ())
            pairs[pair] = (*known, *sorted(paths.difference(known)))
        if gone:
            for pair in [p for p in pairs if p[0] in gone]:
                left = tuple(path for path in pairs[pair] if path not in gone[pair[0]])
                if left:
                    pairs[pair] = left
                else:
                    del pairs[pair]
        return pairs

    return track_all


def lost_renames(
    git: Git,
    commits: Sequence[plan.Commit],
    files: set[int],
    ids: dict[tuple[int, str], int],
    revert: set[int],
) -> tuple[dict[tuple[int, int], set[str]], dict[int, set[str]]]:
    """Where reverting a commit will not find its file at the tip (see ``plan.renamed_away``).

    The file is there when the tip has it at the commit's path, or under
    another of its names with content git's rename detection pairs with the
    commit's version (:func:`ai_rollback.plan.pairs_by_content`).  Returns
    (commit, renaming commit) -> paths, the conflicts of changed files lost at
    the tip; and commit -> paths, the files it added that are gone, whose
    later changes its revert does not conflict with.  The blobs come from
    ``git cat-file --batch``, all of a call's names written at once.
    """
    questions = plan.renamed_away(commits, files, ids, revert)
    lost: dict[tuple[int, int], set[str]] = {}
    gone: dict[int, set[str]] = {}
    if not questions or not commits:
        return lost, gone
    tip = commits[-1].sha  # oldest first: the tip is last
    # a name git cannot be asked about (a newline in it): the line tracker's verdict stands
    questions = [q for q in questions if not any("\n" in p for p in q.paths)]
    names = sorted({p for q in questions for p in q.paths})
    at_tip = dict(zip(names, read_blobs(git, [f"{tip}:{p}" for p in names]), strict=True))
    candidates: list[tuple[plan.Question, list[str]]] = []
    for q in questions:
        if at_tip.get(q.path) is not None:
            continue  # there at the tip
        found = [p for p in q.paths if p != q.path and at_tip.get(p) is not None]
        if found:
            candidates.append((q, found))
        elif q.created:
            gone.setdefault(q.commit, set()).update(q.paths)
        # else: a deleted file, whose deletion the line tracker saw
    # a name the commit's own tree has is no file added since: the revert's merge cannot pair it
    asked = [f"{commits[q.commit].sha}:{p}" for q, found in candidates for p in found]
    had = iter(objects_exist(git, asked))
    compare: list[tuple[plan.Question, list[bytes]]] = []
    for q, found in candidates:
        added = [blob for p in found if not next(had) and (blob := at_tip.get(p)) is not None]
        if added:
            compare.append((q, added))
        elif q.created:
            gone.setdefault(q.commit, set()).update(q.paths)
        else:
            for renamer in q.renamers:
                lost.setdefault((q.commit, renamer), set()).add(q.path)
    for start in range(0, len(compare), BLOBS_PER_CALL):
        chunk = compare[start : start + BLOBS_PER_CALL]
        mine = read_blobs(git, [f"{commits[q.commit].sha}:{q.path}" for q, _found in chunk])
        for (q, found_blobs), blob in zip(chunk, mine, strict=True):
            if blob is None or any(plan.pairs_by_content(blob, theirs) for theirs in found_blobs):
                continue  # found again under its new name
            if q.created:
                gone.setdefault(q.commit, set()).update(q.paths)
            else:
                for renamer in q.renamers:
                    lost.setdefault((q.commit, renamer), set()).add(q.path)
    return lost, gone


#: blobs read per ``git cat-file --batch`` (see :func:`lost_renames`): bounded memory
BLOBS_PER_CALL = 500


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
