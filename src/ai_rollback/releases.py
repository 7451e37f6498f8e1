"""Releases and their fate, as plain data: which release is the previous stable one.

Nothing here runs git (``commands/releases.py`` reads and writes the records);
everything here is a pure function of the releases and their records.

**The records.**  What happened to a release is kept in annotated tags, in a
namespace of their own that no release pattern takes for a release:

* ``ai-rollback/healthy/<release>``: a ``watch`` period passed healthy (made
  once; a later healthy pass changes nothing);
* ``ai-rollback/rolled-back/<release>/<UTC time>-<random>``: one rollback of
  the release (``watch``'s on a confirmed breach, or ``ai-rollback
  rollback``), named so that two clones never make two tags of one name; its
  message's trailers say where it went (``Returned-to``), when, who and how.

Both point at the release's commit.  Tags, not notes or other refs, because
``git fetch`` brings them without any configuration: a tag is followed when
it points at a commit the fetch has (and ``git push --follow-tags`` or
``git push origin 'refs/tags/ai-rollback/*'`` shares them).  Notes and
private refs need a refspec in every clone, and a team that forgot one
would roll back to a release someone already rolled back.

**The previous stable release** of a release R: among the releases older
than R in version order (the release pattern, AI tags excluded; a
pre-release such as ``v2.0.0-rc1`` comes before ``v2.0.0`` and is never a
stable one), those never rolled back; of these, the newest that passed a
``watch`` healthy, else the newest.  None when there is no such release.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ai_rollback.errors import UsageError

RECORDS = "ai-rollback"
HEALTHY_PREFIX = f"{RECORDS}/healthy/"
ROLLED_BACK_PREFIX = f"{RECORDS}/rolled-back/"

#: the states of a release
STABLE = "stable"  # a watch period passed healthy, and it was never rolled back
ROLLED_BACK = "rolled-back"
RELEASED = "released"  # neither: never watched to the end, never rolled back

#: the placeholders of the commands we run for the user, and their environment variables
PLACEHOLDERS = {
    "tag": "AI_ROLLBACK_TAG",
    "previous_tag": "AI_ROLLBACK_PREVIOUS_TAG",
    "ai_tag": "AI_ROLLBACK_AI_TAG",
    "incident_tag": "AI_ROLLBACK_INCIDENT_TAG",
}


@dataclass(frozen=True)
class Rollback:
    """One rollback of a release, as its record tag says."""

    ref: str  # the record tag's name
    release: str
    returned_to: str | None
    when: str = ""
    via: str = ""  # "rollback" or "watch"
    incident: str | None = None  # the incident tag ``rollback`` made with it


@dataclass
class Release:
    name: str
    commit: str
    ai_tag: str | None = None
    healthy: str | None = None  # the healthy record's tag name
    rollbacks: list[Rollback] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.rollbacks:
            return ROLLED_BACK
        return STABLE if self.healthy else RELEASED


def healthy_ref(release: str) -> str:
    return HEALTHY_PREFIX + release


def rollback_ref(release: str, stamp: str, token: str) -> str:
    """``ai-rollback/rolled-back/<release>/<UTC stamp>-<token>``: unique in every clone.

    Two people rolling back the same release in their own clones make two
    records, never two different tags of one name that could not both be pushed.
    ``stamp``: :func:`utc_stamp`; ``token``: a few random hex digits.
    """
    compact = stamp.replace("-", "").replace(":", "")
    return f"{ROLLED_BACK_PREFIX}{release}/{compact}-{token}"


def is_record(name: str) -> bool:
    return name.startswith(RECORDS + "/")


def record_release(name: str) -> tuple[str, str] | None:
    """``(kind, release)`` of a record tag's name (``healthy`` or ``rolled-back``), else None."""
    if name.startswith(HEALTHY_PREFIX):
        release = name[len(HEALTHY_PREFIX) :]
        return ("healthy", release) if release else None
    if name.startswith(ROLLED_BACK_PREFIX):
        release, slash, rest = name[len(ROLLED_BACK_PREFIX) :].rpartition("/")
        return ("rolled-back", release) if release and slash and rest else None
    return None


def previous_stable(releases: Sequence[Release], current: str) -> Release | None:
    """The previous stable release of ``current`` (see the module's docstring).

    ``releases`` are in version order, oldest first; ``current`` need not be one of them
    (a release being rolled back that the records do not know yet is compared by name).
    """
    from ai_rollback.tagging import is_prerelease, version_key

    limit = version_key(current)
    older = [
        r for r in releases if r.name != current and version_key(r.name) < limit and not is_prerelease(r.name)
    ]
    candidates = [r for r in older if not r.rollbacks]
    for release in reversed(candidates):
        if release.healthy:
            return release
    return candidates[-1] if candidates else None


def current_release(releases: Sequence[Release], on_head: Sequence[str]) -> tuple[Release, list[Release]]:
    """The release running now, and the rolled-back ones passed on the way.

    ``on_head``: the release names on HEAD's history.  The newest of them in
    version order, unless it was rolled back: then the release its last
    rollback returned to, and so on (a chain of rollbacks ends where nothing
    was rolled back).
    """
    by_name = {r.name: r for r in releases}
    known = [r for r in releases if r.name in set(on_head)]
    if not known:
        raise UsageError(
            "HEAD's history holds no release tag: there is no current release",
            hint="name it: ai-rollback rollback v2.1.0 (see ai-rollback releases)",
        )
    release, passed = known[-1], []
    seen = {release.name}
    while release.rollbacks:
        target = by_name.get(release.rollbacks[-1].returned_to or "")
        if target is None or target.name in seen:
            break
        passed.append(release)
        seen.add(target.name)
        release = target
    return release, passed


def substitute(
    argv: Sequence[str],
    values: Mapping[str, str | None],
    what: str,
    known: Mapping[str, str] = PLACEHOLDERS,
) -> list[str]:
    """``argv`` with ``{tag}``, ``{previous_tag}``, ``{ai_tag}``, ``{incident_tag}`` filled in.

    Per argument, after the command line was split: a value never becomes two
    arguments, and no shell ever reads it.  ``{{`` and ``}}`` are literal
    braces; other braces are kept as written (a JSON argument stays one).  A
    placeholder that is not ``known``, or has no value here, is an error naming it.
    """
    out = []
    for arg in argv:
        pieces: list[str] = []
        i, n = 0, len(arg)
        while i < n:
            ch = arg[i]
            if ch in "{}" and arg[i : i + 2] in ("{{", "}}"):
                pieces.append(ch)
                i += 2
                continue
            if ch == "{":
                end = arg.find("}", i)
                name = arg[i + 1 : end] if end > 0 else ""
                if name and (name.replace("_", "").isalpha() and name.isascii()):
                    if name not in known:
                        raise UsageError(
                            f"{what}: unknown placeholder {{{name}}}",
                            hint="known: " + ", ".join(f"{{{k}}}" for k in known) + "; {{ is a brace",
                        )
                    value = values.get(name)
                    if not value:
                        raise UsageError(
                            f"{what} uses {{{name}}}, which has no value here",
                            hint=_missing_hint(name),
                        )
                    pieces.append(value)
                    i = end + 1
                    continue
            pieces.append(ch)
            i += 1
        out.append("".join(pieces))
    return out


def _missing_hint(name: str) -> str:
    return {
        "tag": "name the release: --tag TAG",
        "previous_tag": "there is no previous stable release (see ai-rollback releases)",
        "ai_tag": "the release has no AI tag (create it with ai-rollback tag VERSION)",
        "incident_tag": "only the rollback command names an incident",
    }.get(name, "it has no value in this command")


_SECRET_HEADER = re.compile(
    r"(\s*[\w.-]*(?:auth|token|key|secret|pass|cookie|credential|session)[\w.-]*\s*:\s*)\S.*", re.I
)
_URL_USERINFO = re.compile(r"(://[^/@:\s]*:)[^/@\s]*@")
_SECRET_WORDS = ("token", "pass", "secret", "key", "auth", "credential", "cookie", "bearer")


def _secret_option(word: str) -> bool:
    name = word.lstrip("-").lower()
    return word.startswith("-") and any(w in name for w in _SECRET_WORDS)


def shown_command(argv: Sequence[str]) -> str:
    """A command line to print: credentials hidden (see :func:`credentials.redact_text`), and also
    the value after an option named like a secret (``--token X``, ``--password=X``), the password of
    ``-u user:pass`` and ``-pPASS``, and the value of a header named like one (``Authorization: ...``,
    ``X-Api-Key:...``).  Only for showing: the command runs with its real arguments.
    """
    from ai_rollback.credentials import redact_text

    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            shown = "****"
            if ":" in arg and out and out[-1] in ("-u", "--user"):
                shown = arg.split(":", 1)[0] + ":****"
            out.append(shown)
            hide_next = False
            continue
        option, equals, value = arg.partition("=")
        header = _SECRET_HEADER.match(value if equals and option.startswith("-") else arg)
        if header:  # -H "Authorization: Bearer X", --header=X-Api-Key:KEY
            out.append((option + "=" if equals and option.startswith("-") else "") + header.group(1) + "****")
        elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            out.append("-p****")  # mysql -pPASS
        elif equals and _secret_option(option):
            out.append(f"{option}=****")
        elif _secret_option(arg) or arg in ("-u", "--user"):
            out.append(arg)
            hide_next = True
        else:
            out.append(_URL_USERINFO.sub(r"\1****@", arg))
    return redact_text(" ".join(shlex_quote(a) for a in out))


def shlex_quote(arg: str) -> str:
    return arg if "****" in arg else shlex.quote(arg)


def environment(values: Mapping[str, str | None]) -> dict[str, str]:
    """The placeholders as environment variables (empty where there is no value)."""
    return {variable: values.get(name) or "" for name, variable in PLACEHOLDERS.items()}


def incident_name(pattern: str, taken: Sequence[str] | set[str], now: float | None = None) -> str:
    """The incident tag: ``pattern`` (strftime, UTC); ``-2``, ``-3``... when that name is taken."""
    base = time.strftime(pattern, time.gmtime(now))
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def utc_stamp(now: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def rollback_message(
    current: str, previous: str | None, *, via: str, who: str, when: str, outcome: str, incident: str | None
) -> str:
    """The rolled-back record's message: a title, then trailers (``git interpret-trailers`` reads them).

    ``previous`` None: where it went is not known (a watch of a release with no stable one before it).
    """
    title = f"{'Emergency rollback' if via == 'rollback' else 'Auto-rollback'} from {current}"
    lines = [
        title + (f" to {previous}" if previous else ""),
        "",
        f"Rolled-back: {current}",
        *([f"Returned-to: {previous}"] if previous else []),
        f"Rolled-back-at: {when}",
        f"Rolled-back-by: {_one_line(who)}",
        f"Via: {via}",
        f"Outcome: {_one_line(outcome)}",
    ]
    if incident:
        lines.append(f"Incident: {incident}")
    return "\n".join(lines) + "\n"


def incident_message(current: str, previous: str, *, who: str, when: str, outcome: str) -> str:
    """The incident tag's message: what the team reads in ``git show incident-...``."""
    return (
        f"Emergency rollback from {current} to {previous}\n\n"
        f"Who: {_one_line(who)}\nWhen: {when}\nOutcome: {_one_line(outcome)}\n"
    )


def healthy_message(release: str, *, when: str, detail: str) -> str:
    return (
        f"{release} passed its watch healthy\n\n"
        f"Healthy: {release}\nHealthy-at: {when}\nWatch: {_one_line(detail)}\n"
    )


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "-"


def parse_rollback(ref: str, release: str, trailers: Mapping[str, str]) -> Rollback:
    """A rolled-back record from its tag name and its message's trailers (keys lower-cased)."""
    return Rollback(
        ref=ref,
        release=release,
        returned_to=trailers.get("returned-to") or None,
        when=trailers.get("rolled-back-at", ""),
        via=trailers.get("via", ""),
        incident=trailers.get("incident") or None,
    )
