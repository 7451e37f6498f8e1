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
from ai_rollback import gitconfig, gitio, message, report, rules
from ai_rollback.errors import CHECK_FAILED, OK, GitError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ai_rollback.config import Config
    from ai_rollback.gitconfig import GitSettings, RepoPaths

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
        pairs = gitconfig.parse_get_regexp_z(gitio.config_regexp(gitconfig.WANTED_REGEX))
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


# --------------------------------------------------------------------------
# Judging a message
# --------------------------------------------------------------------------


def uses_editor() -> bool:
    """git sets GIT_EDITOR=: for hooks when it will not start an editor (-m, -F, --no-edit)."""
    return os.environ.get("GIT_EDITOR") != ":"


def file_comment(raw: str, settings: GitSettings) -> str:
    """The comment string of the message file (``auto``: the one git's own lines use)."""
    return message.detect_auto_comment(raw) if settings.comment == "auto" else settings.comment


def clean(raw: str, settings: GitSettings, editor: bool) -> message.CleanMessage:
    """The message as git will store it."""
    mode = message.effective_cleanup(settings.cleanup, editor)
    return message.clean_message(raw, file_comment(raw, settings), mode)


def kind_hint(subject: str, trailers: Sequence[message.Trailer], config: Config) -> bool:
    """Will this be judged an AI commit?  (Decides whether the staged paths are needed.)"""
    if subject.startswith(config.human_label + ":"):
        return False
    return subject.startswith(config.ai_label + ":") or any(
        t.key_is(rules.MODEL_KEY) or t.key_is(rules.ASSISTED_KEY) for t in trailers
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
) -> report.Checked | None:
    """Judge a message file's text; None when it is empty after cleanup (git aborts)."""
    nul = raw.find("\0")
    if 0 <= nul < message.scissors_offset(raw, file_comment(raw, ctx.settings)):
        line = raw.count("\n", 0, nul)
        violation = rules.Violation(
            "message-nul",
            "the message contains a NUL byte, which git refuses to commit",
            line,
            "remove it (an editor showing ^@ marks where)",
        )
        subject = raw[: raw.find("\n")] if "\n" in raw[:nul] else raw[:nul]
        return report.Checked(rules.Verdict("human", subject, [], [violation]), location)
    cleaned = clean(raw, ctx.settings, editor)
    if cleaned.is_empty():
        return None
    settings = ctx.settings
    trailers = message.parse_trailers(
        cleaned.text, settings.parse_comment, settings.separators, settings.configured
    )
    paths = None
    if (
        changed is not None
        and not is_merge
        and ctx.config.files_match != "off"
        and any(t.key_is(rules.FILES_KEY) for t in trailers)
        and kind_hint(cleaned.subject, trailers, ctx.config)
    ):
        paths = changed()
    verdict = rules.judge(
        cleaned.lines,
        trailers,
        ctx.config,
        paths,
        is_merge=is_merge,
        comment=settings.parse_comment,
    )
    if amended is not None and any(v.rule == "files-mismatch" for v in verdict.violations):
        # The hook is not told about `commit --amend -m`: judged against HEAD's parent,
        # the message may be right after all.  (Pushes are checked exactly.)
        other = amended()
        if other is not None:
            retry = rules.judge(
                cleaned.lines,
                trailers,
                ctx.config,
                other,
                is_merge=is_merge,
                comment=settings.parse_comment,
            )
            if not any(v.rule == "files-mismatch" for v in retry.violations):
                verdict = retry
    mapped = [message.Trailer(t.key, t.value, cleaned.raw_line(t.line) or 0) for t in trailers]
    verdict.trailers = mapped
    return report.Checked(verdict, location, None, cleaned.raw_line)


def _amend_base(ctx: Context) -> str | None:
    """The base an ``--amend`` commit is made on, left by prepare-commit-msg."""
    if ctx.state_dir is None or ctx.paths is None:
        return None
    try:
        with open(os.path.join(ctx.state_dir, AMEND_FILE), encoding="ascii") as f:
            head, _, base = f.read().strip().partition(" ")
    except (OSError, ValueError):
        return None
    current = gitio.read_head(ctx.paths)
    if current is not None and current != head:
        return None  # left over from an amend that did not happen
    return base or None


def staged_changes(ctx: Context) -> list[str]:
    return gitio.staged_paths(_amend_base(ctx))


def amended_changes(ctx: Context) -> list[str] | None:
    """What the commit changes if it amends HEAD; None when that is known not to be the case."""
    if _amend_base(ctx) is not None:
        return None  # prepare-commit-msg told us: the first answer was already the amend's
    try:
        return gitio.staged_paths("HEAD~1")
    except GitError:
        head = gitio.read_head(ctx.paths) if ctx.paths else None
        if head is None:
            return None
        return gitio.staged_paths(gitio.EMPTY_TREE_SHA256 if len(head) == 64 else gitio.EMPTY_TREE_SHA1)


def commit_msg(path: str | None, fmt: str = "text") -> int:
    """The commit-msg hook (``ai-rollback check MSG_FILE``)."""
    raw = read_message(path)
    ctx = load_context()
    in_commit = path is not None and os.path.basename(path) in MESSAGE_FILES
    is_merge = bool(in_commit and ctx.paths and os.path.exists(os.path.join(ctx.paths.git_dir, "MERGE_HEAD")))
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
    report.emit([checked], fmt)
    if checked.verdict.ok:
        return OK
    if fmt == "text" and in_commit and path:
        count = len(checked.verdict.violations)
        sys.stderr.write(
            f"ai-rollback: commit rejected ({count} problem{'s' if count != 1 else ''}); "
            f"your message is kept in {path}.\n"
            f"  Edit it and retry with: git commit -e -F {path}\n"
        )
    return CHECK_FAILED


# --------------------------------------------------------------------------
# prepare-commit-msg
# --------------------------------------------------------------------------


def _replaying(paths: RepoPaths) -> bool:
    """git is replaying existing commits (cherry-pick, revert, rebase): leave messages alone."""
    git_dir = paths.git_dir
    return any(
        os.path.exists(os.path.join(git_dir, name))
        for name in ("CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge", "rebase-apply", "sequencer")
    )


def _record_amend(ctx: Context, state_dir: str) -> None:
    code, out, _ = gitio.spawn(["log", "-1", "--format=%H %P", "HEAD", "--"])
    if code != 0:
        return
    fields = out.decode("ascii", "replace").split()
    if not fields:
        return
    head = fields[0]
    base = (
        fields[1]
        if len(fields) > 1
        else (gitio.EMPTY_TREE_SHA256 if len(head) == 64 else gitio.EMPTY_TREE_SHA1)
    )
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(state_dir, AMEND_FILE), "w", encoding="ascii") as f:
        f.write(f"{head} {base}\n")


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
    if source == "commit":
        if obj == "HEAD" and ctx.state_dir:
            _record_amend(ctx, ctx.state_dir)
        return OK
    if source not in (None, "message") or (ctx.paths and _replaying(ctx.paths)):
        return OK
    raw = read_message(path)
    new = _editor_template(raw, ctx) if source is None else _fill_ai_message(raw, ctx)
    if new != raw:
        write_message(path, new)
    return OK


def _editor_template(raw: str, ctx: Context) -> str:
    comment = file_comment(raw, ctx.settings)
    if not message.clean_message(raw, comment, "strip").is_empty():
        return raw  # something is already written: not ours to touch
    from ai_rollback import render

    text = render.commit_template(
        ctx.config,
        comment=comment,
        files=staged_changes(ctx),
        model=os.environ.get("AI_ROLLBACK_MODEL", ""),
        prompt=os.environ.get("AI_ROLLBACK_PROMPT", ""),
    )
    if not text.endswith("\n"):
        text += "\n"
    return text + (raw if raw.startswith("\n") else "\n" + raw)


def _fill_ai_message(raw: str, ctx: Context) -> str:
    """Complete an ``AI:`` message given with ``-m``/``-F`` from the environment and the index."""
    config, settings = ctx.config, ctx.settings
    cleaned = clean(raw, settings, uses_editor())
    if cleaned.is_empty() or not cleaned.subject.startswith(config.ai_label + ":"):
        return raw
    comment = settings.parse_comment
    if rules._glued(cleaned.lines, comment):
        return raw  # seed style: commit-msg explains and `check --fix` repairs it
    trailers = message.parse_trailers(cleaned.text, comment, settings.separators, settings.configured)
    required = [k.lower() for k in config.required_trailers]
    add: list[tuple[str, str]] = []

    def missing(key: str) -> bool:
        return key.lower() in required and not any(t.key_is(key) for t in trailers)

    model = os.environ.get("AI_ROLLBACK_MODEL", "").strip()
    prompt = os.environ.get("AI_ROLLBACK_PROMPT", "").strip()
    if model and missing(rules.MODEL_KEY) and not any(t.key_is(rules.ASSISTED_KEY) for t in trailers):
        add.append((rules.MODEL_KEY, model))
    if prompt and missing(rules.PROMPT_KEY):
        add.append((rules.PROMPT_KEY, prompt))
    if missing(rules.FILES_KEY):
        files = staged_changes(ctx)
        if files:
            add.append((rules.FILES_KEY, ", ".join(files)))
    return message.add_trailers(
        raw, add, file_comment(raw, settings), settings.separators, settings.configured
    )
