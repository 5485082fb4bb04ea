"""会議資料: the committee view for the projector, and the committee pack download."""

from kyosai.ui import committee_render, data
from kyosai.ui.routing import require_router

require_router()
options = data.filter_options()
choice = committee_render.controls(options.months, options.schemes)
model = data.committee_model(**choice)
committee_render.header(model)
committee_render.tables(model)
committee_render.charts(model)
committee_render.pack_section(choice, data.committee_pack)
