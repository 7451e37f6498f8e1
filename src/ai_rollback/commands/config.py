"""``ai-rollback config``: the effective configuration, as TOML, and where it comes from."""

from __future__ import annotations

from ai_rollback import hook
from ai_rollback.config import toml as config_toml
from ai_rollback.console import echo
from ai_rollback.errors import OK


def show_config() -> int:
    ctx = hook.load_context()
    echo(config_toml.render(ctx.config), nl=False)
    return OK
