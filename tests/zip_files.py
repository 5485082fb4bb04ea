"""xlsx packages built part by part: the layouts real writers use beyond Excel's own, and a zip
directory that lies about a part's size."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape

from kyosai.ingest.problems import column_letters

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
HARMLESS_ROWS: list[list[object]] = [["x"]]


def lie_about_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size rewritten to `size` in both of its headers."""
    patched = bytearray(data)
    name = member.encode()
    central = patched.find(b"PK\x01\x02")
    while central >= 0:
        (length,) = struct.unpack_from("<H", patched, central + 28)
        if bytes(patched[central + 46 : central + 46 + length]) == name:
            struct.pack_into("<I", patched, central + 24, size)
            (local,) = struct.unpack_from("<I", patched, central + 42)
            struct.pack_into("<I", patched, local + 22, size)
            return bytes(patched)
        central = patched.find(b"PK\x01\x02", central + 4)
    raise AssertionError(member)


def rels(*relations: tuple[str, str, str]) -> str:
    """A relationships part: (id, type's last word, target) each."""
    body = "".join(
        f'<Relationship Id="{rid}" Type="{OFFICE}/{kind}" Target="{target}"/>'
        for rid, kind, target in relations
    )
    return f'<Relationships xmlns="{PACKAGE_RELS}">{body}</Relationships>'


def workbook(sheet: str = "件数") -> str:
    """A workbook part listing one sheet, related as rId1."""
    return (
        f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
        f'<sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def sheet_xml(rows: Sequence[Sequence[object]], extra: str = "") -> str:
    """A worksheet part: text as inline strings, numbers as numbers, `extra` rows at the end."""
    body = []
    for r, cells in enumerate(rows, 1):
        xml = []
        for c, value in enumerate(cells):
            ref = f"{column_letters(c)}{r}"
            if isinstance(value, bool) or value is None or value == "":
                continue
            if isinstance(value, int | float):
                xml.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                xml.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        body.append(f'<row r="{r}">{"".join(xml)}</row>')
    return f'<worksheet xmlns="{MAIN}"><sheetData>{"".join(body)}{extra}</sheetData></worksheet>'


def shared_strings(unique_count: int) -> str:
    """A shared-strings part announcing `unique_count` strings (and holding one)."""
    return f'<sst xmlns="{MAIN}" count="1" uniqueCount="{unique_count}"><si><t>x</t></si></sst>'


# The part names of each layout: (workbook, its rels, the sheet, the relationship's target, and
# the shared strings). Every one is read by calamine; each once slipped past the safety scan.
LAYOUTS: dict[str, dict[str, str]] = {
    # Member names written with backslashes, in another case (some Windows tools).
    "backslashes": {
        "root_rels": "_rels\\.rels",
        "workbook": "XL\\Workbook.xml",
        "workbook_rels": "xl\\_RELS\\workbook.xml.rels",
        "sheet": "xl\\Worksheets\\Sheet1.XML",
        "target": "worksheets/sheet1.xml",
        "strings": "xl\\SharedStrings.xml",
        "office_target": "xl/workbook.xml",
    },
    # The workbook outside xl/, reached through _rels/.rels, beside a harmless xl/ decoy.
    "outside-xl": {
        "root_rels": "_rels/.rels",
        "workbook": "data/workbook.xml",
        "workbook_rels": "data/_rels/workbook.xml.rels",
        "sheet": "data/sheet1.xml",
        "target": "sheet1.xml",
        "strings": "data/sharedStrings.xml",
        "office_target": "data/workbook.xml",
    },
    # An absolute relationship target, beside a harmless sheet where the scan used to look.
    "absolute-target": {
        "root_rels": "_rels/.rels",
        "workbook": "xl/workbook.xml",
        "workbook_rels": "xl/_rels/workbook.xml.rels",
        "sheet": "data/sheet1.xml",
        "target": "/data/sheet1.xml",
        "strings": "xl/sharedStrings.xml",
        "office_target": "xl/workbook.xml",
    },
    # Every part at the top (calamine's minimal_package.xlsx).
    "top-level": {
        "root_rels": "_rels/.rels",
        "workbook": "workbook.xml",
        "workbook_rels": "_rels/workbook.xml.rels",
        "sheet": "sheet1.xml",
        "target": "sheet1.xml",
        "strings": "sharedStrings.xml",
        "office_target": "workbook.xml",
    },
}


def layout_package(layout: str, sheet: str, strings: str | None = None) -> bytes:
    """A workbook in `layout` whose one sheet is the XML `sheet`, with decoys where they fool."""
    names = LAYOUTS[layout]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        office = rels(("rId1", "officeDocument", names["office_target"]))
        package.writestr(names["root_rels"], office)
        package.writestr(names["workbook"], workbook())
        relations = [("rId1", "worksheet", names["target"])]
        if strings is not None:
            package.writestr(names["strings"], strings)
            base = names["strings"].replace("\\", "/").rsplit("/", 1)[-1]
            relations.append(("rId2", "sharedStrings", base))
        package.writestr(names["workbook_rels"], rels(*relations))
        package.writestr(names["sheet"], sheet)
        if layout != "backslashes" and not names["workbook"].startswith("xl/"):
            package.writestr("xl/workbook.xml", workbook())
            decoy = rels(("rId1", "worksheet", "worksheets/sheet1.xml"))
            package.writestr("xl/_rels/workbook.xml.rels", decoy)
        if names["sheet"] != "xl/worksheets/sheet1.xml" and layout != "backslashes":
            package.writestr("xl/worksheets/sheet1.xml", sheet_xml(HARMLESS_ROWS))
    return buffer.getvalue()
