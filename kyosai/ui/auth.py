"""The one gate for staff-only actions (upload, undo, history), and sign-in.

Modes, from `.streamlit/secrets.toml`:
- OIDC (`[auth]` present): `st.login`; staff are the e-mails in `[kyosai] staff_emails`.
- Password (`[kyosai] staff_password_hash`, a salted scrypt hash from
  `python -m kyosai hash-password`): staff sign in with it and give their name.
- Neither, on a server that listens on this machine only: the local user is staff.
- Neither, on a server reachable from elsewhere: nobody is staff; upload and undo are off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from kyosai.identity import login_name
from kyosai.literal import markdown_literal
from kyosai.passwords import verify_password
from kyosai.throttle import SignInLimiter, wait_text

LOCAL_ADDRESSES = frozenset({"localhost", "127.0.0.1", "::1"})
_STAFF_NAME = "kyosai_staff_name"
# One per server process, shared by every session: more tabs do not buy more guesses.
LIMITER = SignInLimiter()

LOCKED_MESSAGE = (
    "このアプリは他のコンピューターからも接続できる設定で動いていますが、職員のサインインが"
    "設定されていないため、データ取込と取消は使えません。.streamlit/secrets.toml に "
    "[auth]（OIDC）と [kyosai] staff_emails、または [kyosai] staff_password_hash"
    "（python -m kyosai hash-password で作成）を設定してください。"
)


@dataclass(frozen=True)
class Access:
    """Who is using the app and what they may do."""

    mode: str  # "local", "oidc", "password" or "locked"
    is_staff: bool
    user: str


def _secrets() -> Mapping[str, Any]:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def listens_locally() -> bool:
    """Whether the server accepts connections from this machine only."""
    address = st.get_option("server.address")
    return bool(address) and str(address) in LOCAL_ADDRESSES


def sign_in_mode(secrets: Mapping[str, Any] | None = None) -> str:
    """How staff are recognised on this server."""
    secrets = _secrets() if secrets is None else secrets
    settings = secrets.get("kyosai", {})
    if "auth" in secrets:
        return "oidc"
    if settings.get("staff_password_hash"):
        return "password"
    return "local" if listens_locally() else "locked"


def access() -> Access:
    """The current user's access, decided afresh on every run."""
    secrets = _secrets()
    mode = sign_in_mode(secrets)
    settings = secrets.get("kyosai", {})
    if mode == "local":
        # The name the user gave this session, else the computer's login name.
        name = st.session_state.get(_STAFF_NAME)
        return Access(mode, True, name or login_name("ローカル利用者"))
    if mode == "oidc":
        if not st.user.is_logged_in:
            return Access(mode, False, "")
        email = str(st.user.get("email") or "").lower()
        staff = {str(e).lower() for e in settings.get("staff_emails", [])}
        return Access(mode, email in staff, email)
    if mode == "password":
        name = st.session_state.get(_STAFF_NAME)
        return Access(mode, bool(name), f"{name}（パスワード認証）" if name else "")
    return Access(mode, False, "")


def require_staff() -> str:
    """Stop the page unless the user is staff; returns the name recorded on their actions."""
    current = access()
    if current.mode == "locked":
        st.error(LOCKED_MESSAGE)
        st.stop()
    if not current.is_staff:
        st.error(
            "この画面は共済事業推進部の職員のみ利用できます。サイドバーからサインインしてください。"
        )
        st.stop()
    return current.user


def sign_in_panel(current: Access) -> None:
    """The sidebar's sign-in and sign-out controls for the configured mode."""
    with st.sidebar:
        if current.mode == "oidc":
            if not st.user.is_logged_in:
                st.button("職員サインイン", on_click=st.login, icon=":material/login:")
            else:
                role = "職員" if current.is_staff else "閲覧のみ"
                st.caption(f"{markdown_literal(current.user)}（{role}）")
                st.button("サインアウト", on_click=st.logout)
        elif current.mode == "password":
            _password_panel(current)
        elif current.mode == "local":
            _local_name_panel(current)
        elif current.mode == "locked":
            st.caption("閲覧専用（職員サインイン未設定）")


def _password_panel(current: Access) -> None:
    if current.is_staff:
        st.caption(f"職員: {markdown_literal(current.user)}")
        if st.button("サインアウト", key="staff_sign_out"):
            del st.session_state[_STAFF_NAME]
            st.rerun()
        return
    with st.form("staff_sign_in", border=True):
        st.markdown("**職員サインイン**")
        name = st.text_input("お名前（取込の記録に残ります）", max_chars=40)
        password = st.text_input("パスワード", type="password", max_chars=200)
        submitted = st.form_submit_button("サインイン")
    if submitted:
        _try_password(name.strip(), password)


def _local_name_panel(current: Access) -> None:
    if st.session_state.get(_STAFF_NAME):
        st.caption(f"取込者: {markdown_literal(current.user)}")
        if st.button("名前を変える", key="local_name_change"):
            del st.session_state[_STAFF_NAME]
            st.rerun()
        return
    with st.form("local_name", border=True):
        name = st.text_input(
            "お名前（取込の記録に残ります）",
            max_chars=40,
            help=f"入力しないときは、このパソコンのログイン名（{markdown_literal(current.user)}）を記録します。",
        )
        submitted = st.form_submit_button("この名前で記録する")
    if submitted and name.strip():
        st.session_state[_STAFF_NAME] = name.strip()
        st.rerun()


def _client_key() -> str:
    # Streamlit knows the address of a remote client; on this machine it says None.
    address = st.context.ip_address
    return f"address {address}" if address else "this machine"


def _try_password(name: str, password: str) -> None:
    key = _client_key()
    wait = LIMITER.wait_seconds(key)
    if wait > 0:
        # Not even checked: a guess during the wait costs the guesser a turn, not us a hash.
        st.error(f"サインインの失敗が続いたため、あと {wait_text(wait)} はサインインできません。")
        return
    stored = str(_secrets().get("kyosai", {}).get("staff_password_hash", ""))
    if name and verify_password(password, stored):
        LIMITER.succeeded(key)
        st.session_state[_STAFF_NAME] = name
        st.rerun()
    wait = LIMITER.failed(key)
    st.error(
        f"お名前とパスワードを確認してください。次のサインインは {wait_text(wait)} 後からできます。"
    )
