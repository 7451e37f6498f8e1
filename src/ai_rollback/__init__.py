"""ai-rollback: make AI-written code safe to undo.

This module is imported on the commit-msg hook path: keep it free of imports.
"""

__version__ = "0.1.0"
