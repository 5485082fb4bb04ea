"""Zip uploads (.xlsx, .xlsb, .ods): refused from the zip directory and a streamed scan of the
parts the workbook really uses, before any spreadsheet reader allocates memory for them.

An xlsx that passes is rebuilt from exactly the scanned parts (`package.repack`), so the reader
cannot read a part the scan did not check. A .xlsb or .ods is binary or laid out differently;
past the directory checks, the reader worker's memory and time limits are its guard.
"""

from __future__ import annotations

import io
import zipfile

from kyosai.ingest import formats, limits
from kyosai.ingest.formats import Sniffed
from kyosai.ingest.package import (
    AmbiguousPart,
    Members,
    WorkbookParts,
    find_workbook,
    is_workbook_xml,
    repack,
    workbook_parts,
)
from kyosai.ingest.problems import FILE_LOCATION, Problem, make_problem
from kyosai.ingest.quickscan import QUICK_PART_BYTES, quick_scan
from kyosai.ingest.xlsb import chart_sheets
from kyosai.ingest.zipparts import DamagedPart, member_chunks, read_member, zip_entries

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def _check_directory(infos: list[zipfile.ZipInfo], file_name: str) -> Problem | None:
    """Zip-bomb checks on the sizes the zip directory declares, before decompressing anything."""
    total = sum(info.file_size for info in infos)
    if total > limits.MAX_UNZIPPED_BYTES:
        return limits.unzipped_too_big(file_name, total)
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        squeezed = info.file_size > limits.RATIO_FLOOR_BYTES and ratio > limits.MAX_RATIO
        if info.file_size > limits.MAX_MEMBER_BYTES or squeezed:
            return limits.member_too_big(file_name, info.filename, info.file_size, ratio)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            body = (
                f"「{file_name}」は Excel が使わない圧縮方式（{info.compress_type}）で"
                f"圧縮されています。{formats.XLSX_ONLY}"
            )
            found = f"圧縮方式 {info.compress_type}"
            return make_problem(FILE_LOCATION, found, "Excel で保存した .xlsx", body)
    return None


def _scan_part(
    data: bytes, info: zipfile.ZipInfo, scan: limits.XmlScan, where: str
) -> Problem | None:
    """Stream one sheet or the shared strings through the scan, chunk by chunk."""
    if info.file_size <= QUICK_PART_BYTES:
        try:
            whole = read_member(data, info)
        except DamagedPart:
            whole = b""  # streamed below, so a problem found before the damage still comes first
        if whole and quick_scan(whole, scan):
            return None
    runs = limits.TextRuns()
    for chunk in member_chunks(data, info):
        problem = scan.feed(chunk)
        if problem is not None:
            return problem
        if runs.feed(chunk):
            return limits.text_too_long(where)
    if scan.unique_strings > limits.MAX_CELLS:
        return limits.too_many_strings(scan.unique_strings)
    return None


def _scan_parts(data: bytes, parts: WorkbookParts, file_name: str) -> Problem | None:
    """Stream every part the reader will get once, with bounded memory."""
    if parts.listed > limits.MAX_SHEETS:
        return limits.too_many_sheets(parts.listed)
    strings = parts.shared_strings
    if strings is not None and strings.file_size > limits.MAX_SHARED_STRINGS_BYTES:
        return limits.shared_strings_too_big(file_name, strings.file_size)
    cells, budget = 0, limits.MAX_XML_TAGS
    for sheet in parts.sheets:
        if sheet.member is None:
            continue
        scan = limits.XmlScan(sheet=sheet.name, tag_budget=budget)
        problem = _scan_part(data, sheet.member, scan, f"シート「{sheet.name}」")
        if problem is not None:
            return problem
        budget = scan.tag_budget
        cells += scan.cells
        if cells > limits.MAX_CELLS:
            return limits.too_many_cells(cells)
    if strings is not None:
        scan = limits.XmlScan(sheet=strings.filename, tag_budget=budget)
        problem = _scan_part(data, strings, scan, "ブック内の文字列")
        if problem is not None:
            return problem
        budget = scan.tag_budget
    if parts.styles is not None:
        # calamine reads every cell format at open: counted against the same allowance.
        for chunk in member_chunks(data, parts.styles):
            budget -= chunk.count(b"<")
            if budget < 0:
                return limits.too_many_tags(parts.styles.filename)
    return None


def _is_ods(data: bytes, members: Members) -> bool:
    mimetype = members.find("mimetype")
    return mimetype is not None and read_member(data, mimetype).strip() == _ODS_MIMETYPE


def _ods_is_encrypted(data: bytes, members: Members) -> bool:
    manifest = members.find("META-INF/manifest.xml")
    return manifest is not None and b"encryption-data" in read_member(data, manifest)


def _sniff_members(data: bytes, infos: list[zipfile.ZipInfo], file_name: str) -> Sniffed:
    members = Members(infos)
    names = members.names()
    if any(name.endswith("vbaproject.bin") for name in names):
        return formats.refused(formats.macro(file_name))
    if any(info.flag_bits & 0x1 for info in infos):
        return formats.encrypted_zip(file_name)
    problem = _check_directory(infos, file_name)
    if problem is not None:
        return formats.refused(problem)
    if _is_ods(data, members):
        if _ods_is_encrypted(data, members):
            return formats.password_protected(file_name, ".ods")
        return formats.accepted_native(data)
    workbook = find_workbook(members, data)
    if workbook is None:
        # A .docx or .pptx is also such a zip, with a main part that is no workbook.
        return formats.not_a_table(file_name)
    if workbook.filename.lower().endswith(".bin"):
        # .xlsb: binary records, guarded by the worker. Its content type always says
        # "macroEnabled", so only a VBA part (refused above) marks one with macros.
        return formats.accepted_native(data, chart_sheets(members, data, workbook.filename))
    types = members.find("[Content_Types].xml")
    if types is not None and b"macroenabled" in read_member(data, types).lower():
        return formats.refused(formats.macro(file_name))
    if not is_workbook_xml(read_member(data, workbook)):
        return formats.not_a_table(file_name)
    parts = workbook_parts(members, data, workbook)
    problem = _scan_parts(data, parts, file_name)
    if problem is not None:
        return formats.refused(problem)
    return formats.accepted_xlsx(repack(data, parts))


def sniff_zip(data: bytes, file_name: str) -> Sniffed:
    """A zip upload: its checked, rebuilt xlsx package, a binary workbook, or one problem."""
    claimed = zip_entries(data)
    if claimed is not None and claimed > limits.MAX_MEMBERS:
        return formats.refused(limits.too_many_members(file_name, claimed))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except Exception:  # a damaged directory raises BadZipFile, OSError, struct.error and more
        return formats.refused(formats.broken_zip(file_name))
    if len(infos) > limits.MAX_MEMBERS:
        return formats.refused(limits.too_many_members(file_name, len(infos)))
    try:
        return _sniff_members(data, infos, file_name)
    except DamagedPart as damaged:
        return formats.refused(formats.broken_zip(file_name, str(damaged)))
    except AmbiguousPart as ambiguous:
        return formats.refused(formats.ambiguous_part(file_name, str(ambiguous)))
