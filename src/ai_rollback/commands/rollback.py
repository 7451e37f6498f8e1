"""``ai-rollback rollback [TAG]``: the emergency rollback any member of the team can run.

It names the release running now and the previous stable one
(:mod:`ai_rollback.releases`), says what it will run, asks ``Confirm rollback?
(yes/no)`` on a terminal, runs ``[tool.ai-rollback.deploy] rollback-command``,
and only when that succeeded creates, in one ref transaction, the incident
tag and the release's rolled-back record; then it sends the alerts.  With
``--revert`` it also reverts the release's AI commits (``ai-revert --tag``,
all or nothing).  A failed command creates no tag and exits 4.
"""

from __future__ import annotations

import os
import sys

from ai_rollback import releases as model
from ai_rollback.commands import releases as records
from ai_rollback.commands.tag import open_tagger
from ai_rollback.console import echo
from ai_rollback.credentials import redact_text
from ai_rollback.errors import CHECK_FAILED, OK, ROLLBACK_FAILED, GitError, Interrupted, UsageError
from ai_rollback.watch import Outcome, Plan, checked_url, parse_duration, send_alerts, split_command
from ai_rollback.watch.actions import _run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from ai_rollback import tagging


def _resolve(tagger: tagging.Tagger, found: list[model.Release], tag: str | None) -> model.Release:
    """The release to roll back: TAG, or the one running now (see :func:`releases.current_release`)."""
    if tag is None:
        current, passed = model.current_release(found, records.releases_on(tagger))
        for release in passed:
            back = release.rollbacks[-1]
            echo(f"{release.name} was already rolled back to {back.returned_to} ({back.ref})")
        return current
    if tag.startswith("-"):
        raise UsageError(f"release {tag!r} starts with '-'")
    named = next((r for r in found if r.name == tag), None)
    if named is None:
        if tagger.tag_target(tag) is not None:
            raise UsageError(
                f"{tag!r} is not a release tag (pattern {tagger.release_pattern!r})",
                hint=f"name a release (see ai-rollback releases), or set release-pattern in "
                f"{tagger.config.section('tag')}",
            )
        raise UsageError(f"no release tag {tag!r}", hint="list the releases with: ai-rollback releases")
    if named.rollbacks:
        echo(
            f"note: {named.name} was already rolled back {len(named.rollbacks)} time"
            f"{'s' if len(named.rollbacks) != 1 else ''} (last: {named.rollbacks[-1].ref}); "
            "rolling back again"
        )
    return named


def rollback(
    tag: str | None = None,
    *,
    command: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    revert: bool = False,
    alert_webhook: str | None = None,
    alert_command: str | None = None,
    timeout: str | None = None,
    ask: Callable[[str], str] | None = None,
    interactive: bool | None = None,
) -> int:
    """The emergency rollback (see the module's docstring); returns the exit code."""
    tagger = open_tagger()
    deploy = tagger.config.deploy
    found = records.read_releases(tagger)
    if not found:
        raise UsageError(
            f"no release tags (pattern {tagger.release_pattern!r}): there is nothing to roll back",
            hint="releases are tagged with: ai-rollback tag v1.0.0",
        )
    current = _resolve(tagger, found, tag)
    previous = model.previous_stable(found, current.name)
    if previous is None:
        raise UsageError(
            f"no stable release before {current.name} to return to "
            "(every older release was rolled back, or there is none)",
            hint="see ai-rollback releases",
        )
    text = command or deploy.rollback_command
    if text is None:
        raise UsageError(
            "no rollback command: nothing would tell the deploy system to go back",
            hint=f"set rollback-command in {tagger.config.section('deploy')}, or pass --command CMD",
        )
    limit = parse_duration(timeout or deploy.timeout, "--timeout")
    if revert and current.ai_tag is None:
        raise UsageError(
            f"{current.name} has no AI tag: --revert would have nothing to revert",
            hint=f"create it with: ai-rollback tag {current.name}, or drop --revert",
        )
    incident = model.incident_name(tagger.config.revert.incident_tag, records.tag_names(tagger))
    tagger._check_name(incident, "incident tag")
    values = {
        "tag": current.name,
        "previous_tag": previous.name,
        "ai_tag": current.ai_tag,
        "incident_tag": incident,
    }
    argv = model.substitute(split_command(text, "rollback-command"), values, "rollback-command")
    alert_text = alert_command or deploy.alert_command
    alert_argv = (
        model.substitute(split_command(alert_text, "alert-command"), values, "alert-command")
        if alert_text
        else None
    )
    plan = Plan(
        webhook=checked_url(alert_webhook, "--alert-webhook") if alert_webhook else None,
        alert_command=alert_argv,
        env=model.environment(values),
        dry_run=dry_run,
    )
    why = "passed its watch healthy" if previous.healthy else "never rolled back; not watched to the end"
    echo(f"current release:  {current.name}" + (f" (AI tag {current.ai_tag})" if current.ai_tag else ""))
    echo(f"returning to:     {previous.name} ({why})")
    echo(f"will run:         {redact_text(' '.join(argv))}")
    if revert:
        echo(f"then revert:      ai-revert --tag {current.ai_tag} (its AI commits, all or nothing)")
    record = model.rollback_ref(current.name, [r.ref for r in current.rollbacks])
    echo(f"on success, tag:  {incident} and {record}")
    if dry_run:
        echo("dry run: nothing was run, tagged or sent")
        return OK
    if not yes:
        is_terminal = sys.stdin.isatty() if interactive is None else interactive
        if not is_terminal:
            raise UsageError(
                "refusing to roll back without a terminal to confirm on", hint="pass --yes to confirm"
            )
        try:
            answer = (ask or _ask)("Confirm rollback? (yes/no) ")
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() != "yes":
            echo("Rollback cancelled")
            return CHECK_FAILED
    shown = os.path.basename(argv[0])
    try:
        ran = _run("rollback-command", argv, limit, shown, cwd=tagger.repo.root, env=plan.env)
    except KeyboardInterrupt:
        _alert(plan, "interrupted", current.name, previous.name, incident, [])
        raise Interrupted(
            f"interrupted while {shown} ran: it may have partly rolled back; no tag was created",
            hint=f"check the deploy system, then run again: ai-rollback rollback {current.name}",
        ) from None
    outcomes = [ran]
    if ran.ok and revert and current.ai_tag:
        outcomes.append(_revert(current.ai_tag, limit, tagger.repo.root))
    failed = [o for o in outcomes if not o.ok]
    if not ran.ok:
        echo(f"rollback-command: FAILED: {ran.detail}")
        _alert(plan, "rollback-failed", current.name, previous.name, None, outcomes)
        echo(
            f"Rollback failed: {current.name} -> {previous.name}; no tag was created (exit {ROLLBACK_FAILED})"
        )
        return ROLLBACK_FAILED
    outcome = "; ".join(o.detail for o in outcomes)
    incident, ref = _record(tagger, current, previous.name, incident, outcome)
    for o in outcomes:
        echo(f"{o.action}: {'ok' if o.ok else 'FAILED'}: {o.detail}")
    echo(f"created: {incident}, {ref}")
    status = "rollback-failed" if failed else "rolled-back"
    _alert(plan, status, current.name, previous.name, incident, outcomes)
    echo(f"share it: git push origin {incident} {ref}")
    if failed:
        echo(f"Rollback failed: {'; '.join(o.detail for o in failed)} (exit {ROLLBACK_FAILED})")
        return ROLLBACK_FAILED
    echo(f"Rollback completed: {current.name} -> {previous.name}")
    return OK


def _record(
    tagger: tagging.Tagger, current: model.Release, previous: str, incident: str, outcome: str
) -> tuple[str, str]:
    """Create the incident tag and the rolled-back record; ``(incident, record)`` as created.

    Should another rollback have taken a name since (the same minute), the
    next free names are used.  The command already ran, so a failure says so.
    """
    when, by = model.utc_stamp(), records.who(tagger)
    taken = [r.ref for r in current.rollbacks]
    for attempt in range(3):
        ref = model.rollback_ref(current.name, taken)
        tags = [
            (
                incident,
                current.commit,
                model.incident_message(current.name, previous, who=by, when=when, outcome=outcome),
            ),
            (
                ref,
                current.commit,
                model.rollback_message(
                    current.name,
                    previous,
                    via="rollback",
                    who=by,
                    when=when,
                    outcome=outcome,
                    incident=incident,
                ),
            ),
        ]
        try:
            records.write_tags(tagger, tags, f"ai-rollback rollback {current.name}")
            return incident, ref
        except GitError as exc:
            names = records.tag_names(tagger)
            if attempt == 2 or (incident not in names and ref not in names):
                raise GitError(
                    f"the rollback command succeeded ({outcome}), but the incident tag and the record "
                    f"could not be created: {exc.message}",
                    hint=exc.hint,
                ) from None
            taken = sorted(names)
            incident = model.incident_name(tagger.config.revert.incident_tag, names)
    raise AssertionError("unreachable")  # pragma: no cover


def _ask(prompt: str) -> str:
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


def _revert(ai_tag: str, limit: float, root: str) -> Outcome:
    argv = [sys.executable, "-P", "-m", "ai_rollback", "revert", "--tag", ai_tag, "--yes"]
    return _run("revert", argv, limit, f"ai-revert --tag {ai_tag} --yes", cwd=root)


def _alert(
    plan: Plan, status: str, current: str, previous: str, incident: str | None, outcomes: list[Outcome]
) -> None:
    """Send the alert of the rollback's end; print each delivery's outcome."""
    if not (plan.webhook or plan.alert_command):
        return
    done = "; ".join(o.detail for o in outcomes)
    if status == "rolled-back":
        text = f"Rollback completed: {current} -> {previous} ({incident}): {done}"
    elif status == "interrupted":
        text = f"Rollback interrupted: {current} -> {previous}: the rollback command was stopped (Ctrl-C)"
    else:
        failed = "; ".join(o.detail for o in outcomes if not o.ok)
        text = f"Rollback failed: {current} -> {previous}: {failed}"
    alert: dict[str, object] = {
        "text": text,
        "status": status,
        "tag": current,
        "previous_tag": previous,
        "incident_tag": incident,
        "actions": [{"action": o.action, "ok": o.ok, "detail": o.detail} for o in outcomes],
    }
    for sent in send_alerts(plan, alert):
        echo(f"{sent.action}: {'ok' if sent.ok else 'FAILED'}: {sent.detail}")
