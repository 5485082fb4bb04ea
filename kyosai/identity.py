"""Who is at the keyboard, for the upload record when nobody signed in."""

from __future__ import annotations

import getpass


def login_name(fallback: str) -> str:
    """The operating-system login name, or `fallback` where the system cannot tell."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return fallback
