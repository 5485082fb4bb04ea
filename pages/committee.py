"""会議資料: the committee view for the projector, and the committee pack download."""

from kyosai.ui import committee_render, data
from kyosai.ui.routing import require_router

require_router()
options = data.filter_options()
choice = committee_render.controls(options.months, options.schemes)
screen = data.committee_screen(choice)
committee_render.header(screen)
committee_render.tables(screen)
committee_render.charts(screen)
committee_render.downloads(choice, data.committee_pack, data.committee_deck)
