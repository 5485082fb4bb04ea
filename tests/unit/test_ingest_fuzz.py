"""Fuzzing the upload path: random and damaged files never crash it and never write.

About 200 examples in all. Besides "never raises", two oracles: the streamed XML scan must place
cells at least as far out as calamine really does (so what it lets through cannot abort the
process), and its chunked text-run check must agree with measuring the whole text at once.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import fastexcel
import hypothesis.strategies as st
import pytest
import xlsxwriter
from hypothesis import HealthCheck, event, given, settings
from polars.testing import assert_frame_equal

from kyosai import store
from kyosai.calendar import month_label_long
from kyosai.catalog import default_catalog
from kyosai.ingest.limits import MAX_TEXT_RUN_BYTES, TextRuns, XmlScan
from kyosai.ingest.parse import ParseResult, parse_upload
from kyosai.ingest.plan import plan_upload
from tests.quarter_files import long_xlsx, quarter_counts
from tests.sample_db import copy_db
from tests.xml_strategies import Element, cell_references, damage, sheet_elements

TODAY = date(2026, 1, 15)
CATALOG = default_catalog()
CRASH = "思いがけないエラー"
VALID_XLSX = long_xlsx(quarter_counts())


def _valid_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["制度", "手続", "年月", "オンライン件数", "全体件数"])
    for (procedure_id, month), (online, total) in quarter_counts().items():
        procedure = CATALOG.procedure(procedure_id)
        scheme = CATALOG.scheme(procedure.scheme_id).name
        writer.writerow([scheme, procedure.name, month_label_long(month), online, total])
    return out.getvalue().encode("utf-8-sig")


VALID_CSV = _valid_csv()


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@pytest.fixture(scope="module")
def con(
    tmp_path_factory: pytest.TempPathFactory, sample_db_template: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One copy of the sample DB for every example: nothing may ever be written to it."""
    connection = store.connect(
        copy_db(sample_db_template, tmp_path_factory.mktemp("fuzz") / "k.duckdb")
    )
    yield connection
    connection.close()


def check(con: duckdb.DuckDBPyConnection, data: bytes, name: str) -> ParseResult:
    """parse_upload and plan_upload on the file: no crash, a clear outcome, nothing written."""
    result = parse_upload(data, name, CATALOG, TODAY)
    assert all(CRASH not in p.message for p in result.problems), [
        p.message for p in result.problems
    ]
    assert all(p.message.startswith(p.location) for p in result.problems)
    assert result.ok == (not result.problems)
    assert result.problems or not result.rows.is_empty()
    counts, version = store.read_counts(con), store.data_version(con)
    plan = plan_upload(con, data, name, CATALOG, TODAY)
    assert plan.parsed.problems == result.problems
    assert store.data_version(con) == version
    assert_frame_equal(store.read_counts(con), counts)
    return result


def rezip(body: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = change.get(info.filename, source.read(info))
            target.writestr(info.filename, part, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@fuzz(30)
@given(st.binary(max_size=4096))
def test_random_bytes(con: duckdb.DuckDBPyConnection, body: bytes) -> None:
    check(con, body, "random.bin")


@fuzz(40)
@given(st.data())
def test_damaged_xlsx(con: duckdb.DuckDBPyConnection, data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        body = damage(data, VALID_XLSX)
    else:
        # Damage inside the sheet XML, re-zipped, so it reaches the XML scan and calamine.
        with zipfile.ZipFile(io.BytesIO(VALID_XLSX)) as archive:
            part = data.draw(st.sampled_from(archive.namelist()))
            inner = archive.read(part)
        body = rezip(VALID_XLSX, {part: damage(data, inner)})
    check(con, body, "damaged.xlsx")


@fuzz(30)
@given(st.data())
def test_damaged_csv(con: duckdb.DuckDBPyConnection, data: st.DataObject) -> None:
    check(con, damage(data, VALID_CSV), "damaged.csv")


def one_sheet_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet("s").write(0, 0, 1)
    workbook.close()
    return buffer.getvalue()


ONE_SHEET = one_sheet_xlsx()


MEMBER_NAMES = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/worksheets/sheet2.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/vbaProject.bin",
    "XL/WORKBOOK.XML",
    "../evil.xml",
    "xl/media/a.png",
]
FRAGMENTS = [
    b"<?xml version='1.0'?>",
    b'<workbook><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
    b'<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
    b"<worksheet><sheetData>",
    b'<row r="1"><c r="A1"><v>1</v></c></row>',
    b'<c r="XFD1048576"><v>1</v></c>',
    b'<row r="4294967295">',
    b'<sst uniqueCount="99999999999">',
    b"<si><t>x</t></si>",
    b"</sheetData></worksheet>",
    b"macroEnabled",
    b"\x00\xff<>&\"'",
]


@st.composite
def random_zips(draw: st.DrawFn) -> bytes:
    """Random members, on their own or over the parts of a real one-sheet workbook."""
    buffer = io.BytesIO()
    base: list[tuple[str, bytes, int]] = []
    if draw(st.booleans()):
        with zipfile.ZipFile(io.BytesIO(ONE_SHEET)) as real:
            base = [(name, real.read(name), zipfile.ZIP_DEFLATED) for name in real.namelist()]
    members = base + draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from(MEMBER_NAMES), st.text(min_size=1, max_size=30)),
                st.one_of(
                    st.binary(max_size=300),
                    st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(b"".join),
                ),
                st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
            ),
            max_size=8,
        )
    )
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # duplicate names are part of the point
        for name, body, method in members:
            try:
                archive.writestr(name, body, method)
            except (ValueError, UnicodeError, IndexError):
                continue  # a name zipfile itself will not write (empty, NUL, surrogates)
    return buffer.getvalue()


@fuzz(30)
@given(random_zips())
def test_random_zip_archives(con: duckdb.DuckDBPyConnection, body: bytes) -> None:
    result = check(con, body, "random.xlsx")
    event(result.problems[0].expected if result.problems else "read")


# --- the scan against calamine ----------------------------------------------------------------

ELEMENTS = sheet_elements(cell_references(30, 400, ["", "A0", "1A", "a5", "$A$1", "A", "7"]))


def sheet_xml(elements: list[Element], prefix: str) -> bytes:
    parts = []
    for kind, reference, empty in elements:
        r = "" if reference is None else f' r="{reference}"'
        if kind == "/row":
            parts.append(f"</{prefix}row>")
        elif kind == "row":
            parts.append(f"<{prefix}row{r}{'/' if empty else ''}>")
        elif empty:
            parts.append(f"<{prefix}c{r} s='0'/>")
        else:
            parts.append(f"<{prefix}c{r}><{prefix}v>1</{prefix}v></{prefix}c>")
    return "".join(parts).encode()


@fuzz(50)
@given(
    st.lists(ELEMENTS, max_size=40),
    st.sampled_from(["", "x:"]),
    st.integers(1, 64),
)
def test_scan_places_cells_at_least_as_far_as_calamine(
    con: duckdb.DuckDBPyConnection,
    elements: list[Element],
    prefix: str,
    chunk: int,
) -> None:
    cells = sheet_xml(elements, prefix)
    with zipfile.ZipFile(io.BytesIO(ONE_SHEET)) as archive:
        original = archive.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(
        rb"<sheetData>.*</sheetData>", b"<sheetData>" + cells + b"</sheetData>", original
    )
    scan = XmlScan(sheet="s")
    for at in range(0, len(sheet), chunk):
        assert scan.feed(sheet[at : at + chunk]) is None  # references stay far inside the limits
    try:
        loaded = fastexcel.read_excel(rezip(ONE_SHEET, {"xl/worksheets/sheet1.xml": sheet}))
        frame = loaded.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
    except Exception:  # calamine refuses some of these references; then nothing was allocated
        frame = None
    event("calamine read it" if frame is not None else "calamine refused it")
    if frame is not None and frame.height and frame.width:
        assert scan.max_row + 1 >= frame.total_height
        assert scan.max_column - scan.min_column + 1 >= frame.width
    check(con, rezip(ONE_SHEET, {"xl/worksheets/sheet1.xml": sheet}), "scan.xlsx")


@fuzz(20)
@given(
    st.lists(
        st.tuples(st.integers(0, MAX_TEXT_RUN_BYTES + 200), st.sampled_from([b"<", b">"])),
        max_size=6,
    ),
    st.integers(1, 70_000),
)
def test_text_runs_agree_across_chunk_boundaries(runs: list[tuple[int, bytes]], chunk: int) -> None:
    text = b"".join(b"a" * length + marker for length, marker in runs) + b"a" * 10
    longest = max(len(run) for run in re.split(rb"[<>]", text))
    checker = TextRuns()
    found = any(checker.feed(text[at : at + chunk]) for at in range(0, len(text), chunk))
    assert found == (longest > MAX_TEXT_RUN_BYTES)
