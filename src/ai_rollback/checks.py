"""Checking existing commits: a range (CI), what a push sends (pre-push, pre-receive).

Each commit's stored message is judged by the same rules as the commit-msg
hook, against the paths the commit really changes; merges are let through.
"""

from __future__ import annotations

import os

from ai_rollback import kinds, parsed, report, rules
from ai_rollback.errors import UsageError
from ai_rollback.git.log import LogCommit, iter_listed, iter_log
from ai_rollback.git.run import Git

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from ai_rollback.classify import Detection
    from ai_rollback.config import Config
    from ai_rollback.gitconfig import GitSettings

ZERO_CHARS = frozenset("0")

#: rules only an existing commit can break (after ``rules.RULES``, in the order reported)
RANGE_RULES = ("mixed-squash",)


def judge_commit(commit: LogCommit, config: Config, settings: GitSettings) -> report.Checked:
    msg = parsed.from_commit(commit.message, settings)
    verdict = rules.judge(msg, config, commit.paths, is_merge=commit.is_merge)
    if not commit.is_merge and "\n* " in msg.text:
        from ai_rollback import squash

        if squash.is_squash_message(msg.text):  # squash-message wrote it: judged section by section
            verdict = squash.judge_squash(
                verdict, msg, config, settings, commit.paths, lambda: rules.judge(msg, config, None)
            )
        elif verdict.kind in (kinds.AI, kinds.HUMAN):
            _mixed_squash(commit, verdict, config, settings)
    return report.Checked(verdict, commit.sha[:12], commit.sha)


#: the detectors of a configuration, worked out once per run (only when a squash is met)
_detections: dict[int, tuple[Config, Detection]] = {}


def _mixed_squash(commit: LogCommit, verdict: rules.Verdict, config: Config, settings: GitSettings) -> None:
    """A squash merge of AI and human commits is ``mixed``, and breaks the convention.

    AI output is committed apart from a person's fixes so that it can be
    reverted alone; a squash of both can only be reverted whole.
    """
    from ai_rollback import classify

    if classify.squash_sections(commit.message) is None:
        return
    known = _detections.get(id(config))
    if known is None or known[0] is not config:
        known = _detections[id(config)] = (config, classify.detection_from(config))
    found, _trailers = classify.classify_stored(commit, known[1], settings)
    if found.kind != kinds.MIXED:
        return
    verdict.kind = kinds.MIXED
    if config.squash == "allow-mixed":
        return
    verdict.violations.append(
        rules.Violation(
            "mixed-squash",
            f"{found.reason}: AI and human work in one commit, which ai-revert can only revert whole",
            fix="merge the pull request with a merge commit or by rebasing, so each commit stays apart",
        )
    )


def check_revisions(
    git: Git, revisions: Sequence[str], config: Config, settings: GitSettings
) -> Iterator[report.Checked]:
    for commit in iter_log(git, [*revisions, *enforced_exclusions(git, config)]):
        yield judge_commit(commit, config, settings)


def enforced_exclusions(git: Git, config: Config) -> list[str]:
    """``^<enforce-from>`` when the configuration says where enforcement starts, else nothing.

    A commit the repository does not have is an error, not a reason to judge every commit
    (a shallow clone in CI): the fix is to fetch it.
    """
    start = config.enforce_from
    if start is None:
        return []
    if _commit_of(git, start) is None:
        raise UsageError(
            f"enforce-from = {start!r} ({config.source or 'the configuration'}) "
            "names a commit this repository does not have",
            hint="fetch the history that holds it (in CI: a full clone, e.g. fetch-depth: 0), "
            "or set enforce-from to a commit of this repository",
        )
    return [f"^{start}"]


def is_zero(sha: str) -> bool:
    return bool(sha) and set(sha) <= ZERO_CHARS


def parse_ref_lines(text: str, fields: int) -> list[list[str]]:
    """Hook stdin: one update per line, ``fields`` space-separated fields; blank lines skipped."""
    updates = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != fields:
            raise UsageError(
                f"line {number} of the hook's input has {len(parts)} fields, not {fields}: {line!r}"
            )
        updates.append(parts)
    return updates


def _commit_of(git: Git, sha: str) -> str | None:
    """The commit an object peels to (tags), or None for trees/blobs/missing objects."""
    code, out, _ = git.run_full(
        "rev-parse", "--verify", "--quiet", "--end-of-options", sha + "^{commit}", check=False
    )
    return out.decode().strip() if code == 0 else None


def push_revisions(
    git: Git, updates: Iterable[Sequence[str]], remote: str | None, skip: Sequence[str] = ()
) -> list[str]:
    """Revision arguments selecting the commits a pre-push update sends.

    ``updates`` are pre-push stdin lines ``LOCAL_REF LOCAL_SHA REMOTE_REF
    REMOTE_SHA``.  Commits reachable from a remote sha we know, or from the
    remote's tracking refs, are on the remote already.
    """
    tips: list[str] = []
    known: list[str] = []
    for _local_ref, local_sha, _remote_ref, remote_sha in updates:
        if is_zero(local_sha):
            continue  # deletion
        commit = _commit_of(git, local_sha)
        if commit is None:
            continue  # a tag of a tree or blob: no commits
        tips.append(commit)
        if not is_zero(remote_sha):
            remote_commit = _commit_of(git, remote_sha)
            if remote_commit:
                known.append(remote_commit)
    if not tips:
        return []
    exclude = [*known, *(s.removeprefix("^") for s in skip)]
    name = _remote_name(git, remote)
    # What the remote has: its tracking refs; for a bare URL we cannot ask without a second
    # connection, so every remote-tracking ref counts (commits some remote has were checked).
    exclude.append(f"--remotes={name}" if name else "--remotes")
    return _rev_list(git, tips, exclude)


def _remote_name(git: Git, remote: str | None) -> str | None:
    """The configured remote ``remote`` names: itself, or the remote whose URL it is."""
    if not remote or remote.startswith("-"):
        return None
    _, out, _ = git.run_full("config", "-z", "--get-regexp", r"^remote\..*\.url$", check=False)
    names: dict[str, str] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        key, _, url = record.partition("\n")
        if key.startswith("remote.") and key.endswith(".url"):
            names.setdefault(url, key[len("remote.") : -len(".url")])
            names.setdefault(key[len("remote.") : -len(".url")], key[len("remote.") : -len(".url")])
    name = names.get(remote)
    if name is None or any(c in name for c in "*?[\\"):
        return None
    return name


def receive_revisions(git: Git, updates: Iterable[Sequence[str]], skip: Sequence[str] = ()) -> list[str]:
    """Commits a pre-receive update brings that the repository has on no ref yet."""
    tips = []
    for _old, new, _ref in updates:
        if is_zero(new):
            continue
        commit = _commit_of(git, new)
        if commit:
            tips.append(commit)
    return _rev_list(git, tips, ["--all", *(s.removeprefix("^") for s in skip)]) if tips else []


def _rev_list(git: Git, tips: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """Commits reachable from ``tips`` and from none of ``exclude``, newest first."""
    return git.run("rev-list", *tips, "--not", *exclude, "--").decode().split()


def pre_commit_push_revisions(git: Git, env: Mapping[str, str], skip: Sequence[str] = ()) -> list[str] | None:
    """The commits to check when pre-commit runs the pre-push stage; None when not under it.

    pre-commit hands over only the first pushed ref (``PRE_COMMIT_FROM_REF`` /
    ``PRE_COMMIT_TO_REF``), and neither on a first push, where we compute the
    range ourselves from ``PRE_COMMIT_LOCAL_BRANCH`` and the remote's refs.
    """
    if "PRE_COMMIT_REMOTE_NAME" not in env and "PRE_COMMIT_TO_REF" not in env:
        return None
    to_ref = env.get("PRE_COMMIT_TO_REF") or env.get("PRE_COMMIT_LOCAL_BRANCH")
    from_ref = env.get("PRE_COMMIT_FROM_REF")
    if not to_ref:
        return []
    if from_ref and not is_zero(from_ref):
        return push_revisions(git, [("", to_ref, "", from_ref)], env.get("PRE_COMMIT_REMOTE_NAME"), skip)
    return push_revisions(git, [("", to_ref, "", "0" * 40)], env.get("PRE_COMMIT_REMOTE_NAME"), skip)


def check_commits(
    git: Git, shas: Sequence[str], config: Config, settings: GitSettings
) -> list[report.Checked]:
    """Judge the given commits (streamed through ``git log --no-walk``)."""
    return [judge_commit(commit, config, settings) for commit in iter_listed(git, shas)]


def stdin_text() -> str:
    import sys

    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


def server_git(cwd: str | None = None) -> Git:
    """git for a server-side hook: keep the quarantine variables receive-pack sets."""
    return Git(cwd or os.getcwd())
