"""The cell formats, page setup and heading every sheet of the committee pack shares."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from kyosai.committee import CommitteeModel
from kyosai.status import LOOKS, Status
from kyosai.views import SAMPLE_NOTICE

MET_FILL = LOOKS[Status.MET].fill
HEADER_FILL = "#DDEBF7"


class Formats:
    """The cell formats of the pack, made once per workbook."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.heading = book.add_format({"bold": True, "font_size": 12})
        self.note = book.add_format({"italic": True, "font_color": "#444444"})
        self.warning = book.add_format({"bold": True, "font_color": "#9C0006"})
        self.wrap_note = book.add_format({"font_color": "#444444", "text_wrap": True})
        self.header = book.add_format(
            {
                "bold": True,
                "bg_color": HEADER_FILL,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.text = book.add_format({"border": 1, "valign": "vcenter"})
        self.wrap = book.add_format({"border": 1, "valign": "vcenter", "text_wrap": True})
        self.merged = book.add_format({"border": 1, "valign": "vcenter", "align": "center"})
        self.center = book.add_format({"border": 1, "align": "center", "valign": "vcenter"})
        self.count = book.add_format({"border": 1, "num_format": "#,##0"})
        self.integer = book.add_format({"border": 1, "num_format": "0", "align": "center"})
        self.percent = book.add_format({"border": 1, "num_format": "0.0%"})
        self.met = book.add_format(
            {"border": 1, "num_format": "0.0%", "bold": True, "bg_color": MET_FILL}
        )
        # Light fills; the mark in the same cell carries the meaning in grey-scale.
        self.status = {
            look.css: book.add_format(
                {"border": 1, "bold": True, "bg_color": look.fill, "align": "center"}
            )
            for look in LOOKS.values()
        }
        self.paragraph = book.add_format({"text_wrap": True, "valign": "top"})
        self.paragraph_heading = book.add_format({"bold": True, "font_size": 12})


def page_setup(sheet: Worksheet, model: CommitteeModel, repeat_to: int | None) -> None:
    """A4 landscape, one page wide, the headings repeated, the title and page numbers."""
    # Printed as handed out at the committee: A4 landscape, one page wide, headings repeated.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.7, right=0.7, top=0.75, bottom=0.75)
    if repeat_to is not None:
        sheet.repeat_rows(0, repeat_to)
    title = model.title.replace("&", "&&")
    sheet.set_header(f"&L{title}&R{model.created_label}")
    sheet.set_footer("&C&P / &N")


def heading(sheet: Worksheet, model: CommitteeModel, fmt: Formats, subtitle: str) -> int:
    """Title, as-of line and (for sample data) the caveat; returns the next free row."""
    sheet.write_string(0, 0, f"{model.title}　{subtitle}" if subtitle else model.title, fmt.title)
    latest = model.as_of_label or "なし"
    sheet.write_string(1, 0, f"最新データ {latest}、作成 {model.created_label}", fmt.note)
    if model.is_sample:
        sheet.write_string(2, 0, SAMPLE_NOTICE, fmt.warning)
        return 4
    return 3
