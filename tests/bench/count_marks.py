#!/usr/bin/env python3
"""Independent, naive count of commits that carry an AI-tool mark, for benchmarking `ai-rollback log`.

The rules are deliberately simple and transparent (a grep-level baseline, not a classifier):

  R1  coauthor   a line anywhere in the message (trailer block, squash body, bullet) of the form
                 `Co-authored-by: <value>` or `Co-authored-by-AI: <value>` whose value contains an AI keyword
  R2  assisted   an `Assisted-by:` or `Generated-by:` line (any value), or `Made-with:` naming an AI keyword
  R3  generated  the body line `Generated with [Claude Code]`, `Generated with Claude Code`, or
                 `Generated with [Devin]`
  R4  author     the author e-mail is a known AI-agent identity (Copilot coding agent, Devin, Jules,
                 Cursor agent, claude[bot], Codex connector, aider)
  R5  aider      subject starts with `aider:` or author name ends with ` (aider)`

Matching is case-insensitive. Non-AI bots (dependabot, renovate, github-actions, pre-commit-ci) match no rule.
Merge commits are excluded (`git log --no-merges`), and so are the entries of kind `merge` in --ours.

Usage:
  python count_marks.py REPO_DIR RANGE [--ours ours.json] [--examples 15] [--json OUT]

REPO_DIR is a work tree or a git dir; RANGE is a git revision range (e.g. BASE..TIP).
--ours is the output of `ai-rollback log RANGE --format json`; with it the script prints recall and
precision of that report against this count, and examples of misses and false positives.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys

# keywords that name an AI tool or vendor inside a Co-authored-by / Made-with value
AI_KEYWORDS = (
    "claude",
    "anthropic",
    "aider",
    "copilot",
    "cursor",
    "codex",
    "openai",
    "chatgpt",
    "gpt-",
    "devin",
    "gemini",
    "jules",
    "google-labs",
    "windsurf",
    "codeium",
    "amazon q",
    "kiro",
    "opencode",
    "droid",
    "factory.ai",
    "sweep",
    "tabnine",
    "qwen",
    "deepseek",
    "grok",
    "llm",
    "pullfrog",
    "oz-agent",
)
# a keyword must start a word: "capgemini" is not "gemini", "android" is not "droid"
KEYWORD = re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, AI_KEYWORDS)) + ")", re.IGNORECASE)
# author e-mails (exact, or contained) of AI agents that commit under their own identity
AI_AUTHOR_EMAILS = (
    "+copilot@users.noreply.github.com",  # Copilot coding agent (198982749+Copilot@...)
    "copilot-swe-agent[bot]",
    "devin-ai-integration[bot]",
    "google-labs-jules[bot]",
    "cursoragent@cursor.com",
    "+claude[bot]@users.noreply.github.com",  # claude-code-action
    "chatgpt-codex-connector[bot]",
    "aider@aider.chat",
    "noreply@anthropic.com",
    "noreply@openai.com",
    "claude@anthropic.com",  # agents run with git user "Claude <model>"
    "pullfrog[bot]",  # Pullfrog, an agent-running GitHub app
    "oz-agent@warp.dev",  # Warp's Oz agent
)
NON_AI_BOTS = ("dependabot", "renovate", "github-actions", "pre-commit-ci")

TRAILER_LINE = re.compile(
    r"^[\s>*+-]*(co-authored-by-ai|co-authored-by|assisted-by|generated-by|made-with)\s*:\s*(.*)$",
    re.IGNORECASE,
)
GENERATED_LINE = re.compile(r"generated with \[?(claude code|devin)\]?", re.IGNORECASE)
# lines worth showing when explaining a discrepancy (broader than the rules on purpose)
HINT_LINE = re.compile(
    r"claude|anthropic|aider|copilot|cursor|codex|openai|gpt|devin|gemini|jules|"
    r"generated|assisted|co-authored|\bai\b|agent",
    re.IGNORECASE,
)


def has_keyword(value: str) -> bool:
    v = value.lower()
    if any(bot in v for bot in NON_AI_BOTS):
        return False
    return KEYWORD.search(v) is not None


def marks(name: str, email: str, body: str) -> list[tuple[str, str]]:
    """Return (rule, evidence) pairs for one commit."""
    found: list[tuple[str, str]] = []
    subject = body.split("\n", 1)[0]
    for line in body.splitlines():
        m = TRAILER_LINE.match(line)
        if m:
            key, value = m.group(1).lower(), m.group(2)
            if key.startswith("co-authored-by") and has_keyword(value):
                found.append(("R1 coauthor", line.strip()))
            elif (key in ("assisted-by", "generated-by") and value.strip()) or (
                key == "made-with" and has_keyword(value)
            ):
                found.append(("R2 assisted", line.strip()))
        if GENERATED_LINE.search(line):
            found.append(("R3 generated", line.strip()))
    e = email.lower()
    if any(x in e for x in AI_AUTHOR_EMAILS):
        found.append(("R4 author", f"{name} <{email}>"))
    if subject.lower().startswith("aider:"):
        found.append(("R5 aider", subject))
    if name.lower().endswith(" (aider)"):
        found.append(("R5 aider", f"author {name}"))
    return found


def read_log(repo: str, rng: str) -> list[dict]:
    fmt = "%H%x00%an%x00%ae%x00%B%x1e"
    out = subprocess.run(
        [
            "git",
            "-C",
            repo,
            "-c",
            "i18n.logOutputEncoding=UTF-8",
            "log",
            "--no-merges",
            f"--format={fmt}",
            "--end-of-options",  # a range that starts with "-" is not an option
            rng,
            "--",
        ],
        capture_output=True,
        check=True,
    ).stdout
    commits = []
    for rec in out.decode("utf-8", "replace").split("\x1e"):
        rec = rec.lstrip("\n")
        if not rec:
            continue
        sha, name, email, body = rec.split("\x00", 3)
        commits.append(
            {"sha": sha, "name": name, "email": email, "body": body, "subject": body.split("\n", 1)[0]}
        )
    return commits


def hint_lines(c: dict, limit: int = 6) -> list[str]:
    lines = [f"author: {c['name']} <{c['email']}>"]
    for line in c["body"].splitlines()[1:]:
        if HINT_LINE.search(line) and line.strip():
            lines.append(line.strip()[:160])
            if len(lines) > limit:
                lines.append("...")
                break
    return lines


HINT_WORD = re.compile(
    r"claude|anthropic|aider|copilot|cursor|codex|openai|gpt|devin|gemini|jules|\[bot\]|"
    r"\bagent\b|\bai\b|llm|model",
    re.IGNORECASE,
)
TRAILERISH = re.compile(r"^[\s>*+-]*[A-Za-z][A-Za-z-]*:\s")
NON_AI_BOT_HINT = re.compile("|".join(NON_AI_BOTS), re.IGNORECASE)


def print_hints(unflagged: list[dict], limit: int) -> None:
    """Most common AI-looking identities and trailer-like lines among unflagged commits (digits folded to N)."""
    authors: collections.Counter = collections.Counter()
    lines: collections.Counter = collections.Counter()
    example: dict[str, str] = {}
    for c in unflagged:
        ident = f"{c['name']} <{c['email']}>"
        if HINT_WORD.search(ident) and not NON_AI_BOT_HINT.search(ident):
            authors[ident] += 1
        for line in c["body"].splitlines()[1:]:
            if TRAILERISH.match(line) and HINT_WORD.search(line) and not NON_AI_BOT_HINT.search(line):
                key = re.sub(r"\d+", "N", line.strip())[:120]
                lines[key] += 1
                example.setdefault(key, c["sha"][:10])
    print(f"\nhints: AI-looking author identities among {len(unflagged)} unflagged commits")
    for ident, n in authors.most_common(limit):
        print(f"  {n:5} {ident}")
    print("hints: trailer-like lines with AI words among unflagged commits (count, example sha)")
    for key, n in lines.most_common(limit):
        print(f"  {n:5} {example[key]} {key}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    ap.add_argument("repo", help="work tree or git dir")
    ap.add_argument("range", help="revision range, e.g. BASE..TIP")
    ap.add_argument("--ours", help="JSON from `ai-rollback log RANGE --format json`")
    ap.add_argument("--examples", type=int, default=15, help="misses / false positives to show (default 15)")
    ap.add_argument("--json", dest="json_out", help="write per-commit results to this file")
    ap.add_argument(
        "--hints",
        type=int,
        default=0,
        metavar="N",
        help="also list the N most common AI-looking author identities and trailer-like lines among "
        "commits that no rule (and, with --ours, not ai-rollback) marks: a scan for shared blind spots",
    )
    args = ap.parse_args(argv)

    commits = read_log(args.repo, args.range)
    by_sha = {c["sha"]: c for c in commits}
    for c in commits:
        c["marks"] = marks(c["name"], c["email"], c["body"])
    marked = {c["sha"] for c in commits if c["marks"]}
    rules = collections.Counter(r for c in commits for r in {m[0] for m in c["marks"]})

    print(
        f"range {args.range}: {len(commits)} non-merge commits, {len(marked)} carry an AI mark "
        f"({len(marked) / max(len(commits), 1):.1%})"
    )
    for rule, n in sorted(rules.items()):
        print(f"  {rule:<13} {n}")

    result: dict = {
        "range": args.range,
        "commits": len(commits),
        "marked": sorted(marked),
        "rules": dict(rules),
    }
    if args.ours:
        with open(args.ours, encoding="utf-8") as f:
            report = json.load(f)
        entries = [e for e in report["commits"] if e["kind"] != "merge"]
        kinds = {e["sha"]: e for e in entries}
        ours = {s for s, e in kinds.items() if e["kind"] in ("ai", "mixed")}
        only_ours = set(kinds) - set(by_sha)
        only_log = set(by_sha) - set(kinds)
        both = ours & marked
        recall = len(both) / len(marked) if marked else float("nan")
        precision = len(both) / len(ours) if ours else float("nan")
        kind_count = collections.Counter(e["kind"] for e in entries)
        models = collections.Counter(e["model"] or "?" for e in entries if e["kind"] in ("ai", "mixed"))
        print(
            f"\nai-rollback: {len(entries)} non-merge commits; ai {kind_count['ai']}, mixed {kind_count['mixed']}, "
            f"human {kind_count['human']}; ai+mixed {len(ours)}"
        )
        if only_ours or only_log:
            print(
                f"  warning: commit sets differ (only in report {len(only_ours)}, only in git log {len(only_log)})"
            )
        print(f"  agree {len(both)}  recall {recall:.4f}  precision {precision:.4f}")
        print("  top models: " + ", ".join(f"{m} {n}" for m, n in models.most_common(5)))
        misses = [by_sha[s] for s in sorted(marked - ours, key=lambda s: by_sha[s]["subject"])]
        fps = list(ours - marked)
        print(f"\nmisses (marked, ai-rollback says human): {len(misses)}")
        for c in misses[: args.examples]:
            print(f"  {c['sha'][:10]} {c['subject'][:80]}")
            for rule, ev in c["marks"]:
                print(f"      [{rule}] {ev[:150]}")
        print(f"\nfalse positives (ai-rollback says ai/mixed, no mark by these rules): {len(fps)}")
        for s in sorted(fps)[: args.examples]:
            c = by_sha.get(s)
            print(f"  {s[:10]} [{kinds[s]['kind']}, {kinds[s]['model']}] {kinds[s]['subject'][:70]}")
            for line in hint_lines(c) if c else []:
                print(f"      {line}")
        result.update(
            {
                "ours": sorted(ours),
                "recall": recall,
                "precision": precision,
                "misses": [c["sha"] for c in misses],
                "false_positives": sorted(fps),
                "kinds": dict(kind_count),
                "models": models.most_common(),
            }
        )
    if args.hints:
        flagged = marked | (ours if args.ours else set())
        print_hints([c for c in commits if c["sha"] not in flagged], args.hints)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
