"""`python -m kyosai …`: the command line, on the same code paths as the pages.

One parser (main), one set of exit codes and one way to name the user (common); the commands
live with their concern: tables (init, table, template, export), uploads (import, history,
undo) and admin (restore, hash-password).
"""

from kyosai.cli.main import main

__all__ = ["main"]
