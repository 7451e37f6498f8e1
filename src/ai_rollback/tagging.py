"""AI-bearing release tags: naming and selection (pure) and their creation (git).

``ai-rollback tag v2.3.0`` tags the release and, when the range since the
previous release holds AI commits, an AI tag ``v2.3.0-ai-<slug>`` whose
message lists them, with trailers ``AI-Commits``, ``AI-Models`` and
``AI-Range`` that ``git for-each-ref --format='%(contents:trailers)'`` reads
and ai-revert uses as its default range.

Both tags are written as objects first and created in one ref transaction:
nothing is ever half-created.  Running it again changes nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ai_rollback import classify, kinds
from ai_rollback.config import Config
from ai_rollback.errors import GitError, UsageError
from ai_rollback.filelist import files_of
from ai_rollback.flags import FLAG_TRAILER, keys_of
from ai_rollback.git.log import iter_topo
from ai_rollback.git.notes import ai_notes
from ai_rollback.git.objects import ObjectWriter
from ai_rollback.git.repo import Repository
from ai_rollback.gitconfig import GitSettings
from ai_rollback.message import Trailer, parse_trailers

RECORDS = "ai-rollback"  # the namespace of the records tags (releases.py)
TAGGING_ENV = "AI_ROLLBACK_TAGGING"  # set while we create tags: our own hook stays out of the way


@dataclass
class AiCommit:
    sha: str
    subject: str
    model: str | None
    prompt: str | None
    files: list[str]
    flags: list[str] = field(default_factory=list)  # its Feature-flag keys


@dataclass
class TagPlan:
    version: str
    commit: str
    previous: str | None
    range: str
    ai_commits: list[AiCommit] = field(default_factory=list)
    release_exists: bool = False
    ai_tag: str | None = None
    ai_tag_exists: str | None = None  # an AI tag of this release that is already there

    @property
    def models(self) -> list[str]:
        return sorted({c.model for c in self.ai_commits if c.model})

    @property
    def flags(self) -> list[str]:
        """The Feature-flag keys of the release's AI commits, once each, newest commit first."""
        return list(dict.fromkeys(k for c in self.ai_commits for k in c.flags))


def slugify(text: str, limit: int = 40) -> str:
    """A tag-name-safe slug: lower-case letters, digits and single dashes."""
    text = text.lower()
    out = []
    dash = False
    for ch in text:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    slug = "".join(out).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug.strip("-")


_MERGE_BRANCH = re.compile(r"^Merge (?:branch|pull request #\d+ from) '?([^' ]+)'?")


def merge_branch(subject: str) -> str | None:
    """The branch a merge's subject names: ``Merge branch 'x'``, ``Merge pull request #1 from o/x``."""
    found = _MERGE_BRANCH.match(subject)
    return found.group(1).rsplit("/", 1)[-1] if found else None


def branches_of(
    parents: Mapping[str, Sequence[str]], tip: str, subjects: Mapping[str, str]
) -> dict[str, str]:
    """The branch each commit came in on: the merge on the tip's first-parent line that brought it.

    ``parents`` holds the commits of the range; a commit on the first-parent
    line itself, or brought by a merge whose subject names no branch, has none.
    """
    mainline: list[str] = []
    current: str | None = tip
    while current is not None and current in parents:
        mainline.append(current)
        current = parents[current][0] if parents[current] else None
    on_mainline = set(mainline)
    out: dict[str, str] = {}
    for merge in mainline:
        branch = merge_branch(subjects.get(merge, "")) if len(parents[merge]) > 1 else None
        if branch is None:
            continue
        stack = list(parents[merge][1:])
        while stack:
            sha = stack.pop()
            if sha not in parents or sha in on_mainline or sha in out:
                continue
            out[sha] = branch
            stack.extend(parents[sha])
    return out


def derive_slug(ai_commits: Sequence[AiCommit], branches: Mapping[str, str], ai_label: str) -> str:
    """The AI tag's slug: what most of the release's AI commits share, else a neutral one.

    * the branch that brought more than half of the AI commits (``feature/image-cache``
      gives ``image-cache``);
    * else, for a single AI commit, its subject (without label and Conventional Commits type);
    * else ``N-commits``: no one name would describe them.
    """
    counts: dict[str, int] = {}
    for commit in ai_commits:
        branch = branches.get(commit.sha)
        if branch:
            counts[branch] = counts.get(branch, 0) + 1
    for branch, count in sorted(counts.items(), key=lambda item: -item[1]):
        slug = slugify(branch)
        if slug and count * 2 > len(ai_commits):
            return slug
    if len(ai_commits) == 1:
        subject = ai_commits[0].subject
        if subject.startswith(ai_label + ":"):
            subject = subject[len(ai_label) + 1 :]
        subject = re.sub(r"^\s*\w+(\([^)]*\))?!?:\s*", "", subject)  # a Conventional Commits type
        slug = slugify(subject, 30)
        if slug:
            return slug
    return f"{len(ai_commits)}-commits" if ai_commits else "ai"


def ai_tag_name(pattern: str, version: str, slug: str) -> str:
    return pattern.replace("{version}", version).replace("{slug}", slug)


def ai_tag_glob(pattern: str, version: str = "*") -> str:
    return ai_tag_name(pattern, version, "*")


def strftime_glob(pattern: str) -> str:
    """The names a strftime pattern makes, as a glob: ``incident-%Y%m%d-%H%M`` -> ``incident-*-*``."""
    import glob

    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "%" and i + 1 < len(pattern):
            out.append("%" if pattern[i + 1] == "%" else "*")
            i += 2
        else:
            out.append(glob.escape(pattern[i]))
            i += 1
    return "".join(out)


def read_range(trailers: Sequence[Trailer]) -> str | None:
    """The ``AI-Range:`` an AI tag records."""
    for t in trailers:
        if t.key_is("AI-Range") and t.value:
            return t.value.split()[0]
    return None


class Tagger:
    def __init__(self, repo: Repository, config: Config, settings: GitSettings) -> None:
        self.repo = repo
        self.git = repo.git
        self.config = config
        self.settings = settings
        self.release_pattern = config.tag.release_pattern
        self.ai_pattern = config.tag.ai_tag

    def _check_name(self, name: str, what: str) -> None:
        if not name or name.startswith("-"):
            raise UsageError(f"{what} {name!r} starts with '-' or is empty")
        code, _, _ = self.git.run_full("check-ref-format", f"refs/tags/{name}", check=False)
        if code != 0:
            raise UsageError(f"{what} {name!r} is not a valid tag name (see git check-ref-format)")

    def is_release(self, name: str) -> bool:
        """A release tag: the release pattern's, and not an AI tag, an incident tag or a record."""
        import fnmatch

        if (
            name.startswith(("-", RECORDS + "/"))
            or fnmatch.fnmatchcase(name, ai_tag_glob(self.ai_pattern))
            or fnmatch.fnmatchcase(name, strftime_glob(self.config.revert.incident_tag))  # and its -2, -3
        ):
            return False
        return fnmatch.fnmatchcase(name, self.release_pattern)

    def releases(self, merged_into: str | Sequence[str] | None = None) -> list[str]:
        """Release tags in version order (oldest first), optionally only those reachable from
        ``merged_into`` (a revision, or any of several: one ``git tag`` per 500 of them; none of
        none)."""
        if isinstance(merged_into, str):
            merged_into = [merged_into] if merged_into else None  # "": no filter, as before
        targets = list(merged_into or ())
        if merged_into is not None and not targets:
            return []
        found: set[str] = set()
        for start in range(0, max(len(targets), 1), 500):
            args = ["tag", "--list", "--sort=version:refname"]
            for target in targets[start : start + 500]:
                args += ["--merged", target]
            found.update(self.git.text(*args, self.release_pattern).splitlines())
        return sorted((t for t in found if t and self.is_release(t)), key=version_key)

    def previous_release(self, version: str) -> str | None:
        """The nearest older release in version order (not date)."""
        names = self.releases()
        if version not in names:
            names = sorted([*names, version], key=version_key)
        index = names.index(version)
        return names[index - 1] if index > 0 else None

    def tag_target(self, name: str) -> str | None:
        code, out, _ = self.git.run_full(
            "rev-parse", "--verify", "-q", f"refs/tags/{name}^{{commit}}", check=False
        )
        return out.decode().strip() if code == 0 else None

    def ai_tags_of(self, version: str) -> list[str]:
        out = self.git.text("tag", "--list", ai_tag_glob(self.ai_pattern, version))
        return [t for t in out.splitlines() if t]

    def recorded_range(self, tag: str) -> str:
        """The ``AI-Range`` an AI tag records."""
        if self.tag_target(tag) is None:
            raise UsageError(f"no tag {tag!r}", hint="list the AI tags with: git tag --list '*-ai-*'")
        message = self.git.text("for-each-ref", "--format=%(contents)", f"refs/tags/{tag}")
        found = read_range(parse_trailers(message + "\n"))
        if not found:
            raise UsageError(f"tag {tag!r} records no AI-Range", hint="pass a RANGE instead")
        return found

    def ai_tag_for(self, tag: str) -> str:
        """``tag`` when it is an AI tag recording a range, else the AI tag of the release ``tag``."""
        if self.tag_target(tag) is None:
            raise UsageError(f"no tag {tag!r} in this repository", hint="list them with: git tag --list")
        for name in [tag, *self.ai_tags_of(tag)]:
            try:
                self.recorded_range(name)
            except UsageError:
                continue
            return name
        if self.is_release(tag):
            raise UsageError(
                f"{tag} is a release without an AI tag: it had no AI commits, "
                "or was tagged without ai-rollback",
                hint=f"create it with: ai-rollback tag {tag} (or name a RANGE)",
            )
        raise UsageError(f"tag {tag!r} records no AI-Range", hint="pass a RANGE instead")

    def newest_ai_tag(self) -> str | None:
        """The AI tag of the newest release (version order)."""
        out = self.git.text("tag", "--list", "--sort=-version:refname", ai_tag_glob(self.ai_pattern))
        names = [t for t in out.splitlines() if t]
        return names[0] if names else None

    def plan(self, version: str, rev: str | None, slug: str | None, base: str | None = None) -> TagPlan:
        self._check_name(version, "version")
        if not self.is_release(version):
            raise UsageError(
                f"{version!r} does not look like a release tag (pattern {self.release_pattern!r})",
                hint=f"name the release like v2.3.0, or set release-pattern in {self.config.section('tag')}",
            )
        if slug is not None and slugify(slug) != slug:
            raise UsageError(
                f"slug {slug!r} must be lower-case letters, digits and single dashes",
                hint=f"for example {slugify(slug) or 'image-cache'}",
            )
        existing = self.tag_target(version)
        if rev is None and existing is None:
            self._check_worktree()
        commit = self.git.rev_parse(rev or "HEAD", "revision") if rev or existing is None else existing
        commit = self._peel(commit)
        if existing is not None and existing != commit:
            raise UsageError(
                f"tag {version} exists and points to {existing[:10]}, not {commit[:10]}",
                hint=f"check it with: git show {version}",
            )
        previous = base or self.previous_release(version)
        if previous is None:
            raise UsageError(
                f"no release before {version}: there is nothing to compare it with",
                hint="pass --base REV for the first release (e.g. the first commit)",
            )
        if base is not None:
            self.git.rev_parse(base, "base")
        result = TagPlan(
            version, commit, previous, f"{previous}..{version}", release_exists=existing is not None
        )
        parents: dict[str, list[str]] = {}
        merges: dict[str, str] = {}
        detection = classify.detection_from(self.config, ai_notes(self.git))
        for rich in iter_topo(
            self.git, [commit, "--not", self._peel(self.git.rev_parse(previous, "release"))]
        ):
            parents[rich.sha] = rich.parents
            if len(rich.parents) > 1:
                merges[rich.sha] = rich.subject
                continue
            found, trailers = classify.classify_stored(rich, detection, self.settings)
            if found.kind not in (kinds.AI, kinds.MIXED):  # a mixed squash carries AI work too
                continue
            prompt = next((t.value for t in trailers if t.key_is("Prompt")), None)
            files = files_of(trailers, [p for _s, o, n in rich.changes for p in (n or o,) if p])
            flags = keys_of(t.value for t in trailers if t.key_is(FLAG_TRAILER))
            result.ai_commits.append(AiCommit(rich.sha, rich.subject, found.model, prompt, files, flags))
        result.ai_commits.reverse()  # newest first, as git log shows them
        already = [t for t in self.ai_tags_of(version) if self.tag_target(t) == commit]
        if already:
            result.ai_tag_exists = already[0]
            result.ai_tag = already[0]
        elif result.ai_commits:
            branches = branches_of(parents, commit, merges)
            name = ai_tag_name(
                self.ai_pattern,
                version,
                slug or derive_slug(result.ai_commits, branches, self.config.ai_label),
            )
            self._check_name(name, "AI tag")
            if self.tag_target(name) is not None:
                raise UsageError(f"tag {name} exists and points elsewhere", hint=f"check it: git show {name}")
            result.ai_tag = name
        return result

    def _peel(self, rev: str) -> str:
        return self.git.text("rev-parse", "--verify", f"{rev}^{{commit}}")

    def _check_worktree(self) -> None:
        code, _, _ = self.git.run_full("symbolic-ref", "-q", "HEAD", check=False)
        if code != 0:
            raise UsageError(
                "HEAD is detached: name what to tag with --rev", hint="ai-rollback tag v2.3.0 --rev main"
            )
        env = dict(self.git.env, GIT_OPTIONAL_LOCKS="0")
        dirty = self.git.run("status", "--porcelain", "--untracked-files=no", env=env)
        if dirty.strip():
            raise UsageError(
                "the work tree has uncommitted changes: the release would not contain them",
                hint="commit or stash them, or name the commit with --rev",
            )

    def create(self, plan: TagPlan, message: str | None) -> list[str]:
        """Create what the plan needs, in one ref transaction; returns the tags created."""
        writer = ObjectWriter(
            os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(self.repo.common_dir, "objects"),
            self._algorithm(),
        )
        tagger = self._ident()
        lines: list[str] = []
        created: list[str] = []
        if not plan.release_exists:
            obj = writer.tag(plan.commit, plan.version, tagger, f"Release {plan.version}\n")
            lines.append(f"create refs/tags/{plan.version} {obj}")
            created.append(plan.version)
        if plan.ai_tag and not plan.ai_tag_exists and message is not None:
            obj = writer.tag(plan.commit, plan.ai_tag, tagger, message)
            lines.append(f"create refs/tags/{plan.ai_tag} {obj}")
            created.append(plan.ai_tag)
        if not lines:
            return []
        env = dict(self.git.env, **{TAGGING_ENV: "1"})
        code, _, err = self.git.run_full(
            "update-ref",
            "-m",
            f"ai-rollback tag {plan.version}",
            "--stdin",
            input=("\n".join(lines) + "\n").encode(),
            env=env,
            check=False,
        )
        if code != 0:
            raise GitError(
                f"could not create the tags; nothing was created ({err.decode(errors='replace').strip()})"
            )
        return created

    def _ident(self) -> str:
        out = self.git.run("var", "GIT_COMMITTER_IDENT", check=False).decode().strip()
        if not out:
            raise GitError("git does not know who you are", hint='git config user.name "..." and user.email')
        return out

    def _algorithm(self) -> str:
        code, out, _ = self.git.run_full("rev-parse", "--show-object-format", check=False)
        return out.decode().strip() if code == 0 and out.strip() else "sha1"


_VERSION = re.compile(r"(\D*)(\d+(?:\.\d+)*)(.*)", re.S)


def version_key(name: str) -> tuple[object, ...]:
    """Version order: numbers compare as numbers (``v1.10.0`` after ``v1.9.0``), and a pre-release
    (:func:`is_prerelease`: ``v2.0.0-rc1``, ``v2.0.0.dev``) comes before its release.

    ``+build`` metadata sorts as the release itself.  A name without numbers sorts by its
    pieces, as ``git tag --sort=version:refname`` does.
    """
    match = _VERSION.fullmatch(name)
    if match is None:
        return (_pieces(name), (), 1, [])
    prefix, core, rest = match.groups()
    numbers = tuple(int(n) for n in core.split("."))
    return (_pieces(prefix), numbers, 0 if is_prerelease(name) else 1, _pieces(rest))


_PRE = re.compile(r"[-.]?(dev|a|alpha|b|beta|c|rc|pre|preview)(\d|[-.]|$)", re.I)


def is_prerelease(name: str) -> bool:
    """A pre-release: ``v2.0.0-rc1``, ``1.4.0-beta.2`` (semver: a ``-`` right after the numbers), or
    ``v0.86.2.dev``, ``1.0rc1``, ``2.0b3`` (PEP 440's dev, alpha, beta and candidate releases)."""
    match = _VERSION.fullmatch(name)
    if match is None:
        return False
    rest = match.group(3)
    return rest.startswith("-") or _PRE.match(rest) is not None


def _pieces(text: str) -> list[tuple[int, int | str]]:
    return [(0, int(piece)) if piece.isdigit() else (1, piece) for piece in re.split(r"(\d+)", text) if piece]


def message_values(plan: TagPlan) -> dict[str, object]:
    return {
        "version": plan.version,
        "previous": plan.previous,
        "range": plan.range,
        "tag": plan.ai_tag,
        "commits": [
            {
                "sha": c.sha,
                "short": c.sha[:10],
                "subject": c.subject,
                "model": c.model or "unknown",
                "prompt": (c.prompt or "").split("\n")[0],
                "files": c.files,
                "flags": c.flags,
            }
            for c in plan.ai_commits
        ],
        "models": plan.models,
        "flags": plan.flags,
    }
