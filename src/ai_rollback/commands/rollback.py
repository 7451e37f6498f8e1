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
import secrets
import sys

from ai_rollback import releases as model
from ai_rollback.commands import releases as records
from ai_rollback.commands.tag import open_tagger
from ai_rollback.console import echo
from ai_rollback.credentials import redact_text
from ai_rollback.errors import (
    CHECK_FAILED,
    INTERRUPTED,
    OK,
    ROLLBACK_FAILED,
    GitError,
    Interrupted,
    UsageError,
)
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
    """The emergency rollback (see the module's docstring); returns the exit code.

    One rollback at a time per repository (a lock in the git directory): the
    incident tag a deploy command is told is the one that will be created.
    """
    from ai_rollback.revert.lock import exclusive

    tagger = open_tagger()
    with exclusive(
        tagger.repo,
        "rollback.lock",
        "another ai-rollback rollback (process {holder}) is running in this repository; nothing was run",
        "wait for it to finish; then see ai-rollback releases",
        common=True,  # every worktree of the repository
    ):
        return _rollback(
            tagger,
            tag,
            command,
            yes,
            dry_run,
            revert,
            alert_webhook,
            alert_command,
            timeout,
            ask,
            interactive,
        )


def _rollback(
    tagger: tagging.Tagger,
    tag: str | None,
    command: str | None,
    yes: bool,
    dry_run: bool,
    revert: bool,
    alert_webhook: str | None,
    alert_command: str | None,
    timeout: str | None,
    ask: Callable[[str], str] | None,
    interactive: bool | None,
) -> int:
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
            "(every older release was rolled back, is a pre-release, or there is none)",
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
    record = model.rollback_ref(current.name, model.utc_stamp(), secrets.token_hex(4))
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
    records.check_creatable(tagger, [incident, record], current.commit)
    why = "passed its watch healthy" if previous.healthy else "never rolled back; not watched to the end"
    echo(f"current release:  {current.name}" + (f" (AI tag {current.ai_tag})" if current.ai_tag else ""))
    echo(f"returning to:     {previous.name} ({why})")
    echo(f"will run:         {model.shown_command(argv)}")
    if revert and current.ai_tag:
        _check_revert(current.ai_tag, tagger.repo.root)
        echo(f"then revert:      ai-revert --tag {current.ai_tag} (its AI commits, all or nothing)")
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
        except EOFError:
            answer = ""
        except KeyboardInterrupt:
            echo("\nRollback cancelled (interrupted); nothing was run")
            return INTERRUPTED
        if answer.strip().lower() != "yes":
            echo("Rollback cancelled")
            return CHECK_FAILED
    shown = os.path.basename(argv[0])
    try:
        ran = _run(
            "rollback-command", argv, limit, shown, cwd=tagger.repo.root, env=plan.env, limit=None, tee=True
        )
    except KeyboardInterrupt:
        _alert(plan, "interrupted", current.name, previous.name, None, [])
        raise Interrupted(
            f"interrupted while {shown} ran: it may have partly rolled back; no tag was created",
            hint=f"check the deploy system, then run again: ai-rollback rollback {current.name}",
        ) from None
    if not ran.ok:
        echo(f"rollback-command: FAILED: {redact_text(ran.detail)}")
        _alert(plan, "rollback-failed", current.name, previous.name, None, [ran])
        echo(
            f"Rollback failed: {current.name} -> {previous.name}; no tag was created (exit {ROLLBACK_FAILED})"
        )
        return ROLLBACK_FAILED
    # From here on the deploy has rolled back: whatever happens, it is recorded and alerted.
    outcomes = [ran]
    interrupted = False
    if revert and current.ai_tag:
        try:
            outcomes.append(_revert(current.ai_tag, limit, tagger.repo.root))
        except KeyboardInterrupt:
            interrupted = True
            outcomes.append(
                Outcome("revert", False, "interrupted (Ctrl-C); ai-revert is all or nothing: see git status")
            )
    outcome = redact_text("; ".join(o.detail for o in outcomes))
    for o in outcomes:
        echo(f"{o.action}: {'ok' if o.ok else 'FAILED'}: {redact_text(o.detail)}")
    with _DeferredInterrupt() as deferred:
        try:
            _record(tagger, current, previous.name, incident, record, outcome)
        except GitError as exc:
            _alert(plan, "unrecorded", current.name, previous.name, None, outcomes, why=exc.message)
            raise
        echo(f"created: {incident}, {record}")
        reverted = all(o.ok for o in outcomes)
        _alert(
            plan,
            "rolled-back" if reverted else "revert-failed",
            current.name,
            previous.name,
            incident,
            outcomes,
        )
    echo(f"share it: git push origin {incident} {record}")
    if interrupted or deferred:
        raise Interrupted(
            f"interrupted after the rollback command succeeded: {current.name} -> {previous.name} is "
            f"recorded ({record}); the revert of its AI commits was stopped",
            hint="ai-revert is all or nothing: check git status, then ai-revert --tag " + str(current.ai_tag),
        )
    if not all(o.ok for o in outcomes):
        echo(
            f"Rollback completed: {current.name} -> {previous.name}, but the revert of its AI commits "
            f"FAILED (exit {ROLLBACK_FAILED})"
        )
        return ROLLBACK_FAILED
    echo(f"Rollback completed: {current.name} -> {previous.name}")
    return OK


class _DeferredInterrupt:
    """Ctrl-C held back for the block (writing the tags, sending the alert); true if one came."""

    def __enter__(self) -> list[int]:
        import signal

        self.came: list[int] = []
        try:
            self.old = signal.signal(signal.SIGINT, lambda signum, _frame: self.came.append(signum))
        except ValueError:  # not the main thread
            self.old = None
        return self.came

    def __exit__(self, *exc: object) -> None:
        import signal

        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)


def _check_revert(ai_tag: str, root: str) -> None:
    """``--revert``: ai-revert's own dry run, before the deploy: refused now, not after it."""
    argv = [sys.executable, "-P", "-m", "ai_rollback", "revert", "--tag", ai_tag, "--dry-run"]
    ran = _run("revert", argv, 600.0, f"ai-revert --tag {ai_tag} --dry-run", cwd=root)
    if not ran.ok:
        raise UsageError(
            f"--revert would fail, so nothing was run: {redact_text(ran.detail)}",
            hint=f"see ai-revert --tag {ai_tag} --dry-run, or drop --revert",
        )


def _record(
    tagger: tagging.Tagger, current: model.Release, previous: str, incident: str, record: str, outcome: str
) -> None:
    """Create the incident tag and the rolled-back record, in one transaction.

    The names were checked before the command ran, under the repository's
    rollback lock; should the tags still fail, the message says the command ran.
    """
    when, by = model.utc_stamp(), records.who(tagger)
    tags = [
        (
            incident,
            current.commit,
            model.incident_message(current.name, previous, who=by, when=when, outcome=outcome),
        ),
        (
            record,
            current.commit,
            model.rollback_message(
                current.name, previous, via="rollback", who=by, when=when, outcome=outcome, incident=incident
            ),
        ),
    ]
    try:
        records.write_tags(tagger, tags, f"ai-rollback rollback {current.name}")
    except GitError as exc:
        raise GitError(
            f"the rollback command succeeded ({current.name} -> {previous}), but the incident tag and the "
            f"record could not be created: {exc.message}",
            hint=exc.hint,
        ) from None


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
    plan: Plan,
    status: str,
    current: str,
    previous: str,
    incident: str | None,
    outcomes: list[Outcome],
    why: str = "",
) -> None:
    """Send the alert of the rollback's end; print each delivery's outcome."""
    if not (plan.webhook or plan.alert_command):
        return
    done = "; ".join(o.detail for o in outcomes)
    failed = "; ".join(o.detail for o in outcomes if not o.ok)
    if status == "rolled-back":
        text = f"Rollback completed: {current} -> {previous} ({incident}): {done}"
    elif status == "revert-failed":
        text = f"Rollback completed: {current} -> {previous} ({incident}), but the revert failed: {failed}"
    elif status == "unrecorded":
        text = f"Rollback completed: {current} -> {previous}: {done}; but it could not be recorded: {why}"
    elif status == "interrupted":
        text = f"Rollback interrupted: {current} -> {previous}: the rollback command was stopped (Ctrl-C)"
    else:
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
