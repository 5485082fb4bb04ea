"""Tests for kyosai.report (資料3's words from data/report.toml and the outreach lines) and the
`deck` command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kyosai.catalog import DATA_DIR, Event, default_catalog
from kyosai.report import ReportTextError, load_report_text, outreach_lines
from tests.cli_run import run_cli
from tests.deck_reading import open_deck

CATALOG = default_catalog()


def _report_dir(tmp_path: Path, text: str) -> Path:
    (tmp_path / "report.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_shipped_words_are_the_seeds() -> None:
    text = load_report_text()
    assert text.document_label == "資料3"
    assert [s.heading for s in text.background] == [
        "(1) これまでの経緯",
        "(2) 利用者目線での第三者チェックの方法と時期について",
    ]
    assert text.background[0].bullets[1] == (
        "経済産業省は「オンライン利用率引上げの基本計画」を作成。令和2年12月4日にホームページで公表。"
    )


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda s: s.replace('document_label = "資料3"', "document_label = 3"), "document_label"),
        (lambda s: s.replace("[progress]", "[progres]"), "[progress]"),
        (
            lambda s: s.replace('organisation = ["', 'organisation = "').replace(
                '", "共済事業推進部"]', '"'
            ),
            "organisation",
        ),
        (lambda s: s.replace('title = "1.', "title = 1."), "書き方に誤り"),
    ],
)
def test_a_mistake_in_the_words_file_is_named(tmp_path: Path, edit: object, named: str) -> None:
    original = (DATA_DIR / "report.toml").read_text(encoding="utf-8")
    folder = _report_dir(tmp_path, edit(original))  # type: ignore[operator]
    with pytest.raises(ReportTextError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_report_text(folder)


def test_a_measure_is_told_its_date_once() -> None:
    events = (
        Event(date(2025, 11, 1), False, None, (), "チラシ", "年末調整期の勧奨チラシを同封。"),
        Event(date(2025, 9, 1), False, None, (), "広報", "令和7年9月の拡充に合わせて広報。"),
        Event(None, False, None, (), "広告", "インターネット広告を断続的に実施。"),
        # An online start belongs to 現在の状況, not to the measures.
        Event(date(2023, 9, 1), False, None, ("tosan_kanyu",), "開始", "加入の受付を開始。"),
    )
    assert outreach_lines(events, CATALOG) == [
        "インターネット広告を断続的に実施。",
        "令和7年9月の拡充に合わせて広報。",
        "【令和7年11月】年末調整期の勧奨チラシを同封。",
    ]


def test_cli_deck_writes_an_editable_deck(tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    out = tmp_path / "資料3.pptx"
    result = run_cli(
        "deck", "--out", out, "--db", db, "--created", "令和7年11月", "--label", "資料4"
    )
    assert (result.returncode, result.stdout.strip()) == (0, str(out)), result.stderr
    slides = list(open_deck(out.read_bytes()).slides)
    texts = {s.name: s.text_frame.text for s in slides[0].shapes if s.has_text_frame}
    assert (texts["資料番号"], texts["作成年月"]) == ("資料4", "令和7年11月")
    assert len(slides) == 6


def test_cli_deck_refuses_a_month_it_cannot_read(tmp_path: Path) -> None:
    out = tmp_path / "資料3.pptx"
    result = run_cli("deck", "--out", out, "--db", tmp_path / "k.duckdb", "--created", "13月")
    assert result.returncode == 2
    assert "--created: 月として読めません" in result.stderr and "例: 令和7年12月" in result.stderr
    assert not out.exists()


def test_cli_deck_names_an_unwritable_place(tmp_path: Path) -> None:
    out = tmp_path / "no-such-folder" / "資料3.pptx"
    result = run_cli("deck", "--out", out, "--db", tmp_path / "k.duckdb")
    assert result.returncode == 1
    assert "書き出せません" in result.stderr and "Traceback" not in result.stderr
