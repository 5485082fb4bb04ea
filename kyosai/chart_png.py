"""Charts as PNG images with Japanese text, rendered by vl-convert (only where an image is made:
the 利用率の推移 download and the committee pack)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert as vlc

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
# vl-convert cannot measure a browser container, so PNG export uses this width instead.
EXPORT_WIDTH = 960


@cache
def _register_fonts() -> None:
    # Once per process: vl-convert rescans the directory on every registration.
    if NOTO_DIR.is_dir():
        vlc.register_font_directory(str(NOTO_DIR))


def chart_to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes, rendered by vl-convert with the Noto CJK fonts."""
    return spec_to_png(json.loads(chart.to_json()), scale)


def spec_to_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    """A Vega-Lite spec as PNG bytes, rendered by vl-convert with the Noto CJK fonts."""
    _register_fonts()
    spec = dict(spec)
    if spec.get("width") == "container":
        spec["width"] = EXPORT_WIDTH
    return vlc.vegalite_to_png(json.dumps(spec), scale=scale)
