"""The chart sheets of an Excel binary workbook (.xlsb), read from its sheet list.

calamine cannot load a chart sheet of an .xlsb ("failed to fill whole buffer"). A chart holds
no counts, so such a sheet is skipped rather than refused, but only a sheet the workbook itself
declares a chart sheet: any other sheet that fails to load is still a problem.
"""

from __future__ import annotations

import posixpath
import struct

from kyosai.ingest.package import Members, part_name, relationships
from kyosai.ingest.zipparts import read_member

_BUNDLE_SHEET = 0x9C
_END_BUNDLE_SHEETS = 0x90


def _records(data: bytes) -> list[tuple[int, bytes]]:
    """The (type, payload) records of an MS-XLSB part, until the end or the first bad one."""
    found: list[tuple[int, bytes]] = []
    at = 0
    while at < len(data):
        kind = data[at]
        at += 1
        if kind & 0x80:
            if at >= len(data):
                break
            kind = (kind & 0x7F) | ((data[at] & 0x7F) << 7)
            at += 1
        size, shift = 0, 0
        for _ in range(4):
            if at >= len(data):
                return found
            byte = data[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        found.append((kind, data[at : at + size]))
        at += size
        if kind == _END_BUNDLE_SHEETS:
            break
    return found


def _wide(payload: bytes, at: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<I", payload, at)
    end = at + 4 + 2 * length
    return payload[at + 4 : end].decode("utf-16-le", errors="replace"), end


def chart_sheets(members: Members, data: bytes, workbook: str) -> frozenset[str]:
    """The names of the sheets the workbook lists whose part is a chart sheet."""
    targets = {r.id: r.target for r in relationships(members, data, workbook)}
    info = members.find(workbook)
    if info is None:
        return frozenset()
    charts = set()
    for kind, payload in _records(read_member(data, info)):
        if kind != _BUNDLE_SHEET or len(payload) < 12:
            continue
        try:
            rel, at = _wide(payload, 8)
            name, _ = _wide(payload, at)
        except struct.error:
            continue
        target = targets.get(rel, "")
        if posixpath.basename(posixpath.dirname(part_name(target))) == "chartsheets":
            charts.add(name)
    return frozenset(charts)
