"""One module per command, each a typed function over plain values that returns an exit code.

``cli.py`` declares the options and calls these; tests call them directly.
:mod:`~ai_rollback.commands.common` opens the repository and its settings once.
"""
