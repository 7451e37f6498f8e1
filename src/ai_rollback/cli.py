"""The click application: parses options, calls the core, prints.

Exit codes (README "Exit codes"): 0 ok, 1 check failed, 2 usage or bad
input, 3 git or configuration error, 130 interrupted.
"""

from __future__ import annotations

import os
import sys

import click

from ai_rollback import __version__, checks, hook, report, tagging
from ai_rollback import config as project_config
from ai_rollback.entry import guarded
from ai_rollback.errors import CHECK_FAILED, OK, USAGE, UsageError
from ai_rollback.git.repo import open_repository, open_repository_fast
from ai_rollback.git.run import Git, check_rev_arg

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="ai-rollback")
def cli() -> None:
    """Make AI-written code safe to undo.

    Every commit subject starts with "AI:" or "Human:"; AI commits carry
    Generated-by, Prompt and Files trailers.  These commands check that
    convention (as git hooks, in CI) and set repositories up for it.

    \b
    Examples:
      ai-rollback install                 # plain git hooks in this repository
      ai-rollback init                    # config + .pre-commit-config.yaml entry
      ai-rollback check --range origin/main..HEAD
    """


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.argument("msg_file", required=False, metavar="[MSG_FILE]")
@click.option("--range", "range_", metavar="A..B", help="Check the existing commits of a range instead (CI).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--fix", is_flag=True, help="Rewrite MSG_FILE's trailers into the form git parses, in place.")
def check(msg_file: str | None, range_: str | None, fmt: str, fix: bool) -> int:
    """Check a commit message file against the convention and the staged change.

    This is the commit-msg hook.  Without MSG_FILE the message is read from
    standard input.  With --range, check commits that already exist.

    \b
    Examples:
      ai-rollback check .git/COMMIT_EDITMSG
      ai-rollback check --fix .git/COMMIT_EDITMSG
      ai-rollback check --range v2.1.0..HEAD --format json
    """
    if range_ is not None:
        if msg_file is not None or fix:
            raise UsageError("--range checks existing commits: give no MSG_FILE and no --fix")
        return _check_range(range_, fmt)
    if fix:
        if msg_file is None or msg_file == "-":
            raise UsageError("--fix rewrites a file in place: name the message file")
        _fix_file(msg_file)
    return hook.commit_msg(msg_file, fmt)


def _fix_file(path: str) -> None:
    from ai_rollback.fix import fix_trailers

    raw = hook.read_message(path)
    ctx = hook.load_context()
    fixed = fix_trailers(raw, hook.file_comment(raw, ctx.settings), ctx.settings.separators)
    if fixed != raw:
        hook.write_message(path, fixed)
        click.echo(f"ai-rollback: rewrote the trailers of {path}", err=True)


def _check_range(range_: str, fmt: str) -> int:
    repo = open_repository()
    settings = hook.git_settings(repo.paths())
    config = project_config.load(repo.root, os.path.join(repo.common_dir, "ai-rollback"))
    results = list(checks.check_revisions(repo.git, [range_], config, settings))
    report.emit(results, fmt)
    bad = sum(1 for r in results if not r.verdict.ok)
    if fmt == "text":
        click.echo(
            f"ai-rollback: {len(results)} commit{'s' if len(results) != 1 else ''} checked, "
            f"{bad} break{'s' if bad == 1 else ''} the convention",
            err=True,
        )
    return CHECK_FAILED if bad else OK


# --------------------------------------------------------------------------
# hooks
# --------------------------------------------------------------------------


@cli.command("prepare-commit-msg", context_settings=CONTEXT)
@click.argument("msg_file")
@click.argument("source", required=False)
@click.argument("object_name", required=False, metavar="[OBJECT]")
def prepare_commit_msg(msg_file: str, source: str | None, object_name: str | None) -> int:
    """The prepare-commit-msg hook.

    For a commit written in the editor, pre-fill a template listing the
    staged files.  For an "AI:" message given with -m, add Generated-by and
    Prompt from AI_ROLLBACK_MODEL / AI_ROLLBACK_PROMPT and Files from the
    staged paths.  Merges, amends, squashes and replays are left alone.

    \b
    Example (what git runs):
      ai-rollback prepare-commit-msg .git/COMMIT_EDITMSG message
    """
    return hook.prepare_commit_msg(msg_file, source or None, object_name or None)


def _report_push(results: Sequence[report.Checked], where: str) -> int:
    bad = [r for r in results if not r.verdict.ok]
    if not bad:
        return OK
    report.emit(bad, "text", sys.stderr)
    click.echo(
        f"ai-rollback: {len(bad)} of the {len(results)} commits {where} break the convention.\n"
        "  Fix them with `git rebase -i <base>` (reword) or `git commit --amend` for the last one, "
        "then push again.",
        err=True,
    )
    return CHECK_FAILED


@cli.command("pre-push", context_settings=CONTEXT)
@click.argument("remote", required=False)
@click.argument("url", required=False)
def pre_push(remote: str | None, url: str | None) -> int:
    """The pre-push hook: check every commit the remote does not have yet.

    As a plain git hook it reads the pushed refs on standard input; under
    pre-commit it uses pre-commit's PRE_COMMIT_* variables.

    \b
    Example (what git runs):
      ai-rollback pre-push origin git@example.com:team/app.git < refs
    """
    ctx = hook.load_context()
    git = Git(os.getcwd())
    revisions = checks.pre_commit_push_revisions(git, os.environ)
    if revisions is None:
        updates = checks.parse_ref_lines(checks.stdin_text(), 4)
        revisions = checks.push_revisions(git, updates, remote)
    else:
        local = os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "")
        updates = [
            [
                local,
                os.environ.get("PRE_COMMIT_TO_REF", ""),
                os.environ.get("PRE_COMMIT_REMOTE_BRANCH", local),
                "",
            ]
        ]
    results = checks.check_commits(git, revisions, ctx.config, ctx.settings)
    code = _report_push(results, "being pushed")
    return max(code, _release_tags_pushed(ctx, updates, remote or "origin"))


def _release_tags_pushed(ctx: hook.Context, updates: Sequence[Sequence[str]], remote: str) -> int:
    """Warn (or block) when a release tag with AI commits goes out without its AI tag."""
    mode = str(ctx.config.table("tag").get("push-check") or "warn")
    tags = [
        u[2].removeprefix("refs/tags/")
        for u in updates
        if len(u) == 4 and u[2].startswith("refs/tags/") and u[1] and not checks.is_zero(u[1])
    ]
    if mode == "off" or not tags:
        return OK
    repo = open_repository_fast()
    tagger = tagging.Tagger(repo, ctx.config, ctx.settings)
    pushed = set(tags)
    problems = []
    for name in tags:
        if not tagger.is_release(name) or tagger.previous_release(name) is None:
            continue
        the_plan = tagger.plan(name, name, None)
        if not the_plan.ai_commits:
            continue
        if not the_plan.ai_tag_exists:
            problems.append(
                f"{name} carries {len(the_plan.ai_commits)} AI commits but has no AI tag: "
                f"run `ai-rollback tag {name}` and push it too"
            )
        elif the_plan.ai_tag_exists not in pushed:
            problems.append(
                f"{name} goes out without its AI tag {the_plan.ai_tag_exists}: "
                f"git push {remote} {the_plan.ai_tag_exists}"
            )
    for problem in problems:
        click.echo(f"ai-rollback: {'error' if mode == 'block' else 'warning'}: {problem}", err=True)
    return CHECK_FAILED if problems and mode == "block" else OK


@cli.command("pre-receive", context_settings=CONTEXT)
def pre_receive() -> int:
    """Server-side hook: check every commit a push brings.

    Client hooks can be skipped with --no-verify; this one runs on the
    server.  On a bare repository the configuration is read from
    .ai-rollback.toml in the repository directory.

    \b
    Example (in the server repository):
      ai-rollback install --hook pre-receive
    """
    ctx = hook.load_context()
    git = checks.server_git()
    updates = checks.parse_ref_lines(checks.stdin_text(), 3)
    results = checks.check_commits(git, checks.receive_revisions(git, updates), ctx.config, ctx.settings)
    return _report_push(results, "pushed")


# --------------------------------------------------------------------------
# set-up
# --------------------------------------------------------------------------


@cli.command(context_settings=CONTEXT)
@click.option(
    "--hook",
    "hooks",
    multiple=True,
    metavar="NAME",
    help="Hook to install (repeatable): commit-msg, prepare-commit-msg, pre-push, pre-receive, "
    "reference-transaction. Default: the first three.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace a hook ai-rollback did not write (it is kept as NAME.pre-ai-rollback).",
)
def install(hooks: tuple[str, ...], force: bool) -> int:
    """Install the plain git hooks (for repositories without pre-commit).

    Writes them where git looks (core.hooksPath, linked worktrees included).

    \b
    Examples:
      ai-rollback install
      ai-rollback install --hook pre-receive      # on a server repository
      ai-rollback install --hook reference-transaction   # AI tags for plain `git tag`
    """
    from ai_rollback import install as installer

    for line in installer.install(open_repository(), hooks, force):
        click.echo(line)
    return OK


@cli.command(context_settings=CONTEXT)
@click.option(
    "--hook",
    "hooks",
    multiple=True,
    metavar="NAME",
    help="Hook to remove (repeatable). Default: all of ours.",
)
def uninstall(hooks: tuple[str, ...]) -> int:
    """Remove the hooks ai-rollback installed (and restore the ones they replaced).

    \b
    Example:
      ai-rollback uninstall
    """
    from ai_rollback import install as installer

    done = installer.uninstall(open_repository(), hooks)
    for line in done or ["nothing to remove: no ai-rollback hooks are installed"]:
        click.echo(line)
    return OK


@cli.command(context_settings=CONTEXT)
@click.option("--repo-url", default=None, help="Repository URL for the pre-commit entry.")
@click.option("--rev", default=None, help=f"Revision for the pre-commit entry (default v{__version__}).")
def init(repo_url: str | None, rev: str | None) -> int:
    """Write a commented configuration and the .pre-commit-config.yaml entry.

    The configuration goes into pyproject.toml as [tool.ai-rollback] (or a
    new .ai-rollback.toml); nothing existing is overwritten.

    \b
    Example:
      ai-rollback init && pre-commit install
    """
    from ai_rollback import initcmd

    repo = open_repository()
    if repo.work_tree is None:
        raise UsageError("init needs a work tree; this repository is bare")
    done, snippet = initcmd.init(repo.work_tree, repo_url or initcmd.REPO_URL, rev)
    for line in done:
        click.echo(line)
    if snippet:
        click.echo("\nAdd under `repos:` in .pre-commit-config.yaml:\n\n" + snippet)
    return OK


@cli.command("config", context_settings=CONTEXT)
def show_config() -> int:
    """Print the effective configuration (as TOML) and where it comes from.

    \b
    Example:
      ai-rollback config
    """
    ctx = hook.load_context()
    click.echo(project_config.render(ctx.config), nl=False)
    return OK


# --------------------------------------------------------------------------
# tags and the history report
# --------------------------------------------------------------------------


def _tagger() -> tagging.Tagger:
    repo = open_repository_fast()
    settings = hook.git_settings(repo.paths())
    config = project_config.load(repo.root, os.path.join(repo.common_dir, "ai-rollback"))
    return tagging.Tagger(repo, config, settings)


@cli.command("tag", context_settings=CONTEXT)
@click.argument("version")
@click.option("--rev", default=None, metavar="REV", help="What to tag (default: HEAD, which must be clean).")
@click.option(
    "--slug", default=None, help="The AI tag's slug (default: from the AI commits' branch or subjects)."
)
@click.option(
    "--base",
    default=None,
    metavar="REV",
    help="Count from here instead of the previous release (for the first release).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be tagged; create nothing.")
def tag_command(version: str, rev: str | None, slug: str | None, base: str | None, dry_run: bool) -> int:
    """Tag a release and, when it carries AI commits, its AI tag VERSION-ai-SLUG.

    The range is the previous release (version order) to VERSION.  The AI
    tag's message lists every AI commit (sha, subject, model, prompt, files)
    and ends with trailers AI-Commits, AI-Models and AI-Range.  Running it
    again changes nothing.

    \b
    Examples:
      ai-rollback tag v2.3.0
      ai-rollback tag v2.3.0 --slug image-cache --dry-run
      ai-rollback tag v1.0.0 --base $(git rev-list --max-parents=0 HEAD)
    """
    from ai_rollback import render

    tagger = _tagger()
    the_plan = tagger.plan(version, rev, slug, base)
    message = render.render_file("ai-tag.j2", tagging.message_values(the_plan)) if the_plan.ai_tag else None
    count = len(the_plan.ai_commits)
    if dry_run:
        click.echo(
            f"{'exists' if the_plan.release_exists else 'would create'}: {version} -> {the_plan.commit[:10]}"
        )
        if the_plan.ai_tag_exists:
            click.echo(f"exists: {the_plan.ai_tag_exists} (AI tag)")
        elif the_plan.ai_tag:
            click.echo(
                f"would create: {the_plan.ai_tag} ({count} AI commit{'s' if count != 1 else ''} in "
                f"{the_plan.range})\n\n{message}"
            )
        else:
            click.echo(f"no AI tag: {the_plan.range} has no AI commits")
        return OK
    created = tagger.create(the_plan, message)
    for name in created:
        click.echo(f"created: {name}")
    if the_plan.ai_tag_exists:
        click.echo(f"exists: {the_plan.ai_tag_exists}")
    if not the_plan.ai_tag:
        click.echo(f"no AI tag: {the_plan.range} has no AI commits")
    if not created:
        click.echo("nothing to do: already tagged")
    elif the_plan.ai_tag in created:
        click.echo(f"push both: git push origin {version} {the_plan.ai_tag}")
    return OK


@cli.command("reference-transaction", context_settings=CONTEXT)
@click.argument("state")
def reference_transaction(state: str) -> int:
    """The reference-transaction hook: give a new release tag its AI tag.

    Runs after git committed the update; never fails it, ignores our own
    tags and everything that is not a release tag.

    \b
    Example (what git runs, with the updated refs on standard input):
      ai-rollback reference-transaction committed
    """
    if state != "committed" or os.environ.get(tagging.TAGGING_ENV):
        return OK
    try:
        updates = checks.parse_ref_lines(checks.stdin_text(), 3)
        names = [
            ref.removeprefix("refs/tags/")
            for _old, new, ref in updates
            if ref.startswith("refs/tags/") and not checks.is_zero(new)
        ]
        if not names:
            return OK
        tagger = _tagger()
        from ai_rollback import render

        for name in names:
            if not tagger.is_release(name) or tagger.ai_tags_of(name):
                continue
            if tagger.previous_release(name) is None:
                click.echo(
                    f"ai-rollback: {name} is the first release; for its AI tag run "
                    f"ai-rollback tag {name} --base <first commit>",
                    err=True,
                )
                continue
            the_plan = tagger.plan(name, name, None)
            if the_plan.ai_tag and not the_plan.ai_tag_exists:
                message = render.render_file("ai-tag.j2", tagging.message_values(the_plan))
                tagger.create(the_plan, message)
                click.echo(
                    f"ai-rollback: tagged {the_plan.ai_tag} ({len(the_plan.ai_commits)} AI commits "
                    f"in {the_plan.range})",
                    err=True,
                )
    except Exception as exc:  # a hook that must never get in the way of the user's tag
        click.echo(f"ai-rollback: no AI tag created: {exc}", err=True)
    return OK


@cli.command("log", context_settings=CONTEXT)
@click.argument("range_", metavar="[RANGE]", required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True
)
@click.option("--by", "by", type=click.Choice(["release"]), default=None, help="Split the report by release.")
@click.option(
    "--lines",
    "with_lines",
    is_flag=True,
    help="Also count changed lines (AI share of lines); reads every commit's diff, so it is slower.",
)
def log_command(range_: str | None, fmt: str, by: str | None, with_lines: bool) -> int:
    """Report AI and human commits: kind, model, files; shares per model and release.

    \b
    Examples:
      ai-rollback log v2.2.0..v2.3.0
      ai-rollback log --by release --format markdown > AI-REPORT.md
      ai-rollback log v0..HEAD --format json --lines
    """
    from ai_rollback import aihistory, classify

    tagger = _tagger()
    git = tagger.git
    text = range_ or "HEAD"
    check_rev_arg(text, "range")
    code, out, _ = git.run_full(
        "rev-parse", "--revs-only", "--end-of-options", *text.split(), "--", check=False
    )
    revs = out.decode().split()
    if code != 0 or not revs:
        raise UsageError(
            f"unknown revision or range {text!r}", hint="check the names with `git log --oneline -5`"
        )
    positives = [r for r in revs if not r.startswith("^")]
    negatives = [r[1:] for r in revs if r.startswith("^")]
    releases: list[str] = []
    if by == "release":
        merged = [r for p in positives for r in tagger.releases(merged_into=p)]
        releases = sorted(set(merged), key=tagging.version_key)
    parts = aihistory.segments(text.split(), positives, negatives, releases, by == "release")
    reader = aihistory.Reader(git, classify.detection_from(tagger.config), tagger.settings)
    aihistory.write_report(reader, parts, fmt, sys.stdout, range_text=text, with_lines=with_lines)
    return OK


# --------------------------------------------------------------------------
# watch
# --------------------------------------------------------------------------


@cli.command("watch", context_settings=CONTEXT)
@click.argument("tag")
@click.option(
    "--for", "for_", default="30m", show_default=True, metavar="DURATION", help="How long to watch."
)
@click.option("--every", default="60s", show_default=True, metavar="INTERVAL", help="Time between polls.")
@click.option("--prometheus", metavar="URL", help="Read the metrics from this Prometheus (HTTP API).")
@click.option(
    "--metrics-command", metavar="CMD", help='Read them from a command printing {"error-rate": ..., ...}.'
)
@click.option("--error-rate", type=float, help="Threshold (default 0.05, or the configured one).")
@click.option("--response-time-ms", type=float, help="Threshold (default 2000).")
@click.option("--memory-usage", type=float, help="Threshold (default 0.85).")
@click.option("--breaches", type=click.IntRange(min=1), help="Consecutive breached polls before acting (2).")
@click.option(
    "--blind-after",
    type=click.IntRange(min=1),
    help="Unreadable polls in a row before giving up, exit 3 (default: the --breaches count).",
)
@click.option("--rollback-command", metavar="CMD", help="Run on a confirmed breach (split, never a shell).")
@click.option(
    "--revert", is_flag=True, help="On a confirmed breach, ai-revert TAG's AI commits (--incident)."
)
@click.option("--alert-webhook", metavar="URL", help="POST a JSON alert (Slack-compatible 'text').")
@click.option("--alert-command", metavar="CMD", help="Run with the JSON alert on standard input.")
@click.option(
    "--timeout", default="10s", show_default=True, metavar="DURATION", help="For each read and each alert."
)
@click.option("--dry-run", is_flag=True, help="Watch and report what would be done; do nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def watch_command(
    tag: str,
    for_: str,
    every: str,
    prometheus: str | None,
    metrics_command: str | None,
    error_rate: float | None,
    response_time_ms: float | None,
    memory_usage: float | None,
    breaches: int | None,
    blind_after: int | None,
    rollback_command: str | None,
    revert: bool,
    alert_webhook: str | None,
    alert_command: str | None,
    timeout: str,
    dry_run: bool,
    fmt: str,
) -> int:
    """Watch a release's health; roll it back when a threshold breach holds.

    Polls the metrics every INTERVAL for DURATION.  When one metric stays
    above its threshold for --breaches polls in a row, runs the actions in
    order (--rollback-command, --revert, then the alerts) and exits 1, or 4
    if the rollback failed.  Exits 0 when the period passes healthy, 3 when
    the metrics cannot be read (it alerts, and rolls nothing back).

    \b
    Examples:
      ai-rollback watch v2.3.0 --prometheus http://prometheus:9090 --alert-webhook "$SLACK_URL" \\
          --rollback-command 'kubectl rollout undo deployment/app'
      ai-rollback watch v2.3.0 --for 10m --every 15s --metrics-command ./health.sh --revert
    """
    from ai_rollback import watch

    if (prometheus is None) == (metrics_command is None):
        raise UsageError("give exactly one metrics source", hint="--prometheus URL or --metrics-command CMD")
    tagger = _tagger()
    if tagger.tag_target(tag) is None:
        raise UsageError(f"no tag {tag!r} in this repository", hint="list them with: git tag --list")
    table = tagger.config.table("watch")
    given = {"error-rate": error_rate, "response-time-ms": response_time_ms, "memory-usage": memory_usage}
    thresholds = {}
    for metric in watch.METRICS:
        value = given[metric]
        thresholds[metric] = float(value if value is not None else table[metric])  # type: ignore[arg-type]
        if not thresholds[metric] >= 0:
            raise UsageError(f"--{metric} must be a number, at least 0")
    needed = breaches or int(table["breaches"])  # type: ignore[call-overload]
    read_timeout = watch.parse_duration(timeout, "--timeout")
    plan = watch.Plan(
        rollback_command=_command(rollback_command, "--rollback-command"),
        revert_tag=_revert_tag(tagger, tag) if revert else None,
        webhook=watch.checked_url(alert_webhook, "--alert-webhook") if alert_webhook is not None else None,
        alert_command=_command(alert_command, "--alert-command"),
        repo_root=tagger.repo.root,
        timeout=read_timeout,
        dry_run=dry_run,
    )
    source: watch.Source
    if prometheus is not None:
        queries = table["queries"]
        source = watch.PrometheusSource(prometheus, queries, read_timeout)  # type: ignore[arg-type]
    else:
        source = watch.CommandSource(
            watch.split_command(str(metrics_command), "--metrics-command"), read_timeout
        )
    duration, interval = watch.parse_duration(for_, "--for"), watch.parse_duration(every, "--every")
    polls = watch.planned_polls(duration, interval)
    if needed > polls:
        raise UsageError(
            f"a breach must hold for {needed} polls, but --for {for_} --every {every} makes {polls}",
            hint="watch longer, poll more often, or lower --breaches",
        )
    options = watch.Options(
        tag=tag,
        duration=duration,
        interval=interval,
        thresholds=thresholds,
        breaches=needed,
        blind_after=blind_after or needed,
        plan=plan,
        fmt=fmt,
    )
    return watch.run(options, source, click.echo)


def _command(text: str | None, what: str) -> list[str] | None:
    from ai_rollback import watch

    return watch.split_command(text, what) if text is not None else None


def _revert_tag(tagger: tagging.Tagger, tag: str) -> str:
    """The AI tag --revert will use: TAG itself, or the AI tag of the release TAG; checked now."""
    for name in [tag, *tagger.ai_tags_of(tag)]:
        try:
            tagger.recorded_range(name)
        except UsageError:
            continue
        return name
    raise UsageError(
        f"{tag} has no AI tag recording a range: --revert would have nothing to revert",
        hint=f"create it with: ai-rollback tag {tag}, or drop --revert",
    )


# --------------------------------------------------------------------------
# revert
# --------------------------------------------------------------------------

REVERT_HELP = """Revert the AI commits of RANGE, keep the human ones; all or nothing.

RANGE is any revision range git accepts, e.g. v2.1.0..HEAD.  ai-revert
classifies every commit (our convention and the marks other AI tools leave),
plans which commits to revert (newest first) and which human commits are
entangled with them, asks for confirmation on a terminal, then builds the
revert commits without touching your work tree and moves the branch once.
On any conflict, failure or Ctrl-C the repository stays exactly as it was.

\b
Examples:
  ai-revert v2.1.0..HEAD --dry-run
  ai-revert v2.1.0..HEAD --entangled skip --yes
  ai-revert v2.1.0..HEAD --model 'gpt-*' --path src/ --incident
"""


def _revert_options(f: click.decorators.FC) -> click.decorators.FC:
    decorators = [
        click.argument("range_", metavar="[RANGE]", required=False),
        click.option("--tag", "from_tag", metavar="TAG", help="Use the range an AI tag records."),
        click.option("--dry-run", is_flag=True, help="Print the plan and change nothing."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json"]),
            default="text",
            show_default=True,
        ),
        click.option(
            "--entangled",
            type=click.Choice(["stop", "skip", "include"]),
            default=None,
            help="What to do with AI commits later commits depend on (default: stop, or the "
            "configured [tool.ai-rollback.revert] entangled).",
        ),
        click.option(
            "--only",
            type=click.Choice(["ai", "human"]),
            default="ai",
            show_default=True,
            help="Revert the AI commits (default) or, the other way round, the human ones.",
        ),
        click.option(
            "--model",
            metavar="GLOB",
            help="Only revert AI commits whose model matches (e.g. 'gpt-*').",
        ),
        click.option(
            "--path",
            "paths",
            multiple=True,
            metavar="PATHSPEC",
            help="Only revert commits that change these paths (repeatable).",
        ),
        click.option("--squash", is_flag=True, help="One revert commit for all of them."),
        click.option("--no-commit", is_flag=True, help="Stage the combined revert; commit it yourself."),
        click.option(
            "--yes",
            "-y",
            is_flag=True,
            help="Do not ask for confirmation (needed without a terminal).",
        ),
        click.option("--incident", is_flag=True, help="Also tag the result incident-YYYYMMDD-HHMM (UTC)."),
    ]
    for decorator in reversed(decorators):
        f = decorator(f)
    return f


def _revert(
    range_: str | None,
    from_tag: str | None,
    dry_run: bool,
    fmt: str,
    entangled: str | None,
    only: str,
    model: str | None,
    paths: tuple[str, ...],
    squash: bool,
    no_commit: bool,
    yes: bool,
    incident: bool,
) -> int:
    from ai_rollback import revert

    if squash and no_commit:
        raise UsageError("--squash and --no-commit do not go together (--no-commit is always one change)")
    if no_commit and incident:
        raise UsageError("--incident tags a commit; with --no-commit there is none yet")
    repo = open_repository_fast()
    settings = hook.git_settings(repo.paths())
    config = project_config.load(repo.root, os.path.join(repo.common_dir, "ai-rollback"))
    if range_ is not None and from_tag is not None:
        raise UsageError("give a RANGE or --tag, not both")
    if range_ is None:
        range_ = _default_range(tagging.Tagger(repo, config, settings), from_tag)
    policy = entangled or str(config.table("revert").get("entangled") or "stop")
    options = revert.Options(
        range=range_,
        only=only,
        model=model,
        paths=paths,
        entangled=policy,
        dry_run=dry_run,
        squash=squash,
        no_commit=no_commit,
        incident=incident,
    )
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if not dry_run and not yes and not interactive:
        confirm = _refuse_without_terminal
    elif not dry_run and not yes:
        confirm = _ask
    else:
        confirm = None
    runner = revert.Runner(repo, config, settings, confirm=confirm, progress=revert.progress_printer())
    try:
        outcome = runner.run(options)
    except revert.Entanglement:
        if fmt == "json":
            revert.write_plan_json(runner.last_plan, sys.stdout)
        else:
            click.echo(revert.plan_text(runner.last_plan), err=True, nl=False)
        raise
    if outcome.recovered:
        click.echo(f"ai-revert: {outcome.recovered}", err=True)
    if fmt == "json":
        extra: dict[str, object] = {}
        if not dry_run:
            extra["result"] = {
                "branch": outcome.branch.removeprefix("refs/heads/"),
                "old": outcome.old,
                "new": outcome.new or None,
                "created": outcome.created,
                "incident_tag": outcome.incident_tag,
                "staged": bool(no_commit and outcome.plan.to_revert),
            }
        revert.write_plan_json(outcome.plan, sys.stdout, extra)
    else:
        if dry_run:
            click.echo(revert.plan_text(outcome.plan), nl=False)
        else:
            click.echo(revert.summary(outcome, no_commit), nl=False)
    if dry_run and outcome.plan.refused:
        return CHECK_FAILED
    return OK


def _default_range(tagger: tagging.Tagger, from_tag: str | None) -> str:
    """--tag TAG: the range TAG records; no RANGE: the newest AI tag's range, through HEAD."""
    if from_tag is not None:
        recorded = tagger.recorded_range(from_tag)
        click.echo(f"ai-revert: using {recorded}, the range {from_tag} records", err=True)
        return recorded
    newest = tagger.newest_ai_tag()
    if newest is None:
        raise UsageError(
            "no RANGE given and no AI tag to take one from",
            hint="name the range, e.g. ai-revert v2.1.0..HEAD",
        )
    recorded = tagger.recorded_range(newest)
    chosen = recorded.split("..", 1)[0] + "..HEAD"
    click.echo(
        f"ai-revert: no range given; using {chosen} (from {newest}, which records {recorded})", err=True
    )
    return chosen


def _refuse_without_terminal(the_plan: object) -> bool:
    raise UsageError(
        "ai-revert changes history and there is no terminal to confirm on",
        hint="review it with --dry-run, then run it again with --yes",
    )


def _ask(the_plan: object) -> bool:
    from ai_rollback import revert

    click.echo(revert.plan_text(the_plan), nl=False)  # type: ignore[arg-type]
    answer = click.prompt("Confirm rollback? (yes/no)", default="", show_default=False, err=False)
    return answer.strip().lower() in ("yes", "y")


@cli.command("revert", context_settings=CONTEXT, help=REVERT_HELP)
@_revert_options
def revert_command(**kwargs: object) -> int:
    return _revert(**kwargs)  # type: ignore[arg-type]


@click.command("ai-revert", context_settings=CONTEXT, help=REVERT_HELP)
@click.version_option(__version__, "-V", "--version", prog_name="ai-revert")
@_revert_options
def ai_revert(**kwargs: object) -> int:
    return _revert(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------


def _run_click(group: click.Command, args: Sequence[str], prog: str) -> int:
    try:
        result = group.main(args=list(args), prog_name=prog, standalone_mode=False)
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            click.echo(exc.ctx.get_help(), err=True)  # bare `ai-rollback`: the help, on stderr
        else:
            exc.show()
        return USAGE
    except click.exceptions.Abort:
        click.echo("Aborted; nothing was changed.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return result if isinstance(result, int) else OK


def main(args: Sequence[str]) -> int:
    return guarded(lambda: _run_click(cli, args, "ai-rollback"))


def revert_main(args: Sequence[str]) -> int:
    return guarded(lambda: _run_click(ai_revert, args, "ai-revert"))
