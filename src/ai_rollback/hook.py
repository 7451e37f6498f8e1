"""The hook path: commit-msg and prepare-commit-msg, without click, jinja2 or GitPython.

The commit-msg hook runs on every commit.  It reads the message file, the
git settings that decide how git will store and parse it (``gitconfig``, no
git call), the project configuration (cached), and spends at most one git
call: the staged paths, and only for an AI commit whose ``Files:`` must match.

prepare-commit-msg renders a template only for an editor commit (that is the
one place jinja2 is imported), and fills an ``AI:`` ``-m`` message's
trailers from ``AI_ROLLBACK_MODEL``/``AI_ROLLBACK_PROMPT`` and the staged
paths.
"""

from __future__ import annotations

import os
import sys

from ai_rollback import config as project_config
from ai_rollback import gitconfig, message, parsed, rules
from ai_rollback.errors import CHECK_FAILED, OK, GitError, UsageError
from ai_rollback.filelist import FILES_KEY, quote_path
from ai_rollback.git.run import EMPTY_TREE_SHA1, EMPTY_TREE_SHA256, config_regexp, spawn, staged_paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ai_rollback import gitcommit
    from ai_rollback.config import Config
    from ai_rollback.gitconfig import GitSettings, RepoPaths
    from ai_rollback.rules import Checked

MESSAGE_FILES = ("COMMIT_EDITMSG", "MERGE_MSG")
AMEND_FILE = "amend-base"


class Context:
    """Where we are and the settings that apply."""

    __slots__ = ("config", "paths", "settings")

    def __init__(self, paths: RepoPaths | None, settings: GitSettings, config: Config) -> None:
        self.paths = paths
        self.settings = settings
        self.config = config

    @property
    def state_dir(self) -> str | None:
        """Per-worktree scratch space in the git directory."""
        return os.path.join(self.paths.git_dir, "ai-rollback") if self.paths else None


def git_settings(paths: RepoPaths | None) -> GitSettings:
    try:
        return gitconfig.read_settings(paths)
    except gitconfig.Unsupported:
        pairs = gitconfig.parse_get_regexp_z(config_regexp(gitconfig.WANTED_REGEX))
        return gitconfig.settings_from_pairs(pairs)


def load_context(start: str | None = None) -> Context:
    paths = gitconfig.locate(start)
    settings = git_settings(paths)
    root = None if paths is None else paths.work_tree or start or os.getcwd()
    cache = os.path.join(paths.common_dir, "ai-rollback") if paths else None
    return Context(paths, settings, project_config.load(root, cache))


def read_message(path: str | None) -> str:
    """The message file's text (stdin for None or '-'), bytes kept with surrogateescape."""
    try:
        if path is None or path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as exc:
        raise UsageError(
            f"cannot read the message file {path!r}: {exc.strerror}",
            hint="pass the path git gives the commit-msg hook, e.g. .git/COMMIT_EDITMSG",
        ) from None
    return data.decode("utf-8", "surrogateescape")


def write_message(path: str, text: str) -> None:
    """Replace the message file's content in place (keeping its mode), atomically."""
    data = text.encode("utf-8", "surrogateescape")
    tmp = f"{path}.ai-rollback.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise UsageError(f"cannot write {path!r}: {exc.strerror}") from None


def uses_editor() -> bool:
    """git sets GIT_EDITOR=: for hooks when it will not start an editor (-m, -F, --no-edit)."""
    return os.environ.get("GIT_EDITOR") != ":"


def kind_hint(subject: str, trailers: Sequence[message.Trailer], config: Config) -> bool:
    """Will this be judged an AI commit?  (Decides whether the staged paths are needed.)"""
    if subject.startswith(config.human_label + ":"):
        return False
    return subject.startswith(config.ai_label + ":") or any(
        t.key_is(rules.MODEL_KEY) or t.key_is(rules.ASSISTED_KEY) for t in trailers
    )


def fix_hint(config: Config) -> str:
    """How to get what ``check --fix`` does, where the user is (pre-commit sets PRE_COMMIT=1)."""
    if config.fix:
        return "with fix = true the hook repairs it once nothing else is wrong"
    if os.environ.get("PRE_COMMIT") == "1":
        return "`fix = true` in the ai-rollback configuration makes this hook repair it in place"
    return (
        "`ai-rollback check --fix FILE` does it (or `fix = true` in the configuration: the hook repairs it)"
    )


def judge_text(
    raw: str,
    ctx: Context,
    *,
    editor: bool,
    is_merge: bool = False,
    changed: Callable[[], list[str]] | None = None,
    amended: Callable[[], list[str] | None] | None = None,
    location: str = "<message>",
) -> Checked | None:
    """Judge a message file's text; None when it is empty after cleanup (git aborts)."""
    msg = parsed.from_file(raw, ctx.settings, editor)
    if msg.is_empty():
        return None
    paths = None
    if (
        changed is not None
        and msg.nul_line is None
        and not is_merge
        and ctx.config.files_match != "off"
        and any(t.key_is(FILES_KEY) for t in msg.trailers)
        and kind_hint(msg.subject, msg.trailers, ctx.config)
    ):
        paths = changed()
    hints = rules.Hints(editor, fix_hint(ctx.config))
    verdict = rules.judge(msg, ctx.config, paths, is_merge=is_merge, hints=hints)
    if amended is not None and any(v.rule == "files-mismatch" for v in verdict.violations):
        # The hook is not told about `commit --amend -m`: judged against HEAD's parent,
        # the message may be right after all.  (Pushes are checked exactly.)
        other = amended()
        if other is not None:
            retry = rules.judge(msg, ctx.config, other, is_merge=is_merge, hints=hints)
            if not any(v.rule == "files-mismatch" for v in retry.violations):
                verdict = retry
    if not is_merge and "\nSquashed-commits: " in msg.text:
        from ai_rollback import squash

        if squash.is_squash_message(msg.text):
            staged = changed() if changed is not None else None
            verdict = squash.judge_squash(
                verdict,
                msg,
                ctx.config,
                ctx.settings,
                staged,
                lambda: rules.judge(msg, ctx.config, None, hints=hints),
            )
    verdict.trailers = msg.trailers_in_file()
    return rules.Checked(verdict, location, None, msg.raw_line)


class CommitKind:
    """What prepare-commit-msg learnt about the commit being made (``amend-base`` file).

    ``known``: whether it is known at all (no prepare-commit-msg hook: not);
    ``base``: the commit an amend is made on (its diff is the commit's change);
    ``merge``: the amended commit is a merge.
    """

    __slots__ = ("base", "known", "merge")

    def __init__(self, known: bool = False, base: str | None = None, merge: bool = False) -> None:
        self.known = known
        self.base = base
        self.merge = merge


def commit_kind(ctx: Context) -> CommitKind:
    """Read what prepare-commit-msg recorded for this commit (if it is about the current HEAD)."""
    if ctx.state_dir is None or ctx.paths is None:
        return CommitKind()
    try:
        with open(os.path.join(ctx.state_dir, AMEND_FILE), encoding="ascii") as f:
            fields = f.read().split()
    except (OSError, ValueError):
        return CommitKind()
    if len(fields) < 2:
        return CommitKind()
    current = gitconfig.read_head(ctx.paths) or "-"
    if fields[1] != current:
        return CommitKind()  # left over from a commit that did not happen
    if fields[0] == "amend" and len(fields) >= 3:
        return CommitKind(True, fields[2], len(fields) > 3 and fields[3] == "merge")
    return CommitKind(fields[0] == "new")


def staged_changes(ctx: Context) -> list[str]:
    return staged_paths(commit_kind(ctx).base)


def amended_changes(ctx: Context) -> list[str] | None:
    """What the commit changes if it amends HEAD; None when that is known not to be the case.

    Only when prepare-commit-msg could not tell (not installed, or no /proc to
    read git's command line from).
    """
    if commit_kind(ctx).known:
        return None
    try:
        return staged_paths("HEAD~1")
    except GitError:
        head = gitconfig.read_head(ctx.paths) if ctx.paths else None
        if head is None:
            return None
        return staged_paths(EMPTY_TREE_SHA256 if len(head) == 64 else EMPTY_TREE_SHA1)


def _rejected_copy(ctx: Context, raw: str) -> str | None:
    """Save the message for the retry the error suggests: as git would store it, or whole.

    git's cleanup stops at a NUL byte; a message holding one is saved exactly as
    written, so that nothing after the NUL is lost.
    """
    if ctx.state_dir is None:
        return None
    text = raw if "\0" in raw else parsed.clean(raw, ctx.settings, uses_editor()).text
    path = os.path.join(ctx.state_dir, "rejected-message")
    try:
        os.makedirs(ctx.state_dir, exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else path


def commit_msg(path: str | None, fmt: str = "text") -> int:
    """The commit-msg hook (``ai-rollback check MSG_FILE``)."""
    raw = read_message(path)
    ctx = load_context()
    in_commit = path is not None and os.path.basename(path) in MESSAGE_FILES
    is_merge = bool(
        in_commit
        and ctx.paths
        and (os.path.exists(os.path.join(ctx.paths.git_dir, "MERGE_HEAD")) or commit_kind(ctx).merge)
    )
    checked = judge_text(
        raw,
        ctx,
        editor=uses_editor(),
        is_merge=is_merge,
        changed=lambda: staged_changes(ctx),
        amended=lambda: amended_changes(ctx),
        location=path if path not in (None, "-") else "<stdin>",
    )
    if checked is None:
        if fmt == "json":
            sys.stdout.write('{"ok": true, "commits": []}\n')
        return OK
    if in_commit and checked.verdict.kind == "ai" and not is_merge:
        stranger = agent_files(ctx, checked.verdict)
        if stranger is not None:
            checked.verdict.violations.append(stranger)
    if (
        not checked.verdict.ok
        and ctx.config.fix
        and in_commit
        and path
        and not any(v.rule == "agent-files" for v in checked.verdict.violations)  # no rewrite mends that
    ):
        repaired = _repair(path, raw, ctx, is_merge)
        if repaired is not None:
            checked = repaired
    if checked.verdict.ok and in_commit and ctx.state_dir and checked.verdict.kind == "ai":
        _consume_capture(ctx.state_dir, checked.verdict.trailers, ctx)
    if checked.verdict.ok and fmt == "text" and not checked.verdict.violations:
        return OK  # nothing to print: the passing path never loads the report
    from ai_rollback import report

    saved = None
    if not checked.verdict.ok and fmt == "text" and in_commit and path:
        saved = _rejected_copy(ctx, raw) or path  # before anything is printed: kept whatever happens
    try:
        report.emit([checked], fmt)
        if saved is not None:
            count = sum(1 for v in checked.verdict.violations if v.level == "error")
            mode, authorship = _commit_mode()
            from ai_rollback import gitcommit

            sys.stderr.write(
                f"ai-rollback: commit rejected ({count} problem{'s' if count != 1 else ''}); "
                f"your message is saved in {saved}.\n"
                f"  Retry with: {gitcommit.retry_command(mode, saved, authorship, True)}  "
                f"(or fix the file and: {gitcommit.retry_command(mode, saved, authorship, False)})\n"
            )
            sys.stderr.flush()
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_output()  # the reader went away (``2>&1 | head``): the verdict stands all the same
    return OK if checked.verdict.ok else CHECK_FAILED


def _consume_capture(state_dir: str, trailers: Sequence[message.Trailer], ctx: Context) -> None:
    """An AI commit passed: what the agent's hooks captured for it is used up once it exists."""
    if not os.path.exists(os.path.join(state_dir, "agent-capture.json")):
        return  # the usual case: one stat, nothing imported
    from ai_rollback import capture

    try:
        head = gitconfig.read_head(ctx.paths) if ctx.paths else None
        capture.mark_used(state_dir, head, staged_changes(ctx))
    except (OSError, GitError):  # pragma: no cover - the commit stands; the capture stays
        pass


#: rules only the commit-msg hook can apply (after ``rules.RULES``, in the order reported)
COMMIT_RULES = ("agent-files",)


def agent_files(ctx: Context, verdict: rules.Verdict) -> rules.Violation | None:
    """An AI commit while an agent's hooks say what it wrote: a staged path it never wrote is refused.

    Only the agent knows which files it wrote; ``Files`` filled from the staged
    paths, or written by hand, would let a person's change into the commit
    (and a later revert would undo it).  Deletions are let through (reverting
    one brings the file back: nothing is lost), and so are the files of the
    commit an amend rewrites.  ``agent-capture = "required"``: no capture, no AI commit.
    """
    state_dir = ctx.state_dir
    path = os.path.join(state_dir, "agent-capture.json") if state_dir else ""
    required = ctx.config.agent_capture == "required"
    if not state_dir or (not required and not os.path.exists(path)):
        return None
    from ai_rollback import capture

    head = gitconfig.read_head(ctx.paths) if ctx.paths else None
    try:
        found, _note = capture.load(state_dir, head)
    except OSError:  # an unwritable git directory: no capture to judge by, never a blocked commit
        found = None
    if found is None or not found.files:
        if not required:
            return None
        return rules.Violation(
            "agent-files",
            'no agent capture says which files the agent wrote (agent-capture = "required")',
            None,
            "let the agent commit through its hooks (ai-rollback init --agent NAME), "
            "or commit a person's work as Human:",
        )
    kind = commit_kind(ctx)
    allowed = set(found.files)
    strangers = [f for f in staged_changes(ctx) if f not in allowed]
    if strangers and kind.base:  # an amend may keep the files of the commit it rewrites
        kept = set(_amended_files())
        strangers = [f for f in strangers if f not in kept]
    if strangers:  # deletions last, and only when something is left to excuse
        deleted = set(staged_paths(kind.base, "D"))
        strangers = [f for f in strangers if f not in deleted]
    if not strangers:
        return None
    shown = ", ".join(strangers[:8]) + (f" and {len(strangers) - 8} more" if len(strangers) > 8 else "")
    return rules.Violation(
        "agent-files",
        f"staged but not written by the agent ({found.agent}): {shown}",
        None,
        f"commit them apart: git restore --staged -- {' '.join(quote_path(f) for f in strangers[:8])}, "
        "then commit them as Human: (if no agent made this commit: rm .git/ai-rollback/agent-capture.json)",
    )


def _amended_files() -> list[str]:
    """The Files of the commit an amend rewrites (HEAD), which it may keep."""
    from ai_rollback.filelist import split_files

    code, out, _err = spawn(["log", "-1", "--format=%(trailers:key=Files,valueonly,unfold)", "HEAD"])
    if code != 0:
        return []  # no HEAD to read: nothing the amend may keep
    text = out.decode("utf-8", "surrogateescape")
    return split_files(line for line in text.splitlines() if line.strip())


def _silence_output() -> None:
    """Send what is still to be printed nowhere: its reader is gone."""
    for name in ("stdout", "stderr"):
        try:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115
        except OSError:  # pragma: no cover - no /dev/null
            pass


def _repair(path: str, raw: str, ctx: Context, is_merge: bool) -> Checked | None:
    """``fix = true``: rewrite the message file as ``check --fix`` does, if that is all it needs.

    git reads the message file again after the commit-msg hook, so the commit
    gets the repaired message.  Returns the new verdict, or None (file untouched).
    """
    from ai_rollback.fix import fix_message

    fixed = fix_message(raw, parsed.comment_of(raw, ctx.settings), ctx.settings.separators, ctx.config)
    if fixed == raw:
        return None
    checked = judge_text(
        fixed,
        ctx,
        editor=uses_editor(),
        is_merge=is_merge,
        changed=lambda: staged_changes(ctx),
        amended=lambda: amended_changes(ctx),
        location=path,
    )
    if checked is None or not checked.verdict.ok:
        return None
    write_message(path, fixed)
    before = set(raw.splitlines())
    changed = [line for line in fixed.splitlines() if line not in before]
    sys.stderr.write(
        "ai-rollback: repaired the message's trailers in place (fix = true); git commits it as:\n"
        + "".join(f"  + {line}\n" for line in changed)
    )
    return checked


def _commit_mode() -> tuple[gitcommit.CommitMode, tuple[str, str] | None]:
    from ai_rollback import gitcommit

    """What the running ``git commit`` was asked to do, and the authorship ``-c``/``-C`` took over."""
    argv = gitcommit.commit_argv()
    mode = gitcommit.parse(argv) if argv is not None else gitcommit.CommitMode()
    authorship = None
    if mode.reuse:
        code, out, _ = spawn(
            ["log", "-1", "--format=%an <%ae>%x00%ad", "--date=raw", "--end-of-options", mode.reuse, "--"]
        )
        fields = out.decode("utf-8", "surrogateescape").strip().split("\0")
        if code == 0 and len(fields) == 2:
            authorship = (fields[0], fields[1])
    return mode, authorship


SEQUENCER_ACTIONS = ("rebase", "cherry-pick", "revert")


def _replaying(paths: RepoPaths, source: str | None) -> bool:
    """git is replaying an existing commit (cherry-pick, revert, a rebase step): hands off.

    A commit the user makes during a rebase ``edit`` stop is not a replay.
    """
    git_dir = paths.git_dir
    if any(os.path.exists(os.path.join(git_dir, name)) for name in ("CHERRY_PICK_HEAD", "REVERT_HEAD")):
        return True
    if os.environ.get("GIT_REFLOG_ACTION", "").startswith(SEQUENCER_ACTIONS):
        return True
    return (
        source == "message"
        and os.path.exists(os.path.join(git_dir, "MERGE_MSG"))
        and not os.path.exists(os.path.join(git_dir, "MERGE_HEAD"))
    )


def _record_commit_kind(ctx: Context, state_dir: str, source: str | None, obj: str | None) -> None:
    """Tell the commit-msg hook whether this commit amends HEAD, and on what base."""
    from ai_rollback import gitcommit  # prepare-commit-msg only

    argv = gitcommit.commit_argv()
    amend = gitcommit.parse(argv).amend if argv is not None else (source == "commit" and obj == "HEAD")
    head = (gitconfig.read_head(ctx.paths) if ctx.paths else None) or "-"
    line = f"new {head}\n" if argv is not None else ""
    if amend:
        code, out, _ = spawn(["log", "-1", "--format=%H %P", "HEAD", "--"])
        fields = out.decode("ascii", "replace").split() if code == 0 else []
        if fields:
            empty = EMPTY_TREE_SHA256 if len(fields[0]) == 64 else EMPTY_TREE_SHA1
            base = fields[1] if len(fields) > 1 else empty
            line = f"amend {fields[0]} {base} {'merge' if len(fields) > 2 else '-'}\n"
    if line:
        os.makedirs(state_dir, exist_ok=True)
        with open(os.path.join(state_dir, AMEND_FILE), "w", encoding="ascii") as f:
            f.write(line)


def prepare_commit_msg(path: str, source: str | None = None, obj: str | None = None) -> int:
    """The prepare-commit-msg hook (``ai-rollback prepare-commit-msg FILE [SOURCE [OBJECT]]``)."""
    if source is None:
        source = os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE") or None
        obj = obj or os.environ.get("PRE_COMMIT_COMMIT_OBJECT_NAME") or None
    ctx = load_context()
    if ctx.state_dir:
        try:
            os.unlink(os.path.join(ctx.state_dir, AMEND_FILE))
        except OSError:
            pass
        _record_commit_kind(ctx, ctx.state_dir, source, obj)
    if source == "squash":
        return _squash_template(path, ctx)
    if source not in (None, "message") or (ctx.paths and _replaying(ctx.paths, source)):
        return OK
    raw = read_message(path)
    new = _editor_template(raw, ctx) if source is None else _fill_ai_message(raw, ctx)
    if new != raw:
        write_message(path, new)
    return OK


def _squash_template(path: str, ctx: Context) -> int:
    """``git merge --squash``: the squash message that keeps each commit's attribution.

    git's own list of the commits (``commit <sha>`` lines) says which; the
    comment lines git added after it stay, when git will strip them.
    """
    from ai_rollback.commands.squash import for_git_squash
    from ai_rollback.git.run import Git

    raw = read_message(path)
    comment = parsed.comment_of(raw, ctx.settings)
    try:
        found = for_git_squash(raw, Git(os.getcwd()), ctx.config, ctx.settings)
    except (GitError, UsageError) as exc:  # never abort the commit: git's message stays, commit-msg judges
        sys.stderr.write(f"ai-rollback: git's squash message is left as it is: {exc}\n")
        return OK
    if found is None:
        return OK
    new, note = found
    if note is not None:
        sys.stderr.write(f"ai-rollback: {note}\n")
    if ctx.settings.cleanup in ("default", "strip"):
        kept = [line for line in raw.splitlines(keepends=True) if line.startswith(comment)]
        if note is not None:
            kept.insert(0, f"{comment} ai-rollback: {note}\n")
        new += ("\n" + "".join(kept)) if kept else ""
    write_message(path, new)
    return OK


def _editor_template(raw: str, ctx: Context) -> str:
    if ctx.settings.cleanup not in ("default", "strip"):
        return raw  # git would keep the template's comment lines in the commit
    comment = parsed.comment_of(raw, ctx.settings)
    if not message.clean_message(raw, comment, "strip").is_empty():
        return raw  # something is already written: not ours to touch
    from ai_rollback import render

    text = render.commit_template(
        ctx.config,
        comment=comment,
        files=staged_changes(ctx),
        model=os.environ.get("AI_ROLLBACK_MODEL", ""),
        # one line: a folded value's continuation lines would not be comments
        prompt=" ".join(_prompt_value(os.environ.get("AI_ROLLBACK_PROMPT", "")).split()),
    )
    if not text.endswith("\n"):
        text += "\n"
    return text + (raw if raw.startswith("\n") else "\n" + raw)


def _prompt_value(prompt: str, source: str = "AI_ROLLBACK_PROMPT") -> str:
    """``AI_ROLLBACK_PROMPT`` for the Prompt trailer; says so on stderr when its paragraphs are joined.

    A trailer value cannot hold a blank line (git's trailer block ends there),
    so the paragraphs become one folded value: git reads it back whole, with
    the paragraphs run together.
    """
    prompt = prompt.strip()
    lines = prompt.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() and (i == 0 or not lines[i - 1].strip())]
    paragraphs = len(starts)
    if paragraphs > 1:
        sys.stderr.write(
            f"ai-rollback: {source} has {paragraphs} paragraphs; a trailer value cannot hold "
            "a blank line, so the Prompt trailer joins them into one\n"
        )
    return prompt


def _fill_ai_message(raw: str, ctx: Context) -> str:
    """Complete an AI message given with ``-m``/``-F``: from the agent, the environment, the index.

    An ``AI:`` message, or an unlabelled one that carries an agent's mark (the
    tools table: a co-author, a "Generated with" line), which then gets the
    label.  The model comes from ``AI_ROLLBACK_MODEL`` or the mark; the prompt
    from ``AI_ROLLBACK_PROMPT`` or what the agent's hook captured; ``Files``
    from the files the agent wrote that are staged (``capture.py``), else
    from the staged paths, which is a guess (said on stderr).
    """
    config, settings = ctx.config, ctx.settings
    cleaned = parsed.clean(raw, settings, uses_editor())
    if cleaned.is_empty():
        return raw
    subject = cleaned.subject
    labelled_ai = subject.startswith(config.ai_label + ":")
    if not labelled_ai and subject.startswith(config.human_label + ":"):
        return raw
    comment = settings.parse_comment
    if rules.glued(cleaned.lines, comment):
        return raw  # seed style: commit-msg explains and `check --fix` repairs it
    trailers = message.parse_trailers(cleaned.text, comment, settings.separators, settings.configured)
    model = os.environ.get("AI_ROLLBACK_MODEL", "").strip()
    mark = None
    if not labelled_ai or not model:
        mark = _agent_mark(cleaned.text, trailers, config)
        if not labelled_ai and mark is None:
            return raw  # a person's unlabelled message: commit-msg says what it needs
    required = [k.lower() for k in config.required_trailers]
    add: list[tuple[str, str]] = []

    def missing(key: str) -> bool:
        return key.lower() in required and not any(t.key_is(key) for t in trailers)

    from ai_rollback import capture

    head = gitconfig.read_head(ctx.paths) if ctx.paths else None
    try:
        captured, note = capture.load(ctx.state_dir, head) if ctx.state_dir else (None, None)
    except OSError as exc:  # an unwritable git directory: fill in what the environment says
        captured, note = None, f"the agent capture cannot be read: {exc.strerror}"
    notes = [note] if note else []
    model = model or (mark[1] if mark and mark[1] else "")
    prompt = os.environ.get("AI_ROLLBACK_PROMPT", "").strip() or (captured.prompt or "" if captured else "")
    if model and missing(rules.MODEL_KEY) and not any(t.key_is(rules.ASSISTED_KEY) for t in trailers):
        add.append((rules.MODEL_KEY, model))
    if prompt and missing(rules.PROMPT_KEY):
        source = (
            "AI_ROLLBACK_PROMPT"
            if os.environ.get("AI_ROLLBACK_PROMPT", "").strip()
            else "the captured prompt"
        )
        add.append((rules.PROMPT_KEY, _prompt_value(prompt, source)))  # add_trailers folds it as git would
    if missing(FILES_KEY):
        staged = staged_changes(ctx)
        files = staged
        if captured is not None and captured.files:
            wrote = set(captured.files)
            files = [f for f in staged if f in wrote]
            others = [f for f in staged if f not in wrote]
            if others:
                notes.append(
                    f"staged but not written by the agent ({captured.agent}): {', '.join(others)}; "
                    "commit them apart as Human:"
                )
        elif config.agent_capture == "required":
            files = []
            notes.append('no agent capture (agent-capture = "required"): Files is not filled in')
        else:
            notes.append(
                "Files is filled in from the staged paths, a guess: no agent hook said what it wrote"
            )
        if files:
            add.append((FILES_KEY, ", ".join(quote_path(f) for f in files)))
    for text in notes:
        sys.stderr.write(f"ai-rollback: {text}\n")
    filled = message.add_trailers(
        raw, add, parsed.comment_of(raw, settings), settings.separators, settings.configured
    )
    return filled if labelled_ai else _with_label(filled, config.ai_label, cleaned.subject)


def _agent_mark(text: str, trailers: list[message.Trailer], config: Config) -> tuple[str, str | None] | None:
    """``(why, model)`` when the message carries an AI agent's mark, by the detectors (no label)."""
    from ai_rollback import classify

    without = frozenset({"convention", "squash"})
    found = classify.classify_text(text, classify.detection_from(config), without, trailers)
    if found.kind != "ai":
        return None
    from ai_rollback.agents import table

    # a mark that names only its tool ("Generated with Claude Code") says nothing of the model
    model = found.model if found.model not in {t.name for t in table()} else None
    return found.reason, model


def _with_label(raw: str, label: str, subject: str) -> str:
    """``raw`` with ``label: `` before its subject: the line git will store first (``subject``,
    as cleanup leaves it; a ``#`` line is text when git keeps comments, as it does for ``-m``)."""
    lines = raw.split("\n")
    first = subject.split("\n", 1)[0].strip()
    for n, line in enumerate(lines):
        if line.strip() and line.strip() == first:
            lines[n] = f"{label}: {line.lstrip()}"
            break
    return "\n".join(lines)
