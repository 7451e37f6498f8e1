"""git-ai's line-level authorship notes (``refs/notes/ai``, format ``authorship/3.0.0``): pure parsing.

A note lists, per file, attestation lines ``  <id> <ranges>`` (``1-5,7``), then a ``---``
line, then JSON whose ``prompts`` (and ``sessions``) map an id to the agent
(``agent_id.tool``, ``agent_id.model``) and whose ``humans`` map ``h_`` ids to people.
A commit whose note attributes lines to an AI id is AI, or mixed when people's lines
are attested too; its model comes from the note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SCHEMA = "authorship/3"


class NoteError(ValueError):
    """A note that is not a git-ai authorship note we can read."""


@dataclass(frozen=True)
class Note:
    ai_lines: int
    human_lines: int
    tool: str | None
    model: str | None


def _count(ranges: str) -> int:
    total = 0
    for part in ranges.split(","):
        start, dash, end = part.strip().partition("-")
        if not start.isdigit() or (dash and not end.isdigit()):
            raise NoteError(f"bad line range {part!r}")
        total += int(end) - int(start) + 1 if dash else 1
    return total


def parse_note(text: str) -> Note:
    head, sep, body = text.partition("\n---\n")
    if not sep:
        if text.startswith("---\n"):
            head, body = "", text[4:]
        else:
            raise NoteError("no --- line")
    try:
        meta = json.loads(body)
    except json.JSONDecodeError as exc:
        raise NoteError(f"its JSON does not parse ({exc.msg})") from None
    if not isinstance(meta, dict) or not str(meta.get("schema_version", "")).startswith(SCHEMA):
        raise NoteError(f"not {SCHEMA}.x")
    agents: dict[str, tuple[str | None, str | None]] = {}
    for table in ("prompts", "sessions"):
        entries = meta.get(table) or {}
        if not isinstance(entries, dict):
            raise NoteError(f"{table} is not an object")
        for key, value in entries.items():
            agent = value.get("agent_id") if isinstance(value, dict) else None
            agent = agent if isinstance(agent, dict) else {}
            tool, model = agent.get("tool"), agent.get("model")
            agents[str(key)] = (str(tool) if tool else None, str(model) if model else None)
    humans = meta.get("humans") or {}
    lines: dict[str, int] = {}
    for line in head.split("\n"):
        if not line.startswith((" ", "\t")) or not line.strip():
            continue  # a file's path, or nothing
        ident, _, ranges = line.strip().rpartition(" ")
        if not ident:
            raise NoteError(f"bad attestation line {line.strip()!r}")
        lines[ident] = lines.get(ident, 0) + _count(ranges)
    ai = human = 0
    by_agent: dict[tuple[str | None, str | None], int] = {}
    for ident, count in lines.items():
        key = ident.split("::", 1)[0]
        agent = agents.get(ident) or agents.get(key)
        if agent is not None:
            ai += count
            by_agent[agent] = by_agent.get(agent, 0) + count
        elif ident.startswith("h_") or ident in humans:
            human += count
        else:  # a prompt id the note's tables do not list (trimmed): still an AI's lines
            ai += count
            by_agent[(None, None)] = by_agent.get((None, None), 0) + count
    if not lines:  # no attestation: the prompts' own counts
        for key, (tool, model) in agents.items():
            entry = (meta.get("prompts") or {}).get(key) or {}
            accepted = entry.get("accepted_lines") if isinstance(entry, dict) else None
            if isinstance(accepted, int) and accepted > 0:
                ai += accepted
                by_agent[(tool, model)] = by_agent.get((tool, model), 0) + accepted
    named = {a: n for a, n in by_agent.items() if a != (None, None)} or by_agent
    tool, model = max(named, key=lambda a: named[a]) if named else (None, None)
    return Note(ai, human, tool, model)


def parse_notes(raw: dict[str, bytes]) -> tuple[dict[str, Note], list[str]]:
    """Every readable note by commit, and one line per note that could not be read."""
    notes: dict[str, Note] = {}
    problems: list[str] = []
    for commit, data in raw.items():
        try:
            notes[commit] = parse_note(data.decode("utf-8"))
        except (NoteError, UnicodeDecodeError) as exc:
            problems.append(f"{commit[:10]}: {exc}")
    return notes, problems
