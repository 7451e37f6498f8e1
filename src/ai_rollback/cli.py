"""The click application: declares the commands and their options, and calls ``commands/``.

Exit codes (README "Exit codes"): 0 ok, 1 check failed, 2 usage or bad
input, 3 git or configuration error, 130 interrupted.
"""

from __future__ import annotations

import sys

import click

from ai_rollback import __version__, hook
from ai_rollback.errors import OK, USAGE, UsageError
from ai_rollback.guard import guarded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ai_rollback import plan


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _ReaderGone(Exception):
    """stdout's reader went away (``| head``), carried past click: click would make a
    ``BrokenPipeError`` exit 1 (the "check failed" code); ``guarded`` makes it exit 0."""


#: the commands whose output is their whole result: a reader that has seen enough is no failure
#: (a check's exit code is its verdict: there a broken pipe stays click's exit 1)
REPORTS = ("log", "releases")


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            if ctx.invoked_subcommand in REPORTS:
                raise _ReaderGone from exc
            raise


@click.group(cls=_Group, context_settings=CONTEXT)
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


@cli.command(context_settings=CONTEXT)
@click.argument("msg_file", required=False, metavar="[MSG_FILE]")
@click.option("--range", "range_", metavar="A..B", help="Check the existing commits of a range instead (CI).")
@click.option(
    "--ci",
    is_flag=True,
    help="Check the commits of this CI run: the pull/merge request's, or the push's (GitHub, GitLab).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="Output format (github: annotations, and a summary into $GITHUB_STEP_SUMMARY).",
)
@click.option("--fix", is_flag=True, help="Rewrite MSG_FILE's trailers into the form git parses, in place.")
def check(msg_file: str | None, range_: str | None, ci: bool, fmt: str, fix: bool) -> int:
    """Check a commit message file against the convention and the staged change.

    This is the commit-msg hook.  Without MSG_FILE the message is read from
    standard input.  With --range, check commits that already exist.

    \b
    Examples:
      ai-rollback check .git/COMMIT_EDITMSG
      ai-rollback check --fix .git/COMMIT_EDITMSG
      ai-rollback check --range v2.1.0..HEAD --format json
      ai-rollback check --ci          # in GitHub Actions or GitLab CI
    """
    from ai_rollback.commands import check as command

    if range_ is not None or ci:
        if msg_file is not None or fix or (range_ is not None and ci):
            raise UsageError("--range and --ci check existing commits: give one, no MSG_FILE and no --fix")
        return command.check_range(range_, fmt, ci)
    if fmt == "github":
        raise UsageError("--format github reports on existing commits: use it with --range or --ci")
    return command.check(msg_file, fmt, fix)


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
    from ai_rollback.commands import push as command

    return command.pre_push(remote, url)


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
    from ai_rollback.commands import push as command

    return command.pre_receive()


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
    from ai_rollback.commands import install as command

    return command.install(hooks, force)


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
    from ai_rollback.commands import install as command

    return command.uninstall(hooks)


@cli.command(context_settings=CONTEXT)
@click.option(
    "--repo-url", default=None, help="Repository URL for the pre-commit entry (default: the clone's remote)."
)
@click.option(
    "--rev",
    default=None,
    help="Revision for the pre-commit entry (default: the commit of the ai-rollback installed, when known).",
)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    type=click.Choice(["claude-code", "cursor", "gemini-cli"]),
    help="Also set up this agent's hooks (its prompts and the files it writes) and instruction file.",
)
def init(repo_url: str | None, rev: str | None, agents: tuple[str, ...]) -> int:
    """Write a commented configuration and the .pre-commit-config.yaml entry.

    The configuration goes into pyproject.toml as [tool.ai-rollback] (or a
    new .ai-rollback.toml); nothing existing is overwritten.  rev: is the
    commit of the ai-rollback clone it was installed from; when that is not
    known it is a placeholder that init tells you to fill in.  In a repository
    with history, enforce-from records HEAD: hooks and check --range judge
    only the commits made after it.  --agent claude-code (or cursor) adds
    the agent's prompt and edit hooks and a section on the convention to
    its instruction file (CLAUDE.md, AGENTS.md), merged into what is there.

    \b
    Example:
      ai-rollback init && pre-commit install
    """
    from ai_rollback.commands import init as command

    return command.init(repo_url, rev, agents)


@cli.command("agent-hook", context_settings=CONTEXT)
@click.argument("event", metavar="prompt|edit")
@click.option("--agent", default="", metavar="claude-code|cursor|gemini-cli")
def agent_hook(event: str, agent: str) -> int:
    """What an agent's hook runs: keep its prompt, or the file it wrote (JSON on standard input).

    `ai-rollback init --agent NAME` writes these into the agent's hook file.
    Always exits 0: a failure is said on stderr and never stops the agent.

    \b
    Example (Claude Code's UserPromptSubmit hook):
      echo '{"cwd": ".", "prompt": "add a cache"}' | ai-rollback agent-hook prompt --agent claude-code
    """
    from ai_rollback.commands import agent as command

    return command.agent_hook(event, agent)


@cli.command("config", context_settings=CONTEXT)
def show_config() -> int:
    """Print the effective configuration (as TOML) and where it comes from.

    \b
    Example:
      ai-rollback config
    """
    from ai_rollback.commands import config as command

    return command.show_config()


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
    from ai_rollback.commands import tag as command

    return command.tag(version, rev, slug, base, dry_run)


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
    from ai_rollback.commands import reftx as command

    return command.reference_transaction(state)


@cli.command("squash-message", context_settings=CONTEXT)
@click.argument("range_", metavar="RANGE")
@click.option(
    "--title", metavar="TEXT", help="The squash's subject (the pull request's title), without a label."
)
def squash_message_command(range_: str, title: str | None) -> int:
    """Print a squash message for RANGE that keeps each commit's attribution.

    One section per commit (GitHub's squash layout: "* subject", then its body
    and trailers), then a trailer block git reads: each model, the union of the
    AI Files, the squashed commits.  A squash of AI and human commits is refused
    unless squash = "allow-mixed" is configured.

    \b
    Examples:
      ai-rollback squash-message main..topic --title "Add the cache (#12)"
      git merge --squash topic && git commit   # prepare-commit-msg writes it
    """
    from ai_rollback.commands import squash as command

    return command.squash_message(range_, title)


@cli.command("log", context_settings=CONTEXT)
@click.argument("range_", metavar="[RANGE]", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown", "github", "html", "agent-trace"]),
    default="table",
    show_default=True,
    help="github: the markdown report into $GITHUB_STEP_SUMMARY, and a notice with the counts; "
    "html: one self-contained page, by release; agent-trace: Agent Trace records, JSON lines.",
)
@click.option("--ci", is_flag=True, help="Report on the commits of this CI run (pull/merge request, push).")
@click.option("--by", "by", type=click.Choice(["release"]), default=None, help="Split the report by release.")
@click.option(
    "--lines",
    "with_lines",
    is_flag=True,
    help="Also count changed lines (AI share of lines); reads every commit's diff, so it is slower.",
)
def log_command(range_: str | None, fmt: str, ci: bool, by: str | None, with_lines: bool) -> int:
    """Report AI and human commits: kind, model, files; shares per model and release.

    \b
    Examples:
      ai-rollback log v2.2.0..v2.3.0
      ai-rollback log --by release --format markdown > AI-REPORT.md
      ai-rollback log v0..HEAD --format json --lines
      ai-rollback log --format html > ai-report.html
      ai-rollback log v2.0.0..v2.1.0 --format agent-trace > traces.jsonl
    """
    from ai_rollback.commands import log as command

    if ci and range_ is not None:
        raise UsageError("--ci reports on the CI run's commits: give no RANGE with it")
    return command.log(range_, fmt, by == "release", with_lines, ci=ci)


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
@click.option(
    "--disable-flags",
    is_flag=True,
    help="On a confirmed breach, first switch off the release's AI feature flags; roll back only if "
    "the breach then holds again.",
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
    disable_flags: bool,
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
    if the rollback failed; with --disable-flags, first only the release's
    AI flags are switched off, and the rollback follows if the breach holds
    again.  Exits 0 when the period passes healthy (recorded as the tag
    ai-rollback/healthy/TAG), 3 when the metrics cannot be read (it alerts,
    and rolls nothing back).  Commands may use {tag}, {previous_tag}, {ai_tag}.

    \b
    Examples:
      ai-rollback watch v2.3.0 --prometheus http://prometheus:9090 --alert-webhook "$SLACK_URL" \\
          --rollback-command 'kubectl rollout undo deployment/app'
      ai-rollback watch v2.3.0 --for 10m --every 15s --metrics-command ./health.sh --revert
    """
    from ai_rollback.commands import watch as command

    return command.run_watch(
        tag,
        duration=for_,
        every=every,
        prometheus=prometheus,
        metrics_command=metrics_command,
        thresholds={
            "error-rate": error_rate,
            "response-time-ms": response_time_ms,
            "memory-usage": memory_usage,
        },
        breaches=breaches,
        blind_after=blind_after,
        rollback_command=rollback_command,
        revert=revert,
        disable_flags=disable_flags,
        alert_webhook=alert_webhook,
        alert_command=alert_command,
        timeout=timeout,
        dry_run=dry_run,
        fmt=fmt,
        emit=click.echo,
    )


@cli.command("releases", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def releases_command(fmt: str) -> int:
    """List the releases: AI tag, AI share, stable or rolled back, and the previous stable one.

    A release is stable once a watch period passed healthy, rolled back once
    `watch` or `rollback` rolled it back; both are recorded as tags under
    ai-rollback/, which git fetch brings to every clone.

    \b
    Examples:
      ai-rollback releases
      ai-rollback releases --format json
    """
    from ai_rollback.commands import releases as command

    return command.releases_command(fmt)


@cli.command("rollback", context_settings=CONTEXT)
@click.argument("tag", required=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a terminal).")
@click.option("--dry-run", is_flag=True, help="Say what would be run and tagged; do nothing.")
@click.option("--revert", is_flag=True, help="Also ai-revert the release's AI commits (its AI tag).")
@click.option(
    "--command", "command_", metavar="CMD", help="The rollback command (default: [deploy] rollback-command)."
)
@click.option(
    "--timeout", metavar="DURATION", help="How long the command may run (default: [deploy] timeout, 10m)."
)
@click.option(
    "--alert-webhook",
    metavar="URL",
    envvar="AI_ROLLBACK_ALERT_WEBHOOK",
    help="POST a JSON alert (Slack-compatible 'text'); also $AI_ROLLBACK_ALERT_WEBHOOK.",
)
@click.option("--alert-command", metavar="CMD", help="Run with the JSON alert on standard input.")
def rollback_command(
    tag: str | None,
    yes: bool,
    dry_run: bool,
    revert: bool,
    command_: str | None,
    timeout: str | None,
    alert_webhook: str | None,
    alert_command: str | None,
) -> int:
    """Emergency rollback of TAG (default: the release running now) to the previous stable release.

    Prints both releases and the command, asks "Confirm rollback? (yes/no)",
    runs [tool.ai-rollback.deploy] rollback-command (placeholders {tag},
    {previous_tag}, {ai_tag}, {incident_tag}, per argument, never a shell;
    also $AI_ROLLBACK_TAG...), then tags incident-YYYYMMDD-HHMM and records
    the rollback.  Exits 0 when rolled back, 1 when cancelled, 4 when the
    command failed (no tag is created).

    \b
    Examples:
      ai-rollback rollback --dry-run
      ai-rollback rollback v2.1.0 --yes --revert
    """
    from ai_rollback.commands import rollback as command

    return command.rollback(
        tag,
        command=command_,
        yes=yes,
        dry_run=dry_run,
        revert=revert,
        alert_webhook=alert_webhook,
        alert_command=alert_command,
        timeout=timeout,
    )


@cli.group("flags", context_settings=CONTEXT)
def flags_group() -> None:
    """Switch AI features' feature flags off (or on again) without a rollback.

    The flags live in flagd's flag file ([tool.ai-rollback.flags] file), or
    behind a flag service's command ([flags] command).  An AI commit names the
    flags guarding its code with Feature-flag: KEY trailers; --tag TAG switches
    every flag of that release's AI commits.

    \b
    Examples:
      ai-rollback flags off ai_image_optimization
      ai-rollback flags off --tag v2.1.0
      ai-rollback flags on ai_image_optimization
    """


def _flag_switch(state: str) -> click.Command:
    @click.argument("keys", nargs=-1, metavar="[KEY]...")
    @click.option("--tag", metavar="TAG", help="Also every flag of this release's AI commits (its AI tag).")
    def command(keys: tuple[str, ...], tag: str | None) -> int:
        from ai_rollback.commands import flags as flags_module

        return flags_module.flags_command(state, keys, tag)

    command.__doc__ = (
        f"Switch flags {state}: flagd's state becomes {'DISABLED' if state == 'off' else 'ENABLED'}.\n\n"
        f"\b\nExamples:\n  ai-rollback flags {state} ai_image_optimization\n"
        f"  ai-rollback flags {state} --tag v2.1.0\n"
    )
    return flags_group.command(state, context_settings=CONTEXT)(command)


_flag_switch("off")
_flag_switch("on")


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
    from ai_rollback.commands import revert

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if yes:
        confirm = None
    elif interactive:
        confirm = _ask
    else:
        confirm = revert.refuse_without_terminal
    return revert.run_revert(
        range_,
        from_tag=from_tag,
        dry_run=dry_run,
        fmt=fmt,
        entangled=entangled,
        only=only,
        model=model,
        paths=paths,
        squash=squash,
        no_commit=no_commit,
        incident=incident,
        confirm=confirm,
    )


def _ask(the_plan: plan.Plan) -> bool:
    from ai_rollback import revert

    click.echo(revert.plan_text(the_plan), nl=False)
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


def _run_click(group: click.Command, args: Sequence[str], prog: str) -> int:
    try:
        result = group.main(args=list(args), prog_name=prog, standalone_mode=False)
    except _ReaderGone as exc:
        raise exc.__cause__ from None  # type: ignore[misc]  # a BrokenPipeError: guarded() says 0
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
