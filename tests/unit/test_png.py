"""PNG export renders Japanese glyphs, not tofu: checks that fail when no CJK font is found."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from PIL import Image, ImageChops

from kyosai import chart_png
from kyosai.catalog import default_catalog
from kyosai.committee import CommitteeChoice, committee

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = "オンライン利用率"
# Code points no font here draws: private use and an unassigned block. They can only come out
# as .notdef boxes (tofu), which is exactly how Japanese looks when no CJK font is found.
PRIVATE_USE = "".join(chr(0xE000 + i) for i in range(len(JAPANESE)))
UNASSIGNED = "".join(chr(0x2FE0 + i) for i in range(len(JAPANESE)))
FONT = "Noto Sans CJK JP"
# Share of pixels that must differ between real glyphs and tofu (about 0.15 is seen here;
# without a CJK font it is exactly 0, because both strings render as the same boxes or as
# nothing at all).
MIN_DIFFERENCE = 0.03
MIN_INK = 0.01
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


def text_spec(text: str, font: str = FONT) -> dict[str, Any]:
    """A tiny Vega-Lite spec that draws `text` in black on white."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 420,
        "height": 70,
        "background": "white",
        "data": {"values": [{}]},
        "mark": {"type": "text", "font": font, "fontSize": 40, "color": "black"},
        "encoding": {"text": {"value": text}},
        "config": {"font": font, "view": {"stroke": None}},
    }


def grey(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("L")


def difference(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ clearly (by more than a quarter of the grey range)."""
    size = (max(a.width, b.width), max(a.height, b.height))
    padded = []
    for image in (a, b):
        canvas = Image.new("L", size, 255)
        canvas.paste(image, (0, 0))
        padded.append(canvas)
    changed = ImageChops.difference(*padded).point(lambda v: 255 if v > 64 else 0)
    return changed.histogram()[255] / (size[0] * size[1])


def ink(image: Image.Image) -> float:
    """Share of dark pixels."""
    return image.point(lambda v: 255 if v < 128 else 0).histogram()[255] / (
        image.width * image.height
    )


def measure(font: str = FONT) -> dict[str, float]:
    """Render the Japanese text and the tofu texts; how much they differ, and the ink."""
    japanese = grey(chart_png.spec_to_png(text_spec(JAPANESE, font), scale=1.0))
    private = grey(chart_png.spec_to_png(text_spec(PRIVATE_USE, font), scale=1.0))
    unassigned = grey(chart_png.spec_to_png(text_spec(UNASSIGNED, font), scale=1.0))
    return {
        "vs_private_use": difference(japanese, private),
        "vs_unassigned": difference(japanese, unassigned),
        "ink": ink(japanese),
    }


def test_japanese_text_renders_as_glyphs_not_tofu() -> None:
    result = measure()
    assert result["ink"] > MIN_INK, "the Japanese text rendered as nothing"
    assert result["vs_private_use"] > MIN_DIFFERENCE, result
    assert result["vs_unassigned"] > MIN_DIFFERENCE, result


@pytest.mark.skipif(not DEJAVU_DIR.is_dir(), reason="needs the DejaVu fonts as the only font")
def test_the_check_fails_when_no_cjk_font_is_found(tmp_path: Path) -> None:
    # Negative control: with fontconfig limited to DejaVu and the Noto directory not
    # registered, the same measurement must come out as a failure of the check above.
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"<dir>{DEJAVU_DIR}</dir><cachedir>{tmp_path / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    script = (
        "import importlib.util, json, pathlib, sys\n"
        "from kyosai import chart_png\n"
        "chart_png.NOTO_DIR = pathlib.Path('/nonexistent')\n"
        f"spec = importlib.util.spec_from_file_location('png_check', {str(__file__)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "print(json.dumps({font: module.measure(font) for font in sys.argv[1:]}))\n"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script, FONT, "DejaVu Sans"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout.splitlines()[-1])
    # The CJK font asked for is missing: nothing is drawn at all.
    assert measured[FONT]["ink"] <= MIN_INK, measured
    # A Latin-only font: the Japanese comes out as the same boxes as the tofu strings.
    assert measured["DejaVu Sans"]["ink"] > MIN_INK, measured
    for values in measured.values():
        assert values["vs_private_use"] <= MIN_DIFFERENCE, measured
        assert values["vs_unassigned"] <= MIN_DIFFERENCE, measured


@pytest.fixture
def trend_spec(sample_con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The 会議資料 trend chart of 小規模企業共済 on the sample data."""
    catalog = default_catalog()
    choice = CommitteeChoice(tuple(s.scheme_id for s in catalog.schemes))
    model = committee(sample_con, catalog, choice, date.today())
    assert model.charts, "the sample data has charts"
    return model.charts[0].spec


def test_real_trend_chart_is_a_png_of_reasonable_size(trend_spec: dict[str, Any]) -> None:
    png = chart_png.spec_to_png(trend_spec)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert 20_000 < len(png) < 5_000_000
    image = grey(png)
    # The export width (960) at scale 2, plus axes and padding.
    assert chart_png.EXPORT_WIDTH * 2 <= image.width <= 4000
    assert 600 <= image.height <= 2000
    assert 0.005 < ink(image) < 0.5


def test_real_trend_chart_title_is_japanese_glyphs(trend_spec: dict[str, Any]) -> None:
    title = trend_spec["title"]
    assert isinstance(title, str) and title == "小規模企業共済"
    tofu = copy.deepcopy(trend_spec)
    tofu["title"] = "".join(chr(0xE000 + i) for i in range(len(title)))
    real, boxed = grey(chart_png.spec_to_png(trend_spec)), grey(chart_png.spec_to_png(tofu))
    band = (0, 0, real.width // 3, real.height // 12)
    # Only the title differs, so its band must differ clearly and the rest not at all.
    assert difference(real.crop(band), boxed.crop(band)) > MIN_DIFFERENCE
    below = (0, real.height // 12, real.width, real.height)
    assert difference(real.crop(below), boxed.crop(below)) < 0.001
