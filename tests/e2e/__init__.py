"""End-to-end browser tests (headless Chromium through Playwright)."""
