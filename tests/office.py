"""Files made by a real office suite at test time: LibreOffice headless (`soffice`).

The .xls and .ods fixtures are converted from xlsx files the tests write, so no binary is
committed that could not be made again. Where LibreOffice is missing these tests skip with the
reason; with KYOSAI_REQUIRE_OFFICE=1 (CI installs libreoffice-calc) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

MISSING_OFFICE_REASON = (
    "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc to run these tests"
)


def soffice() -> str:
    """The soffice executable; skips the test (or fails it, in CI) where there is none."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is not None:
        return found
    if os.environ.get("KYOSAI_REQUIRE_OFFICE") == "1":
        pytest.fail(f"{MISSING_OFFICE_REASON}; KYOSAI_REQUIRE_OFFICE=1 is set", pytrace=False)
    pytest.skip(MISSING_OFFICE_REASON)


def require_tool(name: str, package: str) -> str:
    """A command-line tool of the office or PDF stack; skipped (failed in CI) where missing."""
    found = shutil.which(name)
    if found is not None:
        return found
    reason = f"{name} is not installed: apt-get install {package} to run this test"
    if os.environ.get("KYOSAI_REQUIRE_OFFICE") == "1":
        pytest.fail(f"{reason}; KYOSAI_REQUIRE_OFFICE=1 is set", pytrace=False)
    pytest.skip(reason)


def convert(data: bytes, suffix: str, target: str) -> bytes:
    """`data` (a file ending in `suffix`) converted by LibreOffice to `target` (`xls`, `ods`…)."""
    executable = soffice()
    with tempfile.TemporaryDirectory(prefix="kyosai-office-") as folder:
        work = Path(folder)
        source = work / f"source{suffix}"
        source.write_bytes(data)
        # A profile of its own, so parallel or leftover LibreOffice processes never share one.
        profile = (work / "profile").as_uri()
        subprocess.run(
            [
                executable,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(work / "out"),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        extension = target.split(":", 1)[0]
        return (work / "out" / f"source.{extension}").read_bytes()
