"""Excel binary workbooks (.xlsb) written record by record, as MS-XLSB lays them out.

No Python library writes .xlsb and LibreOffice only reads it, so the tests build the few
records a workbook of counts needs: the sheet list, and per sheet its rows and cells (numbers
as BrtCellReal, text as BrtCellSt). Excel and calamine both read such a file.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence

# Record types (MS-XLSB 2.3.2), by the numbers the records carry.
BEGIN_SHEET, END_SHEET, BEGIN_BOOK, END_BOOK = 0x81, 0x82, 0x83, 0x84
BEGIN_BUNDLE_SHEETS, END_BUNDLE_SHEETS, BUNDLE_SHEET = 0x8F, 0x90, 0x9C
BEGIN_SHEET_DATA, END_SHEET_DATA, SHEET_DIMENSION = 0x91, 0x92, 0x94
ROW_HEADER, CELL_REAL, CELL_STRING = 0x00, 0x05, 0x06
_TYPE = "application/vnd.ms-excel"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

Cell = tuple[int, int, object]  # row, column (both 0-based), value (str, int or float)


def record(kind: int, payload: bytes = b"") -> bytes:
    """One record: its type and length as variable-length integers, then the payload."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size, length = len(payload), b""
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            break
    return head + length + payload


def wide(text: str) -> bytes:
    """An XLWideString: its length in UTF-16 code units, then the UTF-16LE text."""
    data = text.encode("utf-16-le")
    return struct.pack("<I", len(data) // 2) + data


def _cell(column: int, value: object) -> bytes:
    head = struct.pack("<II", column, 0)  # column, then the style index and flags
    if isinstance(value, str):
        return record(CELL_STRING, head + wide(value))
    assert isinstance(value, int | float), value
    return record(CELL_REAL, head + struct.pack("<d", float(value)))


def sheet_part(cells: Sequence[Cell]) -> bytes:
    """A worksheet's records: its dimension, then each row header and its cells in order."""
    rows = sorted({row for row, _, _ in cells}) or [0]
    columns = [column for _, column, _ in cells] or [0]
    dimension = struct.pack("<IIII", rows[0], rows[-1], min(columns), max(columns))
    body = [record(BEGIN_SHEET), record(SHEET_DIMENSION, dimension), record(BEGIN_SHEET_DATA)]
    for row in rows:
        body.append(record(ROW_HEADER, struct.pack("<IIHH", row, 0, 300, 0) + bytes(9)))
        for _, column, value in sorted(cell for cell in cells if cell[0] == row):
            body.append(_cell(column, value))
    body += [record(END_SHEET_DATA), record(END_SHEET)]
    return b"".join(body)


def grid_cells(rows: Sequence[Sequence[object]]) -> list[Cell]:
    """The filled cells of a grid given row by row (None and "" are empty)."""
    return [
        (r, c, value)
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value is not None and value != ""
    ]


def xlsb(
    sheets: dict[str, Sequence[Cell] | bytes], chart_sheets: dict[str, bytes] | None = None
) -> bytes:
    """A .xlsb workbook holding the given sheets (cells, or a part's raw bytes), in order,
    then chart sheets (name → part)."""
    book = [record(BEGIN_BOOK), record(BEGIN_BUNDLE_SHEETS)]
    rels = []
    for index, name in enumerate(sheets, 1):
        payload = struct.pack("<II", 0, index) + wide(f"rId{index}") + wide(name)
        book.append(record(BUNDLE_SHEET, payload))
        rels.append(
            f'<Relationship Id="rId{index}" Type="{_RELS}/worksheet" '
            f'Target="worksheets/sheet{index}.bin"/>'
        )
    charts = chart_sheets or {}
    for index, name in enumerate(charts, len(sheets) + 1):
        payload = struct.pack("<II", 0, index) + wide(f"rId{index}") + wide(name)
        book.append(record(BUNDLE_SHEET, payload))
        rels.append(
            f'<Relationship Id="rId{index}" Type="{_RELS}/chartsheet" '
            f'Target="chartsheets/sheet{index}.bin"/>'
        )
    book += [record(END_BUNDLE_SHEETS), record(END_BOOK)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="bin" ContentType="{_TYPE}.sheet.binary.macroEnabled.main"/>'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{_RELS}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        archive.writestr("xl/workbook.bin", b"".join(book))
        archive.writestr(
            "xl/_rels/workbook.bin.rels",
            f'<Relationships xmlns="{_PACKAGE_RELS}">{"".join(rels)}</Relationships>',
        )
        for index, cells in enumerate(sheets.values(), 1):
            part = cells if isinstance(cells, bytes) else sheet_part(cells)
            archive.writestr(f"xl/worksheets/sheet{index}.bin", part)
        for index, part in enumerate(charts.values(), len(sheets) + 1):
            archive.writestr(f"xl/chartsheets/sheet{index}.bin", part)
    return buffer.getvalue()
