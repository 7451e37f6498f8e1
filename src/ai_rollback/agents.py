"""The AI coding tools and the marks they leave: ``data/agents.toml``, indexed for lookups.

One row per tool (``[[tool]]``): its identities (e-mail addresses, GitHub
noreply identities by login and by numeric id), the trailer keys only it
writes, and the documented subject prefixes, author-name suffixes and body
lines it uses, with where each form was seen.  Rows of kind ``bot`` are bots
that are not AI (dependabot, renovate, github-actions): their commits stay
human.  :func:`table` reads the file once; :class:`Agents` answers "which
tool is this?"; ``python -m ai_rollback.agents`` prints the README's table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ai_rollback import __version__

NOREPLY = "@users.noreply.github.com"
KINDS = ("ai", "bot")
LIST_KEYS = ("emails", "github", "trailers", "subject_prefixes", "author_name_suffixes", "body_lines", "seen")


class TableError(ValueError):
    """A row of the tools table that does not parse (caught at test time)."""


@dataclass(frozen=True)
class Tool:
    name: str
    kind: str  # "ai" or "bot"
    emails: tuple[str, ...] = ()
    github: tuple[str, ...] = ()
    trailers: tuple[str, ...] = ()
    subject_prefixes: tuple[str, ...] = ()
    author_name_suffixes: tuple[str, ...] = ()
    body_lines: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()

    @property
    def is_ai(self) -> bool:
        return self.kind == "ai"


def parse_rows(rows: object, where: str = "agents.toml") -> list[Tool]:
    """Validate the ``[[tool]]`` rows; a bad one is a :class:`TableError` naming it."""
    if not isinstance(rows, list) or not rows:
        raise TableError(f"{where}: no [[tool]] rows")
    tools = []
    names: set[str] = set()
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise TableError(f"{where}: row {n} is not a table")
        name = row.get("name")
        if not isinstance(name, str) or not name.strip():
            raise TableError(f"{where}: row {n} has no name")
        if name in names:
            raise TableError(f"{where}: {name!r} is listed twice")
        names.add(name)
        kind = row.get("kind", "ai")
        if kind not in KINDS:
            raise TableError(f"{where}: {name}: kind must be one of {', '.join(KINDS)}")
        unknown = set(row) - {"name", "kind", *LIST_KEYS}
        if unknown:
            raise TableError(f"{where}: {name}: unknown key {sorted(unknown)[0]!r}")
        lists: dict[str, tuple[str, ...]] = {}
        for key in LIST_KEYS:
            value = row.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise TableError(f"{where}: {name}: {key} must be a list of non-empty strings")
            lists[key] = tuple(value)
        if not lists["seen"]:
            raise TableError(f"{where}: {name}: say where the form was seen (seen = [...])")
        for email in lists["emails"]:
            if email != email.lower() or "@" not in email or email.startswith("*@"):
                raise TableError(f"{where}: {name}: {email!r} is not a lower-case address (no bare domains)")
        for ident in lists["github"]:
            number, plus, login = ident.partition("+")
            if (plus and not number.isdigit()) or not (login if plus else number):
                raise TableError(f"{where}: {name}: {ident!r} is not a GitHub login or ID+login")
        tools.append(Tool(name.strip(), kind, **lists))
    return tools


@dataclass
class Agents:
    """Lookups over the tools table (and identities a project adds in its configuration)."""

    tools: list[Tool]
    extra: dict[str, str] = field(default_factory=dict)  # user's e-mail patterns -> tool name
    _emails: dict[str, Tool] = field(default_factory=dict, init=False)
    _patterns: list[tuple[str, Tool]] = field(default_factory=list, init=False)
    _logins: dict[str, Tool] = field(default_factory=dict, init=False)
    _ids: dict[str, Tool] = field(default_factory=dict, init=False)
    _pairs: dict[str, Tool] = field(default_factory=dict, init=False)  # "id+login" exactly
    trailer_keys: dict[str, Tool] = field(default_factory=dict, init=False)
    _prefixes: dict[str, Tool] = field(default_factory=dict, init=False)
    _suffixes: dict[str, Tool] = field(default_factory=dict, init=False)
    _lines: dict[str, Tool] = field(default_factory=dict, init=False)
    #: answers of :meth:`by_email` so far: a history's commits come from a few addresses
    _asked: dict[str, Tool | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for tool in self.tools:
            for email in tool.emails:
                if "*" in email:
                    self._patterns.append((email, tool))
                else:
                    self._emails[email] = tool
            for ident in tool.github:
                number, plus, login = ident.partition("+")
                if plus:
                    self._pairs.setdefault(ident.lower(), tool)
                    self._ids.setdefault(number, tool)
                    self._logins.setdefault(login.lower(), tool)
                else:
                    self._logins.setdefault(number.lower(), tool)
            for key in tool.trailers:
                self.trailer_keys[key.lower()] = tool
            if tool.is_ai:
                for prefix in tool.subject_prefixes:
                    self._prefixes.setdefault(prefix, tool)
                for suffix in tool.author_name_suffixes:
                    self._suffixes.setdefault(suffix, tool)
                for line in tool.body_lines:
                    self._lines.setdefault(line, tool)
        self._prefix_tuple = tuple(self._prefixes)
        self._suffix_tuple = tuple(self._suffixes)
        for pattern, name in self.extra.items():
            self._patterns.insert(0, (pattern.lower(), Tool(name, "ai", seen=("your configuration",))))

    def by_email(self, address: str) -> Tool | None:
        """The tool (or non-AI bot) an e-mail address belongs to, if any.

        A GitHub noreply address ``ID+login@users.noreply.github.com`` is
        matched as the exact ``ID+login`` a row lists, else by its login, else
        by its numeric id (a renamed bot keeps it): ``claude[bot]`` commits
        under github-actions' id, so the login decides over the id.
        """
        try:
            return self._asked[address]
        except KeyError:
            found = self._asked[address] = self._by_email(address)
            return found

    def _by_email(self, address: str) -> Tool | None:
        from ai_rollback.classify import wildcard_match

        email = address.strip().lower()
        for pattern, tool in self._patterns[: len(self.extra)]:
            if wildcard_match(email, pattern):
                return tool
        found = self._emails.get(email)
        if found is not None:
            return found
        if email.endswith(NOREPLY):
            local = email[: -len(NOREPLY)]
            number, plus, login = local.partition("+")
            if not plus:
                number, login = "", local
            found = (
                self._pairs.get(local)
                or self._logins.get(login)
                or (self._ids.get(number) if number.isdigit() else None)
            )
            if found is not None:
                return found
        for pattern, tool in self._patterns[len(self.extra) :]:
            if wildcard_match(email, pattern):
                return tool
        return None

    def by_author_name(self, name: str) -> Tool | None:
        if not name.endswith(self._suffix_tuple):
            return None
        return next(t for s, t in self._suffixes.items() if name.endswith(s))

    def by_subject(self, subject: str) -> Tool | None:
        if not subject.startswith(self._prefix_tuple):
            return None
        return next(t for p, t in self._prefixes.items() if subject.startswith(p))

    def by_body(self, message: str) -> Tool | None:
        """A documented line a tool writes, at the start of a line of the message."""
        found = [(line, tool) for line, tool in self._lines.items() if line in message]
        if not found:
            return None
        lines = message.split("\n")
        for line, tool in found:
            if any(text.startswith(line) for text in lines):
                return tool
        return None


_table: list[list[Tool]] = []


def table(cache_dir: str | None = None) -> list[Tool]:
    """The packaged table, read once.

    With ``cache_dir`` (a repository's, as the configuration's cache) the
    parsed rows are kept there (``marshal``), keyed on this version and the
    file's size and modification time: importing ``tomllib`` and parsing took
    7 to 12 ms of every report here, the cache about 1 ms.
    """
    if not _table:
        path = os.path.join(os.path.dirname(__file__), "data", "agents.toml")
        from ai_rollback.config.files import read_marshal, stat_key, write_marshal

        key = (__version__, path, stat_key(path))
        cache = os.path.join(cache_dir, "agents.cache") if cache_dir else None
        rows = read_marshal(cache, key) if cache else None
        try:
            tools = parse_rows(rows, path) if rows is not None else None
        except Exception:  # not rows we wrote (a hand-made cache): read the file
            tools = None
        if tools is None:
            import tomllib

            with open(path, "rb") as f:
                rows = tomllib.load(f).get("tool")
            tools = parse_rows(rows, path)
            if cache:
                write_marshal(cache, key, rows)
        _table.append(tools)
    return _table[0]


def markdown(tools: list[Tool]) -> str:
    """The README's table of tools: what each leaves."""

    def code(values: tuple[str, ...]) -> str:
        return ", ".join(f"`{v}`" for v in values)

    out = ["| tool | identities | marks |", "| --- | --- | --- |"]
    for t in tools:
        if not t.is_ai:
            continue
        who = ", ".join(filter(None, [code(t.emails), code(t.github)])) or "the person"
        marks = [
            *(f"`{k}:` trailer" for k in t.trailers),
            *(f"subject `{p.strip()}`" for p in t.subject_prefixes),
            *(f"author name `…{s}`" for s in t.author_name_suffixes),
            *(f"line `{b}`" for b in t.body_lines),
        ]
        out.append(f"| {t.name} | {who} | {', '.join(marks) or 'co-author or author identity'} |")
    bots = ", ".join(t.name for t in tools if not t.is_ai)
    out += ["", f"Bots that are not AI, whose commits stay human: {bots}."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the README's table
    print(markdown(table()), end="")
