"""Synthetic histories for the benchmarks, written with ``git fast-import``.

``make_history(path, commits=2000, files=500, lines=200, ai=100)`` builds a
repository whose first commit adds ``files`` files of ``lines`` lines; every
later commit changes one line in one or two files.  ``ai`` of them are AI
commits (our convention, with trailers) spread evenly through the history;
they only touch files no human commit touches afterwards, so each can be
reverted cleanly (with ``shared=True`` humans edit the same files, which
makes the planner read and follow every diff).  Deterministic for a given seed.

``make_merge_heavy_history(path, commits=7000, merges=400)`` builds a history
shaped like a busy project's (pull requests, long-lived branches, criss-cross
merges, squashes, renames; see the notes above it); ``check_merges`` confirms
that every merge in it is the one git would make.
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BASE_DATE = 1_767_225_600  # 2026-01-01


def _blob(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def make_history(
    path: str | os.PathLike[str],
    commits: int = 2000,
    files: int = 500,
    lines: int = 200,
    ai: int = 100,
    seed: int = 7,
    env: dict[str, str] | None = None,
    shared: bool = False,
) -> list[str]:
    """Create the repository; returns the commit names, oldest first."""
    rng = random.Random(seed)
    repo = Path(path)
    repo.mkdir(parents=True, exist_ok=True)
    run_env = dict(env or os.environ)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=run_env)
    content = [[f"file {f} line {i}" for i in range(lines)] for f in range(files)]
    # files [0, ai_files) are only ever changed by AI commits, unless ``shared``
    ai_files = files if shared else max(1, files // 5)
    human_from = 0 if shared else ai_files
    ai_at = set(rng.sample(range(1, commits), ai)) if ai else set()
    stream = bytearray()

    def commit(mark: int, message: str, changes: dict[int, list[str]], author: str) -> None:
        when = BASE_DATE + mark * 60
        msg = message.encode()
        stream.extend(f"commit refs/heads/main\nmark :{mark}\n".encode())
        stream.extend(f"author {author} {when} +0000\ncommitter {author} {when} +0000\n".encode())
        stream.extend(f"data {len(msg)}\n".encode() + msg + b"\n")
        if mark > 1:
            stream.extend(f"from :{mark - 1}\n".encode())
        for f, body in changes.items():
            data = _blob(body)
            stream.extend(f"M 100644 inline src/f{f:04d}.txt\ndata {len(data)}\n".encode() + data + b"\n")

    commit(1, "Human: initial files\n", dict(enumerate(content)), "Ada <ada@example.com>")
    for mark in range(2, commits + 1):
        if mark - 1 in ai_at:
            f = rng.randrange(ai_files)
            line = rng.randrange(lines)
            content[f][line] = f"AI edit {mark} of file {f}"
            message = (
                f"AI: tune file {f} line {line}\n\nGenerated-by: Claude Sonnet 4.5\n"
                f"Prompt: tune file {f}\nFiles: src/f{f:04d}.txt\n"
            )
            commit(mark, message, {f: content[f]}, "Ada <ada@example.com>")
        else:
            changed = {}
            for f in rng.sample(range(human_from, files), rng.choice((1, 1, 2))):
                line = rng.randrange(lines)
                content[f][line] = f"human edit {mark} of file {f} line {line}"
                changed[f] = content[f]
            commit(mark, f"Human: edit {sorted(changed)}\n", changed, "Bob <bob@example.com>")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=bytes(stream), check=True, env=run_env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True, env=run_env)
    out = subprocess.run(
        ["git", "rev-list", "--reverse", "main"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env=run_env,
    ).stdout
    return out.split()


# --- merge-heavy histories -------------------------------------------------------------------------
#
# Shaped like a busy project: pull requests of 1 to 15 commits forked from the mainline 10 to 200
# commits back and merged with merge commits, direct and squashed commits on main, long-lived branches
# that merge main into themselves and land now and then, a few criss-cross merges (two pull requests
# that merge each other before both land), renames, additions, a few deletions, and AI and human
# commits editing the same (hot) files.
#
# Every merge is the clean merge git itself would make (``git merge-tree`` agrees: see
# ``check_merges``), so the tree of a merge is computed here, not by git.  The rule that makes it
# computable: every line (and every file's path) carries the version that last wrote it, and a branch
# may write a line only when it has already seen that line's latest version.  Then any two writes of
# one line are ordered by ancestry, and the three-way merge of two sides takes, line by line, the
# newer version.  Only lines 0 and 2 of every 5 are edited: git's merge conflicts on *adjacent*
# changes, an untouched line between two branches' edits keeps them apart, and a file keeps at least
# 60% of its lines, so git finds its renames however often it was edited (lines have one width).  A
# deletion writes every line of the file (no branch that has not seen it may edit the file later); a
# rename writes the path.  With ``adjacent=True`` any line may be edited: concurrent edits of
# neighbouring lines then make merges that git would stop at, resolved by keeping both sides.


#: A line: (the version that wrote it, its text).  Versions only grow, so ``max`` of two
#: lines ordered by ancestry is the newer one.
_Line = tuple[int, str]
_WIDTH = 40  # every line is this wide: rename similarity is a count of lines
_HUMANS = ("Ada <ada@example.com>", "Bob <bob@example.com>", "Cy <cy@example.com>", "Di <di@example.com>")
_LONG_NAMES = ("develop", "next", "release", "legacy", "staging")


@dataclass(frozen=True, slots=True)
class _File:
    path: str | None  # None: deleted
    path_v: int  # the version that last wrote the path (a rename, the deletion)
    lines: tuple[_Line, ...]


_State = dict[int, _File]  # file id -> file


@dataclass
class _Branch:
    """A long-lived branch: its ref, tip, content, and whether it has commits main lacks."""

    ref: str
    tip: int
    state: _State
    pending: bool = True


class _MergeHeavy:
    """The content rules (see above) and the fast-import stream."""

    def __init__(self, rng: random.Random, ai_share: float, write: Callable[[bytes], object], adjacent: bool):
        self.rng = rng
        self.ai_share = ai_share
        self.write = write
        self.adjacent = adjacent
        self.version = 0
        self.mark = 0
        self.commits = 0
        self.merges = 0
        self.pulls = 0
        self.latest_path: dict[int, int] = {}
        self.latest_line: dict[int, list[int]] = {}
        self.next_file = 0
        self.hot: list[int] = []  # a few files get most of the edits, AI's and humans' alike

    # -- content ------------------------------------------------------------------------------------

    def new_file(self, state: _State, path: str, nlines: int) -> int:
        fid = self.next_file
        self.next_file += 1
        self.version += 1
        v = self.version
        state[fid] = _File(
            path, v, tuple((v, f"file {fid:05d} line {i:04d}".ljust(_WIDTH, ".")) for i in range(nlines))
        )
        self.latest_path[fid] = v
        self.latest_line[fid] = [v] * nlines
        return fid

    def pick_file(self, state: _State) -> int | None:
        rng = self.rng
        for _ in range(8):
            fid = rng.choice(self.hot) if self.hot and rng.random() < 0.6 else rng.randrange(self.next_file)
            f = state.get(fid)
            if f is not None and f.path is not None:
                return fid
        return None

    def edit(self, state: _State, who: str, count: int) -> list[str]:
        """Change up to ``count`` lines of one file this branch may write; the paths changed."""
        fid = self.pick_file(state)
        if fid is None:
            return []
        f = state[fid]
        latest = self.latest_line[fid]
        lines = list(f.lines)
        changed = False
        for _ in range(count * 3):
            if self.adjacent:
                i = self.rng.randrange(len(lines))
            else:
                i = self.rng.randrange(0, len(lines), 5) + self.rng.choice((0, 2))
                if i >= len(lines):
                    continue
            if lines[i][0] != latest[i]:
                continue  # another branch wrote it after we forked: a conflict, not for us
            self.version += 1
            lines[i] = (self.version, f"{who} edit {self.version:07d} of file {fid:05d}".ljust(_WIDTH, "."))
            latest[i] = self.version
            changed = True
            count -= 1
            if not count:
                break
        if not changed:
            return []
        state[fid] = _File(f.path, f.path_v, tuple(lines))
        return [f.path or ""]

    def rename(self, state: _State) -> list[str]:
        fid = self.pick_file(state)
        if fid is None or state[fid].path_v != self.latest_path[fid]:
            return []  # renamed or deleted since we forked: rename/rename, rename/delete
        f = state[fid]
        self.version += 1
        # within its directory: a directory that loses its last file to a rename is, to git, a
        # directory rename, which it applies (or stops at) when later merges add files there
        path = f"{(f.path or '').rpartition('/')[0]}/f{fid:04d}-r{self.version}.txt"
        state[fid] = _File(path, self.version, f.lines)
        self.latest_path[fid] = self.version
        return [f.path or "", path]

    def delete(self, state: _State) -> list[str]:
        fid = self.pick_file(state)
        if fid is None:
            return []
        f = state[fid]
        if f.path_v != self.latest_path[fid] or [v for v, _t in f.lines] != self.latest_line[fid]:
            return []  # someone changed it since we forked: modify/delete
        self.version += 1
        v = self.version
        state[fid] = _File(None, v, tuple((v, t) for _v, t in f.lines))
        self.latest_path[fid] = v
        self.latest_line[fid] = [v] * len(f.lines)
        return [f.path or ""]

    @staticmethod
    def merge(ours: _State, theirs: _State) -> _State:
        """The clean three-way merge: the newer version of every line and path."""
        out = dict(ours)
        for fid, b in theirs.items():
            a = ours.get(fid)
            if a is b:
                continue
            if a is None:
                out[fid] = b
                continue
            path, path_v = (a.path, a.path_v) if a.path_v >= b.path_v else (b.path, b.path_v)
            out[fid] = _File(path, path_v, tuple(map(max, a.lines, b.lines)))
        return out

    # -- commits ------------------------------------------------------------------------------------

    def emit(
        self, ref: str, message: str, author: str, parents: list[int], state: _State, first: _State
    ) -> int:
        """Write one commit (its tree: ``state``; its diff: against ``first``); its mark."""
        self.mark += 1
        self.commits += 1
        self.merges += len(parents) > 1
        when = BASE_DATE + self.mark * 60
        msg = message.encode()
        w = self.write
        w(f"commit {ref}\nmark :{self.mark}\n".encode())
        w(f"author {author} {when} +0000\ncommitter {author} {when} +0000\n".encode())
        w(f"data {len(msg)}\n".encode() + msg + b"\n")
        if parents:
            w(f"from :{parents[0]}\n".encode())
        for p in parents[1:]:
            w(f"merge :{p}\n".encode())
        for fid, new in state.items():
            old = first.get(fid)
            if old is new:
                continue
            old_path = old.path if old is not None else None
            if old_path is not None and old_path != new.path:
                w(f"D {old_path}\n".encode())
            if new.path is not None and (old is None or new.path != old_path or new.lines != old.lines):
                data = _blob([t for _v, t in new.lines])
                w(f"M 100644 inline {new.path}\ndata {len(data)}\n".encode() + data + b"\n")
        return self.mark

    def work(self, ref: str, parent: int, state: _State, squash: bool = True) -> int:
        """One non-merge commit on ``state`` (changed in place): an edit, a squash, a rename..."""
        rng = self.rng
        before = dict(state)
        ai = rng.random() < self.ai_share
        who = "AI" if ai else "human"
        roll = rng.random()
        paths: list[str] = []
        what = "edit"
        if roll < 0.03:
            paths, what = self.rename(state), "move"
        elif roll < 0.04:
            paths, what = self.delete(state), "drop"
        elif roll < 0.07:
            fid = self.new_file(
                state, f"src/mod{rng.randrange(12):02d}/new{self.next_file:05d}.txt", rng.randrange(20, 61)
            )
            paths, what = [state[fid].path or ""], "add"
        elif squash and roll < 0.15:  # a squashed pull request: several files at once
            for _ in range(rng.randrange(3, 8)):
                paths += self.edit(state, who, rng.randrange(1, 4))
            what = "squash"
        for _ in range(5):
            if paths:
                break
            what = "edit"
            for _ in range(rng.choice((1, 1, 1, 2))):
                paths += self.edit(state, who, rng.choice((1, 1, 2, 3)))
        suffix = f" (#{self.pulls + 1000})" if what == "squash" else ""
        if ai and rng.random() < 0.2:  # how coding agents mark their commits on many projects
            message = (
                f"{what}: {len(paths)} paths{suffix}\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
            )
        elif ai:
            message = (
                f"AI: {what} {len(paths)} paths{suffix}\n\nGenerated-by: Claude Sonnet 4.5\n"
                f"Prompt: {what} them\nFiles: {', '.join(paths) or '(none)'}\n"
            )
        else:
            message = f"Human: {what} {len(paths)} paths{suffix}\n"
        return self.emit(ref, message, rng.choice(_HUMANS), [parent], state, before)

    def merge_commit(
        self, ref: str, message: str, first: tuple[int, _State], second: tuple[int, _State]
    ) -> tuple[int, _State]:
        merged = self.merge(first[1], second[1])
        return self.emit(
            ref, message, self.rng.choice(_HUMANS), [first[0], second[0]], merged, first[1]
        ), merged


def make_merge_heavy_history(
    path: str | os.PathLike[str],
    commits: int = 7000,
    merges: int = 400,
    files: int = 500,
    lines: int = 200,
    ai_share: float = 0.25,
    long_lived: int = 2,
    criss_cross: int | None = None,
    adjacent: bool = False,
    seed: int = 7,
    env: dict[str, str] | None = None,
    fork_back: tuple[int, int] = (10, 200),
    long_share: float = 0.08,
    update_share: float = 0.05,
) -> list[str]:
    """A merge-heavy repository on ``main``: about ``commits`` commits, ``merges`` of them merges.

    Pull requests fork ``fork_back`` (lowest, highest) first-parent commits back.  Of the merge
    events, ``long_share`` is work on one of ``long_lived`` long-lived branches (main merged in,
    landed 40% of the time), ``criss_cross`` (default: one per 100 merges) are pairs of pull
    requests that merge each other, and ``update_share`` of the pull requests merge main in
    before they land.  Every commit is in ``main``'s history (long-lived branches land at the
    end; they keep their refs).  Returns the commit names of ``main``, oldest first
    (``--topo-order``).
    """
    rng = random.Random(seed)
    repo = Path(path)
    repo.mkdir(parents=True, exist_ok=True)
    run_env = dict(env or os.environ)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=run_env)
    importer = subprocess.Popen(
        ["git", "fast-import", "--quiet"], cwd=repo, stdin=subprocess.PIPE, env=run_env
    )
    assert importer.stdin is not None
    g = _MergeHeavy(rng, ai_share, importer.stdin.write, adjacent)
    first: _State = {}
    for f in range(files):
        g.new_file(first, f"src/mod{f * 12 // files:02d}/f{f:04d}.txt", lines)
    g.hot = rng.sample(range(files), max(1, files // 20))
    main = "refs/heads/main"
    wip = "refs/heads/wip"  # pull requests' commits (the ref is deleted at the end)
    #: main's last 200 first-parent commits (mark, content): where pull requests fork
    mainline: list[tuple[int, _State]] = [
        (g.emit(main, "Human: initial files\n", _HUMANS[0], [], first, {}), first)
    ]
    crosses = criss_cross if criss_cross is not None else max(1, merges // 100)
    longs: list[_Branch] = []

    def advance(tip: tuple[int, _State]) -> None:
        mainline.append(tip)
        del mainline[:-200]

    def pull_request(size: int, back: int) -> tuple[int, _State]:
        mark, fork = mainline[-min(back, len(mainline))]
        branch = dict(fork)
        for _ in range(size):
            mark = g.work(wip, mark, branch, squash=False)
        return mark, branch

    def land(tip: tuple[int, _State], message: str) -> None:
        advance(g.merge_commit(main, message, mainline[-1], tip))

    def sync(b: _Branch) -> None:
        b.tip, b.state = g.merge_commit(
            b.ref, f"Merge branch 'main' into {b.ref[11:]}\n", (b.tip, b.state), mainline[-1]
        )
        b.pending = True

    while g.commits < commits:
        left = commits - g.commits
        mleft = merges - g.merges - 2 * sum(b.pending for b in longs)
        cap = max(1, min(15, 2 * (left - max(mleft, 0)) // max(mleft, 1) - 1))  # largest pull request
        direct = left - max(mleft, 0) * ((1 + cap) / 2 + 1)  # commits left for main itself
        if mleft <= 0 or (direct > 0 and rng.random() >= mleft / (mleft + direct)):
            tip, content = mainline[-1]
            content = dict(content)
            advance((g.work(main, tip, content), content))
            continue
        g.pulls += 1
        roll = rng.random()
        if crosses and len(mainline) > 2 and rng.random() < 4 * crosses / max(mleft, 4):
            crosses -= 1  # criss-cross: two topics merge each other, then both land
            size = max(1, cap // 2)
            a = pull_request(rng.randrange(1, size + 1), back=rng.randint(*fork_back))
            b2 = pull_request(rng.randrange(1, size + 1), back=rng.randint(*fork_back))
            a_mark, a_state = g.merge_commit(wip, "Merge branch 'topic-b' into topic-a\n", a, b2)
            b_mark, b_state = g.merge_commit(wip, "Merge branch 'topic-a' into topic-b\n", b2, a)
            a_state, b_state = dict(a_state), dict(b_state)
            a_mark = g.work(wip, a_mark, a_state, squash=False)
            b_mark = g.work(wip, b_mark, b_state, squash=False)
            land((a_mark, a_state), f"Merge pull request #{g.pulls} from dev/topic-a\n")
            land((b_mark, b_state), f"Merge pull request #{g.pulls} from dev/topic-b\n")
        elif len(longs) < long_lived and len(mainline) > 2 and roll < long_share:  # a new long-lived branch
            mark, content = pull_request(rng.randrange(1, cap + 1), back=rng.randint(1, fork_back[0] * 2))
            longs.append(_Branch(f"refs/heads/{_LONG_NAMES[len(longs) % 5]}", mark, content))
            g.write(f"reset {longs[-1].ref}\nfrom :{mark}\n\n".encode())
        elif longs and roll < long_share:  # long-lived: work, main merged in, maybe landed
            b = rng.choice(longs)
            content = dict(b.state)
            for _ in range(rng.randrange(1, cap + 1)):
                b.tip = g.work(b.ref, b.tip, content)
            b.state = content
            sync(b)
            if rng.random() < 0.4:
                land((b.tip, b.state), f"Merge branch '{b.ref[11:]}'\n")
                b.pending = False
        else:  # a pull request forked far back, brought up to date now and then
            tip = pull_request(rng.randrange(1, cap + 1), back=rng.randint(*fork_back))
            if rng.random() < update_share:
                tip = g.merge_commit(wip, f"Merge branch 'main' into topic-{g.pulls}\n", tip, mainline[-1])
                content = dict(tip[1])
                tip = (g.work(wip, tip[0], content, squash=False), content)
            land(tip, f"Merge pull request #{g.pulls} from dev/topic-{g.pulls}\n")
    for b in longs:
        if b.pending:
            sync(b)
            land((b.tip, b.state), f"Merge branch '{b.ref[11:]}'\n")
    importer.stdin.close()
    if importer.wait() != 0:
        raise RuntimeError("git fast-import failed")
    subprocess.run(["git", "update-ref", "-d", wip], cwd=repo, check=False, env=run_env)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True, env=run_env)
    out = subprocess.run(
        ["git", "rev-list", "--reverse", "--topo-order", "main"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env=run_env,
    ).stdout
    return out.split()


def check_merges(path: str | os.PathLike[str], env: dict[str, str] | None = None) -> int:
    """Every merge of ``main`` has the tree ``git merge-tree`` makes of its parents; how many merges."""
    run_env = dict(env or os.environ)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], cwd=path, capture_output=True, text=True, env=run_env, check=False
        )

    count = 0
    for line in git("rev-list", "--merges", "--parents", "main").stdout.splitlines():
        sha, first, second = line.split()[:3]
        done = git("merge-tree", "--write-tree", first, second)
        if (
            done.returncode != 0
            or done.stdout.split("\n", 1)[0] != git("rev-parse", f"{sha}^{{tree}}").stdout.strip()
        ):
            raise AssertionError(f"merge {sha} is not the clean merge of its parents:\n{done.stdout[:2000]}")
        count += 1
    return count
