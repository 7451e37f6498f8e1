"""The one door to git: nothing outside this package starts a git process.

* :mod:`~ai_rollback.git.run`: the process runner (``posix_spawn`` for the
  hook path, :class:`~ai_rollback.git.run.Git` for everything else, with a
  shielded run for the steps an interrupt must not cut).
* :mod:`~ai_rollback.git.repo`: opening a repository; HEAD from git's files.
* :mod:`~ai_rollback.git.log`: the one log format and its token parser.
* :mod:`~ai_rollback.git.objects`: object and tree readers and writers.

This file imports nothing: the commit-msg hook imports ``git.run`` alone.
"""
