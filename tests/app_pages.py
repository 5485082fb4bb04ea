"""The app's pages, as AppTest switches to them."""

APP_PAGES = [
    "pages/overview.py",
    "pages/trends.py",
    "pages/table.py",
    "pages/committee.py",
    "pages/definitions.py",
    "pages/upload.py",
    "pages/history.py",
    "pages/events.py",
]
