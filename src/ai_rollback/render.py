"""jinja2 templates: the package's own, or the user's, always rendered sandboxed.

Package templates live in ``templates/`` at the repository root and ship in
the wheel as ``ai_rollback/templates``.  A user template (``template`` in the
configuration) is rendered in a ``SandboxedEnvironment`` with
``StrictUndefined``: it can format the values it is given, nothing more.
"""

from __future__ import annotations

import os
from pathlib import Path

from ai_rollback.credentials import redact_text
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
        loader=jinja2.FileSystemLoader([str(p) for p in search]) if search else jinja2.DictLoader({}),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    _environments[key] = env
    return env


def render_file(name: str, values: Mapping[str, object], user_template: Path | None = None) -> str:
    """Render package template ``name``, or the text of ``user_template`` instead; secrets redacted.

    A user template is rendered from its own text alone: it cannot include or
    import another file.  Whatever a template produces goes through the same
    redaction as every other output (a credential in a prompt stays out of tags
    and commits).
    """
    import jinja2

    if user_template is not None:
        env = _environment([])
        source = str(user_template)
        try:
            template = env.from_string(user_template.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read the template {source!r}: {exc}",
                hint="fix `template` in the ai-rollback configuration",
            ) from None
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"template {source}:{exc.lineno}: {exc.message}") from None
    else:
        source = name
        try:
            template = _environment([template_dir()]).get_template(name)
        except jinja2.TemplateSyntaxError as exc:  # pragma: no cover - our templates are tested
            raise ConfigError(f"template {exc.filename or name}:{exc.lineno}: {exc.message}") from None
    try:
        text = template.render(**values)
    except jinja2.TemplateError as exc:
        raise ConfigError(f"template {source}: {exc}") from None
    return redact_text(text)


def user_template_path(config: Config) -> Path | None:
    """The configured template, which must be a file inside the repository (symlinks resolved)."""
    configured = config.template
    if not configured:
        return None
    root = os.path.realpath(config.root or os.getcwd())
    path = os.path.realpath(os.path.join(root, configured))
    if os.path.commonpath([root, path]) != root:
        raise ConfigError(
            f"template {configured!r} resolves to {path}, outside the repository; "
            "a repository's configuration may only name a template inside it",
            hint="put the template in the repository and give its path from the repository root",
        )
    if not os.path.isfile(path):
        raise ConfigError(
            f"template {configured!r} does not exist", hint="fix `template` in the ai-rollback configuration"
        )
    return Path(path)


def commit_template(config: Config, *, comment: str, files: Sequence[str], model: str, prompt: str) -> str:
    """The prepare-commit-msg text for an editor commit."""
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
        user_template_path(config),
    )


def render_html(name: str, values: Mapping[str, object]) -> str:
    """Render the package's HTML template ``name`` with every value escaped (jinja2's autoescape).

    Markup built by the project (the SVG charts, whose texts are escaped where
    they are drawn) is passed as ``markupsafe.Markup``.  Secrets are redacted
    by the caller, value by value, before they are put into markup: a pass over
    the finished page would match across the markup itself (a key's header with
    no end line took the rest of the page; ``token=`` ate the tags after it).
    """
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(template_dir())]),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(name).render(**values)
