"""Which parts make up an xlsx workbook, found by the packaging rules (OPC), and a new package
holding only those parts, which is all the reader ever sees.

The safety scan and calamine must read the same bytes. calamine finds parts its own way: it
matches names without regard to case or slash direction, reaches the workbook through
`_rels/.rels`, accepts absolute targets, and reads shared strings and styles by a fixed name.
Rather than imitate each rule, the scan decides here which parts the workbook has and checks
exactly those; `repack` then writes them under plain names into a fresh package for calamine.
Whatever calamine reads was scanned, however the original package was laid out.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

from kyosai.ingest.zipparts import read_member

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_SHEET_RE = re.compile(_PREFIX + rb"sheet(?=[\s/>])([^<>]*)>")
_RELATIONSHIP_RE = re.compile(_PREFIX + rb"Relationship(?=[\s/>])([^<>]*)>")
_WORKBOOK_RE = re.compile(_PREFIX + rb"workbook(?=[\s/>])")
_WORKBOOK_PR_RE = re.compile(_PREFIX + rb"workbookPr(?=[\s/>])([^<>]*)>")
_ATTRIBUTE_RE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
# Characters XML 1.0 cannot carry, even escaped: a sheet name holding one is written without it.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STATES = ("visible", "hidden", "veryHidden")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
SHARED_STRINGS = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"


class AmbiguousPart(Exception):
    """Two zip members answer to the same part name (they differ only in case or slashes)."""


def part_name(name: str) -> str:
    """A member name or target as one comparable part name: `/`, no leading slash, lower case."""
    path = posixpath.normpath("/" + name.replace("\\", "/"))
    return path.lstrip("/").lower()


def sheet_member(index: int) -> str:
    """The plain name of the index-th (1-based) worksheet in a repacked package."""
    return f"xl/worksheets/sheet{index}.xml"


class Members:
    """The zip's members by part name."""

    def __init__(self, infos: Iterable[zipfile.ZipInfo]) -> None:
        """Index the members; a name given twice is only a problem once a part needs it."""
        self._by_name: dict[str, list[zipfile.ZipInfo]] = defaultdict(list)
        for info in infos:
            if not info.is_dir():
                self._by_name[part_name(info.filename)].append(info)

    def find(self, name: str) -> zipfile.ZipInfo | None:
        """The member holding part `name`, None if absent; AmbiguousPart if two do."""
        found = self._by_name.get(part_name(name), [])
        if len(found) > 1:
            raise AmbiguousPart(found[0].filename)
        return found[0] if found else None

    def names(self) -> set[str]:
        """Every part name."""
        return set(self._by_name)


@dataclass(frozen=True)
class Relationship:
    """One relationship of a part: what kind (the last word of its type) and the part it names."""

    id: str
    kind: str
    target: str  # a part name, already resolved against the source part
    external: bool


@dataclass(frozen=True)
class SheetPart:
    """A worksheet the workbook lists, and the member holding it (None if it is missing)."""

    name: str
    state: str
    member: zipfile.ZipInfo | None
    part: str


@dataclass(frozen=True)
class WorkbookParts:
    """The parts the reader needs: the worksheets in order, shared strings, styles."""

    listed: int  # sheets of every kind the workbook lists (chart sheets too)
    sheets: tuple[SheetPart, ...]
    shared_strings: zipfile.ZipInfo | None
    styles: zipfile.ZipInfo | None
    date1904: bool


def attributes(tag: bytes) -> dict[str, str]:
    """A start tag's attributes, first occurrence of each name, entity references decoded."""
    found: dict[str, str] = {}
    for key, double, single in _ATTRIBUTE_RE.findall(tag):
        value = (double or single).decode("utf-8", errors="replace")
        found.setdefault(key.decode("ascii", errors="replace"), html.unescape(value))
    return found


def _resolve(source: str, target: str) -> str:
    """A relationship target as a part name: absolute, or relative to the source part's folder."""
    target = target.split("#", 1)[0]
    if target.startswith(("/", "\\")):
        return part_name(target)
    return part_name(posixpath.join(posixpath.dirname(part_name(source)), target))


def relationships(members: Members, data: bytes, source: str) -> list[Relationship]:
    """The relationships of part `source` (`""` for the package), from its `.rels` part."""
    folder, base = posixpath.split(part_name(source))
    info = members.find(posixpath.join(folder, "_rels", base + ".rels"))
    if info is None:
        return []
    found = []
    for tag in _RELATIONSHIP_RE.findall(read_member(data, info)):
        values = attributes(tag)
        target = values.get("Target", "")
        kind = values.get("Type", "").rstrip("/").rsplit("/", 1)[-1].lower()
        external = values.get("TargetMode", "").lower() == "external"
        resolved = _resolve(source, target)
        if members.find(resolved) is None and members.find(_resolve(source, unquote(target))):
            resolved = _resolve(source, unquote(target))  # a URI target, percent-encoded
        found.append(Relationship(values.get("Id", ""), kind, resolved, external))
    return found


def find_workbook(members: Members, data: bytes) -> zipfile.ZipInfo | None:
    """The workbook part: the package's officeDocument, else xl/workbook.xml (or .bin)."""
    for relation in relationships(members, data, ""):
        if relation.kind == "officedocument" and not relation.external:
            found = members.find(relation.target)
            if found is not None:
                return found
    return members.find("xl/workbook.xml") or members.find("xl/workbook.bin")


def is_workbook_xml(workbook: bytes) -> bool:
    """Whether a part is a SpreadsheetML workbook (a .docx's main part is not)."""
    return _WORKBOOK_RE.search(workbook[:65_536]) is not None


def _local_id(values: dict[str, str]) -> str:
    # calamine takes the relationship id from any attribute whose local name is `id`.
    ids = [value for key, value in values.items() if key.rsplit(":", 1)[-1] == "id"]
    return ids[-1] if ids else ""


def workbook_parts(members: Members, data: bytes, workbook: zipfile.ZipInfo) -> WorkbookParts:
    """The worksheets, shared strings and styles of `workbook`, by its relationships."""
    source = workbook.filename
    text = read_member(data, workbook)
    related = {relation.id: relation for relation in relationships(members, data, source)}
    by_kind = {relation.kind: relation for relation in reversed(related.values())}
    tags = _SHEET_RE.findall(text)
    sheets = []
    for tag in tags:
        values = attributes(tag)
        relation = related.get(_local_id(values))
        if relation is None or relation.kind != "worksheet" or relation.external:
            continue  # chart and dialog sheets hold no cells
        state = values.get("state", "visible")
        state = state if state in _STATES else "visible"
        name = _NOT_XML_RE.sub("", values.get("name", ""))
        sheets.append(SheetPart(name, state, members.find(relation.target), relation.target))
    folder = posixpath.dirname(part_name(source))
    pr = _WORKBOOK_PR_RE.search(text)
    date1904 = pr is not None and attributes(pr.group(1)).get("date1904", "") in ("1", "true")
    return WorkbookParts(
        listed=len(tags),
        sheets=tuple(sheets),
        shared_strings=_related(members, by_kind, "sharedstrings", folder, "sharedStrings.xml"),
        styles=_related(members, by_kind, "styles", folder, "styles.xml"),
        date1904=date1904,
    )


def _related(
    members: Members, by_kind: dict[str, Relationship], kind: str, folder: str, fallback: str
) -> zipfile.ZipInfo | None:
    relation = by_kind.get(kind)
    if relation is not None and not relation.external:
        return members.find(relation.target)
    # Some writers leave the relationship out; calamine then looks beside the workbook.
    return members.find(posixpath.join(folder, fallback))


def _content_types(parts: WorkbookParts) -> str:
    overrides = [("/xl/workbook.xml", f"{_TYPE}.sheet.main+xml")]
    overrides += [
        (f"/{sheet_member(i)}", f"{_TYPE}.worksheet+xml")
        for i, sheet in enumerate(parts.sheets, 1)
        if sheet.member is not None
    ]
    if parts.shared_strings is not None:
        overrides.append((f"/{SHARED_STRINGS}", f"{_TYPE}.sharedStrings+xml"))
    if parts.styles is not None:
        overrides.append((f"/{STYLES}", f"{_TYPE}.styles+xml"))
    rows = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in overrides
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{rows}</Types>"
    )


def _rels(rows: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f'<Relationship Id="{rid}" Type="{_RELS}/{kind}" Target="{target}"/>'
        for rid, kind, target in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PACKAGE_RELS}">'
        f"{body}</Relationships>"
    )


def _workbook(parts: WorkbookParts) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(sheet.name)} sheetId="{i}" state="{sheet.state}" r:id="rId{i}"/>'
        for i, sheet in enumerate(parts.sheets, 1)
    )
    pr = '<workbookPr date1904="1"/>' if parts.date1904 else "<workbookPr/>"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        f"{pr}<sheets>{sheets}</sheets></workbook>"
    )


def repack(data: bytes, parts: WorkbookParts) -> bytes:
    """A new xlsx holding only the scanned parts, under the names every reader looks for."""
    rows = [(f"rId{i}", "worksheet", sheet_member(i)[3:]) for i in range(1, len(parts.sheets) + 1)]
    if parts.shared_strings is not None:
        rows.append(("rIdStrings", "sharedStrings", "sharedStrings.xml"))
    if parts.styles is not None:
        rows.append(("rIdStyles", "styles", "styles.xml"))
    out = io.BytesIO()
    # Stored, not deflated: the package lives for one read, and compressing it only costs time.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", _content_types(parts))
        archive.writestr("_rels/.rels", _rels([("rId1", "officeDocument", "xl/workbook.xml")]))
        archive.writestr("xl/workbook.xml", _workbook(parts))
        archive.writestr("xl/_rels/workbook.xml.rels", _rels(rows))
        for i, sheet in enumerate(parts.sheets, 1):
            # A listed sheet whose part is missing stays listed: the reader then names it.
            if sheet.member is not None:
                archive.writestr(sheet_member(i), read_member(data, sheet.member))
        if parts.shared_strings is not None:
            archive.writestr(SHARED_STRINGS, read_member(data, parts.shared_strings))
        if parts.styles is not None:
            archive.writestr(STYLES, read_member(data, parts.styles))
    return out.getvalue()
