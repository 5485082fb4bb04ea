"""Files the app serves itself, so that nothing is fetched from outside."""

from pathlib import Path

PAGE_ICON = Path(__file__).with_name("icon.png")
