"""Reading the configuration: the files, the cache, validation against the schema.

The commit-msg hook reads the configuration on every commit, and ``tomllib``
costs more than the whole hook may; so a validated configuration is cached
(``marshal``) in the repository's git directory, keyed on the files' size and
modification time, and ``tomllib`` is imported only when the cache is stale.
"""

from __future__ import annotations

import os

from ai_rollback import __version__
from ai_rollback.config.model import CONFIG_FILE, PYPROJECT, TABLE, Config
from ai_rollback.errors import ConfigError


def stat_key(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _parse_toml(path: str) -> dict[str, object]:
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def pyproject_table(path: str) -> dict[str, object] | None:
    data = _parse_toml(path)
    tool = data.get("tool")
    if not isinstance(tool, dict) or "ai-rollback" not in tool:
        return None
    table = tool["ai-rollback"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{TABLE}] must be a table")
    return table


def _read(root: str) -> tuple[dict[str, object], str | None]:
    from ai_rollback.config.schema import defaults, validate  # a file changed: validate it

    own = os.path.join(root, CONFIG_FILE)
    pyproject = os.path.join(root, PYPROJECT)
    own_exists = os.path.isfile(own)
    table = pyproject_table(pyproject) if _mentions_us(pyproject) else None
    if own_exists:
        if table is not None:
            raise ConfigError(
                f"both {CONFIG_FILE} and [{TABLE}] in {PYPROJECT} configure ai-rollback",
                hint="keep one of them",
            )
        return validate(_parse_toml(own), CONFIG_FILE), CONFIG_FILE
    if table is not None:
        return validate(table, f"{PYPROJECT} [{TABLE}]"), PYPROJECT
    return defaults(), None


def _mentions_us(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"ai-rollback" in f.read()
    except OSError:
        return False


def load(root: str | None, cache_dir: str | None = None) -> Config:
    """The configuration of the repository at ``root`` (defaults when there is none).

    With ``cache_dir`` the validated result is cached there.
    """
    if root is None:
        from ai_rollback.config.schema import defaults

        return Config(defaults(), None, None)
    key = (
        __version__,
        root,
        stat_key(os.path.join(root, CONFIG_FILE)),
        stat_key(os.path.join(root, PYPROJECT)),
    )
    cache = os.path.join(cache_dir, "config.cache") if cache_dir else None
    if cache:
        cached = _read_cache(cache, key)
        if cached is not None:
            return Config(cached[0], cached[1], root, cache_dir)
    values, source = _read(root)
    if cache:
        _write_cache(cache, key, values, source)
    return Config(values, source, root, cache_dir)


def _read_cache(path: str, key: tuple[object, ...]) -> tuple[dict[str, object], str | None] | None:
    stored = read_marshal(path, key)
    if not isinstance(stored, tuple) or len(stored) != 2:
        return None
    values, source = stored
    if not isinstance(values, dict) or not (source is None or isinstance(source, str)):
        return None
    return values, source


def _write_cache(path: str, key: tuple[object, ...], values: dict[str, object], source: str | None) -> None:
    write_marshal(path, key, (values, source))


#: a cache file: this magic, the payload's checksum and length (8 bytes each), the payload
_MAGIC = b"AIRC1\n"
_PRIME = (1 << 61) - 1


def _checksum(payload: bytes) -> int:
    """The payload as a number modulo a prime: any one damaged byte changes it, random bytes
    match with odds of 2**-61; no import (the commit-msg hook reads a cache every commit)."""
    return int.from_bytes(payload, "little") % _PRIME


def read_marshal(path: str, key: tuple[object, ...]) -> object | None:
    """What :func:`write_marshal` stored at ``path`` under ``key``; None if absent, stale or unreadable.

    The checksum is checked before ``marshal`` reads the payload: a few damaged bytes could
    otherwise make it allocate gigabytes (a tuple's length is read before its items).
    """
    import marshal

    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > 1 << 24:
                return None  # no cache of ours is that large
            data = f.read()
    except OSError:
        return None
    head = len(_MAGIC) + 16
    if not data.startswith(_MAGIC) or len(data) < head:
        return None
    digest = int.from_bytes(data[len(_MAGIC) : len(_MAGIC) + 8], "little")
    length = int.from_bytes(data[len(_MAGIC) + 8 : head], "little")
    payload = data[head:]
    if len(payload) != length or _checksum(payload) != digest:
        return None
    try:
        stored: object = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != key:
        return None
    value: object = stored[1]
    return value


def write_marshal(path: str, key: tuple[object, ...], value: object) -> None:
    """Store ``value`` (plain data) at ``path`` under ``key``, atomically; quietly not where it can't."""
    import marshal

    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        payload = marshal.dumps((key, value))  # type: ignore[arg-type]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(_MAGIC + _checksum(payload).to_bytes(8, "little") + len(payload).to_bytes(8, "little"))
            f.write(payload)
        os.replace(tmp, path)
    except OSError:  # a read-only repository still works, just without the cache
        try:
            os.unlink(tmp)
        except OSError:
            pass
