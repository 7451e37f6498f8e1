"""What a CI run is about, and how to tell it: the commits of a pull request or push, annotations.

:func:`event_range` is pure: from the CI's environment (and GitHub's event
file, already read) it says which commits a run judges, as the CI names
them: a pull/merge request's ``base..head``, a push's ``before..after``; on
a first push (``before`` is all zeros) there is no base, and the commits are
those that no other branch of the remote has (:func:`revisions`, which asks
git).  A force push names a ``before`` the clone may no longer have: that is
a first push too.

:func:`github_escape` and :func:`annotation` write GitHub's workflow
commands (``::error title=...::message``), escaped so that a commit subject
can never start a command of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_rollback.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from ai_rollback.git.run import Git

ZERO = frozenset("0")


@dataclass(frozen=True)
class EventRange:
    """The commits a CI run is about: ``base..head``, or ``head`` alone (a first push)."""

    provider: str  # "github" or "gitlab"
    head: str
    base: str | None
    what: str  # for people: "pull request #12", "push to main"
    branch: str | None = None  # a push's branch: its own remote-tracking ref is no other branch
    tag: bool = False  # a tag push: what the remote's branches hold was judged there

    @property
    def text(self) -> str:
        return f"{self.base}..{self.head}" if self.base else self.head


def _sha(value: object) -> str | None:
    """A commit id from the CI, None for none (missing, empty, all zeros)."""
    if not isinstance(value, str) or not value or set(value) <= ZERO:
        return None
    if not all(c in "0123456789abcdefABCDEF" for c in value) or len(value) < 7:
        raise UsageError(f"the CI names {value!r} as a commit, which is not a commit id")
    return value.lower()


def _field(data: object, *path: str) -> object:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def event_range(env: Mapping[str, str], event: object = None) -> EventRange:
    """The commits this run is about, from GitHub Actions' or GitLab CI's variables.

    ``event`` is the parsed JSON of ``$GITHUB_EVENT_PATH`` (GitHub only).
    """
    if env.get("GITHUB_ACTIONS") == "true":
        name = env.get("GITHUB_EVENT_NAME", "")
        if name in ("pull_request", "pull_request_target"):
            head = _sha(_field(event, "pull_request", "head", "sha"))
            base = _sha(_field(event, "pull_request", "base", "sha"))
            if head is None or base is None:
                raise UsageError(
                    f"the {name} event names no base and head commit",
                    hint="is GITHUB_EVENT_PATH the event file GitHub wrote?",
                )
            number = _field(event, "pull_request", "number") or _field(event, "number")
            return EventRange("github", head, base, f"pull request #{number}" if number else "pull request")
        if name == "push":
            head = _sha(_field(event, "after")) or _sha(env.get("GITHUB_SHA"))
            if head is None:
                raise UsageError("the push event names no commit", hint="is GITHUB_EVENT_PATH set?")
            ref = str(_field(event, "ref") or env.get("GITHUB_REF", ""))
            branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
            before = _sha(_field(event, "before"))
            tag = ref.startswith("refs/tags/")
            return EventRange("github", head, before, f"push to {branch or ref or 'a ref'}", branch, tag)
        raise UsageError(
            f"--ci knows the pull_request and push events, not {name or 'this one'!r}",
            hint="run it on: [push, pull_request], or pass --range BASE..HEAD",
        )
    if env.get("GITLAB_CI") == "true":
        head = _sha(env.get("CI_COMMIT_SHA"))
        if head is None:
            raise UsageError("GitLab CI names no commit (CI_COMMIT_SHA)")
        base = _sha(env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"))
        if base is not None:
            iid = env.get("CI_MERGE_REQUEST_IID")
            return EventRange("gitlab", head, base, f"merge request !{iid}" if iid else "merge request")
        branch = env.get("CI_COMMIT_BRANCH") or None
        tag_name = env.get("CI_COMMIT_TAG") or None
        before = _sha(env.get("CI_COMMIT_BEFORE_SHA"))
        what = f"push of tag {tag_name}" if tag_name else f"push to {branch or 'a ref'}"
        return EventRange("gitlab", head, before, what, branch, tag_name is not None)
    raise UsageError(
        "--ci found neither GitHub Actions nor GitLab CI here",
        hint="outside those, name the commits: --range BASE..HEAD",
    )


def read_event(env: Mapping[str, str]) -> object:
    """GitHub's event payload (``$GITHUB_EVENT_PATH``), or None elsewhere."""
    path = env.get("GITHUB_EVENT_PATH")
    if env.get("GITHUB_ACTIONS") != "true" or not path:
        return None
    import json

    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError, RecursionError) as exc:
        raise UsageError(f"cannot read GitHub's event file {path}: {exc}") from None


def revisions(git: Git, found: EventRange) -> list[str]:
    """The revision arguments of the run's commits, asking git where the CI cannot say.

    A base the clone lacks (a force push's old tip) counts as no base: then
    the commits are those of ``head`` that no other remote branch has (every
    remote-tracking ref but the pushed branch's own; without a branch name,
    every one that does not hold ``head``).  A head the clone lacks, or a
    shallow clone, is an error naming the fix.
    """
    if not _has_commit(git, found.head):
        raise UsageError(
            f"the CI's commit {found.head[:12]} is not in this clone",
            hint="check out the commit the run is about (actions/checkout does, with fetch-depth: 0)",
        )
    if found.base is not None and _has_commit(git, found.base):
        return [f"{found.base}..{found.head}"]
    if _is_shallow(git):
        raise UsageError(
            f"{found.what}: this clone is shallow, so the commits it brings cannot be told apart",
            hint="clone the whole history: fetch-depth: 0 (GitHub), GIT_DEPTH: 0 (GitLab)",
        )
    if found.tag:  # a tag names commits the remote's branches have, or that come with it alone
        listed = git.run("for-each-ref", "--format=%(objectname)", "refs/remotes/").decode()
        others = listed.split()
    elif found.branch:
        listed = git.run("for-each-ref", "--format=%(objectname) %(refname)", "refs/remotes/").decode()
        others = [
            sha
            for sha, _space, ref in (line.partition(" ") for line in listed.splitlines())
            # refs/remotes/<remote>/<branch>: the pushed branch's own, and <remote>/HEAD, are no other
            if ref.split("/", 3)[3:] not in ([found.branch], ["HEAD"])
        ]
    else:
        listed = git.run(
            "for-each-ref", "--format=%(objectname)", f"--no-contains={found.head}", "refs/remotes/"
        ).decode()
        others = listed.split()
    return [found.head, *(f"^{sha}" for sha in dict.fromkeys(others))]


def _has_commit(git: Git, sha: str) -> bool:
    code, _out, _err = git.run_full("cat-file", "-e", f"{sha}^{{commit}}", check=False)
    return code == 0


def _is_shallow(git: Git) -> bool:
    code, out, _err = git.run_full("rev-parse", "--is-shallow-repository", check=False)
    return code == 0 and out.strip() == b"true"


def github_escape(text: str, property_value: bool = False) -> str:
    """Escape for a workflow command: its message, or (``property_value``) a property such as title."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def annotation(level: str, title: str, message: str) -> str:
    """``::error title=...::message`` (level: error, warning or notice), one line."""
    return f"::{level} title={github_escape(title, True)}::{github_escape(message)}"
