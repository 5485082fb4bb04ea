"""Out of the box the app listens on this machine only, with XSRF on and a bounded upload."""

from __future__ import annotations

import tomllib
from pathlib import Path

from kyosai.ingest.limits import MAX_UPLOAD_BYTES

CONFIG = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"


def test_fresh_start_listens_on_localhost_only() -> None:
    server = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]
    assert server["address"] == "localhost"
    assert server["enableXsrfProtection"] is True
    assert server["maxUploadSize"] * 1024 * 1024 == MAX_UPLOAD_BYTES
