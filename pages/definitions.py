"""データの定義: how the rate is computed, the catalogue, sources and the upload record."""

from kyosai.ui import data, render
from kyosai.ui.routing import require_router

require_router()
screen = data.definitions()
render.as_of(screen.model.freshness)
render.definitions(screen)
