"""jinja2 templates: the package's own, or the user's, always rendered sandboxed.

Package templates live in ``templates/`` at the repository root and ship in
the wheel as ``ai_rollback/templates``.  A user template (``template`` in the
configuration) is rendered in a ``SandboxedEnvironment`` with
``StrictUndefined``: it can format the values it is given, nothing more.
"""

from __future__ import annotations

import os
from pathlib import Path

from ai_rollback.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from jinja2.sandbox import SandboxedEnvironment

    from ai_rollback.config import Config

COMMIT_TEMPLATE = "commit-message.j2"


def template_dir() -> Path:
    """The package templates: in the wheel, or the checkout's ``templates/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent.parent / "templates"):
        if (candidate / COMMIT_TEMPLATE).is_file():
            return candidate
    raise ConfigError(
        "ai-rollback's templates are missing from this installation",
        hint="reinstall it: pip install --force-reinstall ai-rollback",
    )


_environments: dict[tuple[str, ...], SandboxedEnvironment] = {}


def _environment(search: Sequence[str | Path]) -> SandboxedEnvironment:
    """One sandboxed environment per template folder (jinja2 caches compiled templates in it)."""
    key = tuple(str(p) for p in search)
    if key in _environments:
        return _environments[key]
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    _environments[key] = env
    return env


def render_file(name: str, values: Mapping[str, object], user_template: str | None = None) -> str:
    """Render package template ``name``, or ``user_template`` (a path) instead."""
    import jinja2

    if user_template:
        path = Path(user_template)
        if not path.is_file():
            raise ConfigError(
                f"template {user_template!r} does not exist",
                hint="fix `template` in the ai-rollback configuration",
            )
        env = _environment([path.parent])
        template_name = path.name
    else:
        env = _environment([template_dir()])
        template_name = name
    try:
        return env.get_template(template_name).render(**values)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"template {exc.filename or template_name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise ConfigError(f"template {user_template or template_name}: {exc}") from None


def commit_template(config: Config, *, comment: str, files: Sequence[str], model: str, prompt: str) -> str:
    """The prepare-commit-msg text for an editor commit."""
    user = config.template
    if user and config.root and not os.path.isabs(user):
        user = os.path.join(config.root, user)
    return render_file(
        COMMIT_TEMPLATE,
        {
            "c": comment,
            "ai_label": config.ai_label,
            "human_label": config.human_label,
            "files": list(files),
            "model": model,
            "prompt": prompt,
            "required": config.required_trailers,
        },
        user,
    )
