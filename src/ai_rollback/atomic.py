"""Replacing a file whole: a new file beside it, renamed over it, never written through a link.

Standard library only (it runs on the hook path when an agent's capture is used up).
"""

from __future__ import annotations

import os


def replace_file(
    path: str, data: bytes, mode: int = 0o600, durable: bool = False, owner: os.stat_result | None = None
) -> None:
    """Give ``path`` the content ``data`` (and ``mode``) in one rename.

    The new file is created beside it with ``O_EXCL`` and ``O_NOFOLLOW``: a
    leftover or a planted symlink under that name is removed first, never
    followed.  On any failure the new file goes and ``path`` is as it was.
    ``durable``: the data reaches the disk before the rename (a crash leaves
    the old file or the new one, never an empty one).  ``owner``: the old file's
    ``stat``; the new one gets its owner and group where we may give them (as root).
    """
    temporary = f"{path}.{os.getpid()}.ai-rollback-tmp"
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if owner is not None and (owner.st_uid, owner.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(temporary, owner.st_uid, owner.st_gid)
            except PermissionError:
                pass  # not ours to give: the new file is the writer's, as any editor's save would be
        os.chmod(temporary, mode)  # the umask may have taken bits off
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
