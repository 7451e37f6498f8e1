"""Rules on what a message holds: required trailers and their values, files, secrets, NUL bytes."""

from __future__ import annotations

from ai_rollback import kinds
from ai_rollback.credentials import find_credentials
from ai_rollback.filelist import FILES_KEY, files_mismatch, listing, split_files
from ai_rollback.rules.base import (
    ASSISTED_KEY,
    MODEL_KEY,
    PROMPT_KEY,
    Facts,
    Violation,
    filled,
    names_model,
    what_to_write,
)


def message_nul(f: Facts) -> list[Violation]:
    if f.msg.nul_line is None:
        return []
    return [
        Violation(
            "message-nul",
            "the message contains a NUL byte, which git refuses to commit",
            f.msg.nul_line,
            "remove it (an editor showing ^@ marks where)",
        )
    ]


def prompt_secret(f: Facts) -> list[Violation]:
    """A Prompt that carries a credential, in any commit (history is public and permanent)."""
    if not f.config.secret_scan:
        return []
    violations = []
    for t in f.values(PROMPT_KEY):
        found = find_credentials(t.value)
        if found:
            what = "; ".join(f"{name} ({shown})" for name, shown in found)
            violations.append(
                Violation(
                    "prompt-secret",
                    f'"Prompt:" looks like it carries a credential: {what}',
                    t.line,
                    "remove the secret from the prompt (history is public and permanent) and "
                    "rotate it if it was ever pushed",
                )
            )
    return violations


def assisted_by_format(f: Facts) -> list[Violation]:
    if f.kind != kinds.AI:
        return []
    return [
        Violation(
            "assisted-by-format",
            f'"{found[0].key}: {found[0].value}" names no model',
            found[0].line,
            'write "Assisted-by: AGENT:MODEL [tools]", e.g. "Assisted-by: Claude:claude-sonnet-4-5"',
            order,
        )
        for order, (_key, found) in enumerate(f.required())
        if found and found[0].key_is(ASSISTED_KEY) and not any(names_model(t.value) for t in found)
    ]


def missing_trailer(f: Facts) -> list[Violation]:
    if f.kind != kinds.AI:
        return []
    last_line = len(f.msg.lines) - 1
    return [
        Violation(
            "missing-trailer",
            f'an "{f.config.ai_label}:" commit needs a "{key}:" trailer',
            last_line,
            f"add {what_to_write(key, f)} to the trailer block at the end of the message",
            order,
        )
        for order, (key, found) in enumerate(f.required())
        if not found
    ]


def empty_trailer(f: Facts) -> list[Violation]:
    if f.kind != kinds.AI:
        return []
    return [
        Violation(
            "empty-trailer",
            f'"{key}:" is empty'
            if not any(t.value for t in found)
            else f'"{key}:" still holds the template\'s placeholder "{found[0].value}"',
            found[0].line,
            f"write {what_to_write(key, f)}",
            order,
        )
        for order, (key, found) in enumerate(f.required())
        if found and not found[0].key_is(ASSISTED_KEY) and not any(filled(t.value) for t in found)
    ]


def files_mismatch_rule(f: Facts) -> list[Violation]:
    files = f.values(FILES_KEY)
    mode = f.config.files_match
    if f.kind != kinds.AI or not files or f.changed is None or mode == "off":
        return []
    missing, extra = files_mismatch(split_files(t.value for t in files), f.changed, mode)
    if not missing and not extra:
        return []
    parts = []
    if missing:
        parts.append(f"changed but not listed: {listing(missing)}")
    if extra:
        parts.append(f"listed but not changed: {listing(extra)}")
    return [
        Violation(
            "files-mismatch",
            '"Files:" does not match the commit (' + "; ".join(parts) + ")",
            files[0].line,
            "commit the AI's output alone and list exactly those paths"
            if mode == "exact"
            else "list every changed path, a directory holding it ('dir/') or a glob",
        )
    ]


_FLAG_MISSPELLINGS = frozenset(("feature-flags", "featureflag", "featureflags", "feature-flag-key", "flag"))


def feature_flag(f: Facts) -> list[Violation]:
    """Each ``Feature-flag:`` names one flag key (``ai-rollback flags`` switches it); a near miss
    of the key (``Feature-Flags:``) would be left out of the AI tag's flags: it is named."""
    found = f.values("Feature-flag")
    near = [t for t in f.msg.trailers if t.key.lower() in _FLAG_MISSPELLINGS]
    if not found and not near:
        return []
    misspelled = [
        Violation(
            "feature-flag",
            f'"{t.key}:" is not the flag trailer, so no command would switch {t.value!r}',
            t.line,
            'write "Feature-flag:" (one key per line)',
        )
        for t in near
    ]
    if not found:
        return misspelled
    from ai_rollback.flags import KEY_LIMIT, is_flag_key  # off the hook path unless a flag is named

    out = []
    for t in found:
        if is_flag_key(t.value):
            continue
        if t.value.startswith("<") and t.value.endswith(">"):
            out.append(
                Violation(
                    "feature-flag",
                    '"Feature-flag:" still holds the template\'s placeholder',
                    t.line,
                    "put the flag key there, or delete the line (the flag is optional)",
                )
            )
            continue
        out.append(
            Violation(
                "feature-flag",
                f'"Feature-flag: {t.value}" is not a flag key',
                t.line,
                "one key per Feature-flag line: letters, digits, '_', '-', '.', a letter or digit first, "
                f"at most {KEY_LIMIT} characters",
            )
        )
    return misspelled + out


def human_ai_trailer(f: Facts) -> list[Violation]:
    if f.kind != kinds.HUMAN:
        return []
    ai, human = f.config.ai_label, f.config.human_label
    out = [
        Violation(
            "human-ai-trailer",
            f'a "{human}:" commit carries "{t.key}: {t.value}", which marks AI output',
            t.line,
            f'if an AI wrote it, start the subject with "{ai}:"; else drop the trailer',
        )
        for t in f.model_trailers()
    ]
    for index, (written, canonical) in f.glued:
        if canonical in (MODEL_KEY, ASSISTED_KEY):
            out.append(
                Violation(
                    "human-ai-trailer",
                    f'a "{human}:" commit names a model ("{written}:"), which marks AI output',
                    index,
                    f'if an AI wrote it, start the subject with "{ai}:"',
                )
            )
            break
    return out


#: Every rule, by id, in the order its violations are reported (the README's rule table).
