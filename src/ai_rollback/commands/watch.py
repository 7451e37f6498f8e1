"""``ai-rollback watch TAG``: the options and the configuration merged, then the watch itself.

Values given on the command line win over ``[tool.ai-rollback.watch]``, which
wins over the defaults; everything is checked before the first poll.
"""

from __future__ import annotations

import secrets

from ai_rollback import releases as model
from ai_rollback import watch
from ai_rollback.commands.releases import read_releases, tag_names, who, write_tags
from ai_rollback.commands.tag import open_tagger
from ai_rollback.console import echo
from ai_rollback.errors import AiRollbackError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from contextlib import AbstractContextManager

    from ai_rollback import tagging


def run_watch(
    tag: str,
    *,
    duration: str = "30m",
    every: str = "60s",
    prometheus: str | None = None,
    metrics_command: str | None = None,
    thresholds: Mapping[str, float | None] | None = None,
    breaches: int | None = None,
    blind_after: int | None = None,
    rollback_command: str | None = None,
    revert: bool = False,
    disable_flags: bool = False,
    alert_webhook: str | None = None,
    alert_command: str | None = None,
    timeout: str = "10s",
    dry_run: bool = False,
    fmt: str = "text",
    emit: Callable[[str], None] = echo,
) -> int:
    if (prometheus is None) == (metrics_command is None):
        raise UsageError("give exactly one metrics source", hint="--prometheus URL or --metrics-command CMD")
    tagger = open_tagger()
    if tagger.tag_target(tag) is None:
        raise UsageError(f"no tag {tag!r} in this repository", hint="list them with: git tag --list")
    settings = tagger.config.watch
    given = thresholds or {}
    limits = {}
    for metric in watch.METRICS:
        value = given.get(metric)
        limits[metric] = float(value) if value is not None else settings.thresholds[metric]
        if not limits[metric] >= 0:
            raise UsageError(f"--{metric} must be a number, at least 0")
    needed = breaches or settings.breaches
    read_timeout = watch.parse_duration(timeout, "--timeout")
    found = read_releases(tagger)
    release = next((r for r in found if r.name == tag), None)
    previous = model.previous_stable(found, tag) if release is not None else None
    values = {
        "tag": tag,
        "previous_tag": previous.name if previous else None,
        "ai_tag": release.ai_tag if release else None,
        "incident_tag": None,
    }
    plan = watch.Plan(
        rollback_command=_command(rollback_command, "--rollback-command", values),
        revert_tag=_revert_tag(tagger, tag) if revert else None,
        webhook=watch.checked_url(alert_webhook, "--alert-webhook") if alert_webhook is not None else None,
        alert_command=_command(alert_command, "--alert-command", values),
        repo_root=tagger.repo.root,
        timeout=read_timeout,
        dry_run=dry_run,
        env=model.environment(values),
    )
    source: watch.Source
    if prometheus is not None:
        source = watch.PrometheusSource(prometheus, settings.queries, read_timeout)
    else:
        source = watch.CommandSource(
            watch.split_command(str(metrics_command), "--metrics-command"), read_timeout
        )
    seconds, interval = watch.parse_duration(duration, "--for"), watch.parse_duration(every, "--every")
    polls = watch.planned_polls(seconds, interval)
    if needed > polls:
        raise UsageError(
            f"a breach must hold for {needed} polls, but --for {duration} --every {every} makes {polls}",
            hint="watch longer, poll more often, or lower --breaches",
        )
    options = watch.Options(
        tag=tag,
        duration=seconds,
        interval=interval,
        thresholds=limits,
        breaches=needed,
        blind_after=blind_after or needed,
        plan=plan,
        fmt=fmt,
        previous=previous.name if previous else None,
        record=_recorder(tagger, release, previous.name if previous else None, duration)
        if release is not None
        else None,
        disable_flags=_flags_switch(tagger, tag) if disable_flags else None,
    )
    plan.lock = _rollback_lock(tagger) if rollback_command else None
    return watch.run(options, source, emit)


def _command(text: str | None, what: str, values: Mapping[str, str | None]) -> list[str] | None:
    if text is None:
        return None
    return model.substitute(watch.split_command(text, what), values, what)


def _flags_switch(tagger: tagging.Tagger, tag: str) -> Callable[[], watch.Outcome]:
    """``--disable-flags``: the release's flags and their file or command, checked now (before the
    first poll); switched off on the first confirmed breach."""
    from ai_rollback.commands import flags

    try:
        flags.release_flags(tagger, tag)
    except UsageError:
        raise UsageError(
            f"{tag} has no AI tag: --disable-flags would not know its flags",
            hint=f"create it with: ai-rollback tag {tag}, or drop --disable-flags",
        ) from None
    try:
        keys, values = flags.plan(tagger, [], tag)
        flags.preflight(tagger, keys, values)
    except AiRollbackError as exc:
        raise type(exc)(f"--disable-flags: {exc.message}", hint=exc.hint) from None

    def switch_off() -> watch.Outcome:
        try:
            done = flags.switch(tagger, keys, "off", values=values)
        except AiRollbackError as exc:
            return watch.Outcome("flags-off", False, f"could not switch off the flags: {exc.message}")
        if done.failed:
            return watch.Outcome("flags-off", False, f"could not switch off the flags: {done.failed}")
        if not done.changed:  # nothing to wait for: they cannot help
            return watch.Outcome(
                "flags-off", False, f"the release's AI flags were already off ({', '.join(done.already)})"
            )
        extra = f"; already off: {', '.join(done.already)}" if done.already else ""
        return watch.Outcome(
            "flags-off", True, f"switched off flags {', '.join(done.changed)}{extra} in {done.where}"
        )

    return switch_off


def _rollback_lock(tagger: tagging.Tagger) -> Callable[[], AbstractContextManager[None]]:
    """The lock ``ai-rollback rollback`` holds: a watch's rollback command waits for no one, and
    does not run while a person's rollback does."""
    from ai_rollback.revert.lock import exclusive

    def lock() -> AbstractContextManager[None]:
        return exclusive(
            tagger.repo,
            "rollback.lock",
            "another ai-rollback rollback (process {holder}) is running in this repository",
            "see ai-rollback releases",
            common=True,
        )

    return lock


def _recorder(
    tagger: tagging.Tagger, release: model.Release, previous: str | None, duration: str
) -> Callable[[str], watch.Outcome]:
    """What the watch records in git: a healthy pass, or its rollback (see releases.py)."""

    def record(what: str) -> watch.Outcome:
        when = model.utc_stamp()
        try:
            if what == watch.HEALTHY:
                ref = model.healthy_ref(release.name)
                if ref in tag_names(tagger):
                    return watch.Outcome(
                        "record", True, f"{release.name} was already recorded healthy ({ref})"
                    )
                message = model.healthy_message(release.name, when=when, detail=f"{duration} healthy")
            else:
                ref = model.rollback_ref(release.name, when, secrets.token_hex(4))
                message = model.rollback_message(
                    release.name,
                    previous,
                    via="watch",
                    who=who(tagger),
                    when=when,
                    outcome="the rollback command succeeded",
                    incident=None,
                )
            write_tags(tagger, [(ref, release.commit, message)], f"ai-rollback watch {release.name}")
        except AiRollbackError as exc:
            return watch.Outcome("record", False, f"could not record it in git: {exc.message}")
        return watch.Outcome("record", True, f"recorded {ref} in git")

    return record


def _revert_tag(tagger: tagging.Tagger, tag: str) -> str:
    """The AI tag --revert will use: TAG itself, or the AI tag of the release TAG; checked now."""
    try:
        return tagger.ai_tag_for(tag)
    except UsageError:
        raise UsageError(
            f"{tag} has no AI tag recording a range: --revert would have nothing to revert",
            hint=f"create it with: ai-rollback tag {tag}, or drop --revert",
        ) from None
