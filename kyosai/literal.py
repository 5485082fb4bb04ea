"""Text from a file or a person, made literal for Streamlit's Markdown.

st.markdown, st.error, st.caption and the rest render Markdown, and Streamlit adds its own
syntax on top (`:red[…]`, `:material/…:`, `$…$` maths). A file named `![b](http://host/x.png)`
or an uploader who signs in as `**管理者**` would otherwise become an image every viewer's
browser fetches, or bold text. Every ASCII punctuation character may be escaped with a
backslash in CommonMark, so escaping all of them leaves the text exactly as typed.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# A line break inside user text would start a new Markdown block (a heading, a list).
_LINE_BREAK = re.compile(r"[\r\n]+")


def markdown_literal(text: object) -> str:
    """`text` as Markdown that renders as exactly that text, on one line."""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAK.sub(" ", str(text)))
