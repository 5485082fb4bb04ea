"""Text that came from a file or a person stays text: literal in Markdown, harmless on a
terminal; and the staff password cannot be guessed at speed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyosai.cli.common import printable
from kyosai.literal import markdown_literal
from kyosai.throttle import LOCKOUT_AFTER, LOCKOUT_SECONDS, SignInLimiter, wait_text
from tests.cli_run import run_cli
from tests.quarter_files import long_xlsx, quarter_counts
from tests.sample_db import copy_db

PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@given(st.text())
def test_markdown_literal_escapes_every_punctuation_mark_and_keeps_one_line(text: str) -> None:
    escaped = markdown_literal(text)
    assert "\n" not in escaped and "\r" not in escaped
    # Reading it back as CommonMark does (a backslash before punctuation is that character)
    # gives the text, with line breaks as spaces.
    unescaped = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", escaped)
    assert unescaped == re.sub(r"[\r\n]+", " ", text)
    # No punctuation mark is left bare: nothing can open a link, an image or a directive.
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", escaped)
    assert not PUNCTUATION & set(bare)


def test_an_image_in_a_file_name_is_no_image() -> None:
    assert markdown_literal("![b](http://127.0.0.1:9/by.png)") == (
        r"\!\[b\]\(http\:\/\/127\.0\.0\.1\:9\/by\.png\)"
    )


@given(st.text())
def test_printable_leaves_no_control_a_terminal_acts_on(text: str) -> None:
    shown = printable(text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert not re.search("\r(?!\n)", shown)
    assert len(shown) == len(text)


def test_history_prints_escape_sequences_from_names_harmlessly(
    tmp_path: Path, sample_db_template: Path
) -> None:
    db = copy_db(sample_db_template, tmp_path / "k.duckdb")
    name = "\x1b[2J\x1b]0;pwned\x07\x1b[31m山田\r偽"
    path = tmp_path / "q\x1b[1m.xlsx"
    path.write_bytes(long_xlsx(quarter_counts()))
    imported = run_cli("import", path, "--db", db, "--by", name)
    assert imported.returncode == 0, imported.stderr
    assert "\x1b" not in imported.stdout + imported.stderr
    history = run_cli("history", "--db", db)
    assert history.returncode == 0, history.stderr
    assert "\x1b" not in history.stdout and "\x07" not in history.stdout
    assert "?[2J?]0;pwned??[31m山田?偽" in history.stdout
    assert "q?[1m.xlsx" in history.stdout


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_back_off_exponentially_then_lock_out_for_15_minutes() -> None:
    clock = Clock()
    limiter = SignInLimiter(clock)
    waits = []
    for _ in range(LOCKOUT_AFTER):
        assert limiter.wait_seconds("a") == 0
        waits.append(limiter.failed("a"))
        assert limiter.wait_seconds("a") == waits[-1]
        clock.now += waits[-1]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, LOCKOUT_SECONDS]
    # Another address is not held up by this one.
    assert limiter.wait_seconds("b") == 0


def test_many_sessions_from_one_address_share_one_limit() -> None:
    clock = Clock()
    limiter = SignInLimiter(clock)
    limiter.failed("address 192.0.2.7")
    # Twenty-four tabs opened at once: all wait; none gets a guess checked.
    assert all(limiter.wait_seconds("address 192.0.2.7") > 0 for _ in range(24))


def test_success_and_time_forget_failures() -> None:
    clock = Clock()
    limiter = SignInLimiter(clock)
    for _ in range(3):
        limiter.failed("a")
    limiter.succeeded("a")
    assert limiter.wait_seconds("a") == 0 and limiter.failed("a") == 1
    clock.now += LOCKOUT_SECONDS + 1
    assert limiter.failed("a") == 1  # a fortnight later, a typo starts afresh


@pytest.mark.parametrize(
    ("seconds", "text"), [(1, "1 秒"), (58.2, "59 秒"), (59.2, "1 分"), (900, "15 分")]
)
def test_waits_read_as_staff_read_them(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text
