"""Hypothesis strategies shared by the ingest fuzz and property tests: damaged bytes, sheet XML."""

from __future__ import annotations

from collections.abc import Sequence

import hypothesis.strategies as st

from kyosai.ingest.problems import column_letters

# One element of a sheet's XML: its tag ("row", "/row" or a cell tag), its r attribute (None:
# no attribute) and whether it is self-closing.
Element = tuple[str, str | None, bool]


def damage(data: st.DataObject, body: bytes) -> bytes:
    """Random byte flips, a truncation or an insertion."""
    damaged = bytearray(body)
    how = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 20))):
            damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(st.integers(0, 255))
    elif how == "truncate":
        del damaged[data.draw(st.integers(0, len(damaged) - 1)) :]
    else:
        at = data.draw(st.integers(0, len(damaged)))
        damaged[at:at] = data.draw(st.binary(min_size=1, max_size=64))
    return bytes(damaged)


def cell_references(
    max_column: int, max_row: int, odd: Sequence[str]
) -> st.SearchStrategy[str | None]:
    """A cell's r attribute: none, a reference up to (max_column, max_row), or an odd one."""
    return st.one_of(
        st.none(),
        st.builds(
            lambda c, r: f"{column_letters(c)}{r}",
            st.integers(0, max_column),
            st.integers(1, max_row),
        ),
        st.sampled_from(odd),
    )


def sheet_elements(
    references: st.SearchStrategy[str | None], cell_tags: Sequence[str] = ("c",)
) -> st.SearchStrategy[Element]:
    """Row openings (numbered or not), row closings and cells, to be put in any order."""
    return st.one_of(
        st.tuples(
            st.just("row"), st.one_of(st.none(), st.integers(1, 400).map(str)), st.booleans()
        ),
        st.tuples(st.just("/row"), st.none(), st.booleans()),
        *(st.tuples(st.just(tag), references, st.booleans()) for tag in cell_tags),
    )
