"""The releases and their records in git; ``ai-rollback releases``.

:func:`read_releases` reads every release tag, its AI tag and its records
(see :mod:`ai_rollback.releases`) in one ``git for-each-ref``; the records'
trailers are git's own parse.  :func:`write_tags` creates annotated tags in
one ref transaction (all or none, and never over a tag that appeared
meanwhile).
"""

from __future__ import annotations

import fnmatch
import json
import os

from ai_rollback import releases as model
from ai_rollback import tagging
from ai_rollback.commands.tag import open_tagger
from ai_rollback.console import echo
from ai_rollback.errors import OK, GitError
from ai_rollback.git.objects import ObjectWriter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_FORMAT = (
    "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)%00"
    "%(trailers:unfold)%00"
)
_FIELDS = 6


def tag_names(tagger: tagging.Tagger) -> set[str]:
    """Every tag's name (to pick free names)."""
    return set(tagger.git.text("for-each-ref", "--format=%(refname:strip=2)", "refs/tags/").splitlines())


def read_releases(tagger: tagging.Tagger) -> list[model.Release]:
    """The releases in version order (oldest first), each with its AI tag and records."""
    out = tagger.git.run("for-each-ref", f"--format={_FORMAT}", "refs/tags/").decode("utf-8", "replace")
    fields = out.split("\0")
    rows: list[tuple[str, str, str, str]] = []
    nested = []  # tags of tags: peeled by git, one by one (rare)
    for i in range(0, len(fields) - _FIELDS + 1, _FIELDS):
        name, kind, obj, peeled_kind, peeled, trailers = fields[i : i + _FIELDS]
        name = name.lstrip("\n")
        commit = peeled if peeled_kind == "commit" else obj if kind == "commit" else ""
        if kind == "tag" and peeled_kind == "tag":
            nested.append(len(rows))
        rows.append((name, commit, kind, trailers))
    for index in nested:
        name, _commit, kind, trailers = rows[index]
        code, peeled_out, _ = tagger.git.run_full(
            "rev-parse", "--verify", "-q", f"refs/tags/{name}^{{commit}}", check=False
        )
        rows[index] = (name, peeled_out.decode().strip() if code == 0 else "", kind, trailers)
    found: dict[str, model.Release] = {}
    ai_glob = tagging.ai_tag_glob(tagger.ai_pattern)
    for name, commit, _kind, _text in rows:
        if commit and not model.is_record(name) and tagger.is_release(name):
            found[name] = model.Release(name, commit)
    for name, commit, kind, trailers in rows:
        record = model.record_release(name)
        if record is not None:
            what, owner = record
            target = found.get(owner)
            if target is None or kind != "tag" or commit != target.commit:
                continue  # a record of a release that is gone, or was moved: it says nothing now
            if what == "healthy":
                target.healthy = name
            else:
                target.rollbacks.append(model.parse_rollback(name, owner, _trailers(trailers)))
        elif fnmatch.fnmatchcase(name, ai_glob) and not model.is_record(name):
            for candidate in found.values():
                if (
                    candidate.ai_tag is None
                    and commit == candidate.commit
                    and fnmatch.fnmatchcase(name, tagging.ai_tag_glob(tagger.ai_pattern, candidate.name))
                ):
                    candidate.ai_tag = name
    for each in found.values():
        each.rollbacks.sort(key=lambda r: (r.when, r.ref))
    return sorted(found.values(), key=lambda r: tagging.version_key(r.name))


def _trailers(text: str) -> dict[str, str]:
    """``key -> value`` (keys lower-cased, the first of each) of git's ``%(trailers:unfold)``."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            out.setdefault(key.strip().lower(), value.strip())
    return out


def releases_on(tagger: tagging.Tagger, rev: str = "HEAD") -> list[str]:
    """The release tags on ``rev``'s history."""
    return tagger.releases(merged_into=rev)


def write_tags(tagger: tagging.Tagger, tags: Sequence[tuple[str, str, str]], why: str) -> None:
    """Create annotated tags ``(name, commit, message)`` in one transaction: all of them, or none."""
    for name, _commit, _message in tags:
        tagger._check_name(name, "tag")
    objects = os.environ.get("GIT_OBJECT_DIRECTORY") or os.path.join(tagger.repo.common_dir, "objects")
    writer = ObjectWriter(objects, tagger._algorithm())
    who = tagger._ident()
    lines = [
        f"create refs/tags/{name} {writer.tag(commit, name, who, message)}\n"
        for name, commit, message in tags
    ]
    env = dict(tagger.git.env, **{tagging.TAGGING_ENV: "1"})
    code, _, err = tagger.git.run_full(
        "update-ref", "-m", why, "--stdin", input="".join(lines).encode(), env=env, check=False
    )
    if code != 0:
        raise GitError(
            "could not create the tags " + ", ".join(n for n, _c, _m in tags) + "; none was created",
            hint=err.decode(errors="replace").strip() or None,
        )


def check_creatable(tagger: tagging.Tagger, names: Sequence[str], commit: str) -> None:
    """That tags ``names`` can be created now (valid, free, no file or directory in the way, not
    locked): a ref transaction prepared, then aborted.  Nothing is created."""
    for name in names:
        tagger._check_name(name, "tag")
    lines = ["start"] + [f"create refs/tags/{name} {commit}" for name in names] + ["prepare", "abort", ""]
    code, _, err = tagger.git.run_full("update-ref", "--stdin", input="\n".join(lines).encode(), check=False)
    if code != 0:
        raise GitError(
            "the tags " + ", ".join(names) + " could not be created, so nothing was run",
            hint=err.decode(errors="replace").strip() or None,
        )


def who(tagger: tagging.Tagger) -> str:
    """``Name <email>`` of the committer identity (who rolled back)."""
    ident = tagger._ident()
    return ident.rsplit(" ", 2)[0] if ident.count(" ") >= 2 else ident


def ai_shares(tagger: tagging.Tagger, names: Sequence[str]) -> dict[str, float | None]:
    """Each release's AI share of commits, as ``ai-rollback log --by release`` counts them."""
    from ai_rollback import classify, history
    from ai_rollback.git.notes import ai_notes

    reader = history.Reader(
        tagger.git, classify.detection_from(tagger.config, ai_notes(tagger.git)), tagger.settings
    )
    shares: dict[str, float | None] = {}
    parts = history.segments(list(names), list(names), [], list(names), True)
    for part in parts:
        if part.release is None or part.release == "unreleased":
            continue
        totals = history.Totals()
        for entry in reader.entries(part.revisions, False):
            totals.add(entry)
        shares[part.release] = totals.share() if totals.commits > totals.merges else None
    return shares


def releases_command(fmt: str = "table") -> int:
    """``ai-rollback releases``: each release, its AI tag and share, and whether it is stable."""
    tagger = open_tagger()
    found = read_releases(tagger)
    shares = ai_shares(tagger, [r.name for r in found]) if found else {}
    rows = []
    for release in found:
        previous = model.previous_stable(found, release.name)
        rows.append(
            {
                "release": release.name,
                "commit": release.commit,
                "state": release.state,
                "ai_tag": release.ai_tag,
                "ai_share": shares.get(release.name),
                "healthy": release.healthy,
                "rollbacks": [
                    {"record": r.ref, "returned_to": r.returned_to, "at": r.when, "via": r.via}
                    for r in release.rollbacks
                ],
                "previous_stable": previous.name if previous else None,
            }
        )
    if fmt == "json":
        echo(json.dumps({"releases": list(reversed(rows))}, indent=2, ensure_ascii=False))
        return OK
    if not rows:
        echo(f"no release tags (pattern {tagger.release_pattern!r}): ai-rollback tag v1.0.0 makes one")
        return OK
    table = [("release", "state", "AI share", "AI tag", "previous stable", "rolled back to")]
    for row in reversed(rows):  # newest first
        share = row["ai_share"]
        rollbacks = row["rollbacks"]
        back = rollbacks[-1]["returned_to"] if isinstance(rollbacks, list) and rollbacks else None
        table.append(
            (
                str(row["release"]),
                str(row["state"]),
                f"{share:.0%}" if isinstance(share, float) else "-",
                str(row["ai_tag"] or "-"),
                str(row["previous_stable"] or "-"),
                str(back or "-"),
            )
        )
    widths = [max(len(line[k]) for line in table) for k in range(len(table[0]))]
    for line in table:
        echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    return OK
