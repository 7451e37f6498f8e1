"""The ways an ai-revert run stops on purpose; each one means nothing was changed."""

from __future__ import annotations

from ai_rollback.errors import AiRollbackError, CheckFailed


class Refused(AiRollbackError):
    """The repository is not in a state we may change (nothing was changed)."""


class Entanglement(CheckFailed):
    """--entangled stop found AI commits that cannot be reverted alone."""


class Conflict(CheckFailed):
    """A revert did not apply cleanly though the plan said it would."""
