"""The one gate for staff-only actions (upload, undo, history).

On a local run the person at the machine is staff. Sign-in for a shared deployment plugs in
here and nowhere else.
"""

from __future__ import annotations

import getpass

import streamlit as st


def current_user() -> str:
    """The name recorded on uploads and undos."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "ローカル利用者"


def is_staff() -> bool:
    """Whether the current user may upload and undo."""
    return True


def require_staff() -> str:
    """Stop the page unless the user is staff; returns the user's name."""
    if not is_staff():
        st.error("この画面は共済事業推進部の担当者のみ利用できます。")
        st.stop()
    return current_user()
