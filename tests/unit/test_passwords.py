"""The staff password is stored only as a salted scrypt hash, and checked in constant time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kyosai.passwords import hash_password, verify_password
from tests.cli_run import run_cli


def test_hash_is_salted_and_verifies() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second  # a fresh salt each time
    assert "correct horse battery" not in first
    assert first.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery", first)
    assert verify_password("correct horse battery", second)
    assert not verify_password("correct horse batterY", first)


def test_malformed_hashes_never_match() -> None:
    for stored in ("", "plain", "scrypt$1$2$3", "bcrypt$16384$8$1$AAAA$BBBB", "scrypt$x$8$1$A$B"):
        assert not verify_password("anything", stored)


@settings(max_examples=10, deadline=None)
@given(password=st.text(min_size=1, max_size=30), other=st.text(min_size=1, max_size=30))
def test_only_the_same_password_verifies(password: str, other: str) -> None:
    stored = hash_password(password)
    assert verify_password(password, stored)
    assert verify_password(other, stored) == (other == password)


def test_cli_prints_a_secrets_line_and_refuses_short_passwords() -> None:
    ok = run_cli("hash-password", input="a long staff password\n")
    assert ok.returncode == 0, ok.stderr
    line = next(x for x in ok.stdout.splitlines() if x.startswith("staff_password_hash"))
    assert verify_password("a long staff password", line.split('"')[1])
    short = run_cli("hash-password", input="short\n")
    assert short.returncode == 1 and "12文字以上" in short.stderr
