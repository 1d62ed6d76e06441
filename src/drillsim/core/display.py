"""How results show themselves in a notebook and at the Python prompt.

:class:`Rows` is what a summary comes back as: a list of plain dicts (one per row) that also converts to
an Arrow table or a pandas DataFrame and shows as an HTML table in Jupyter. :func:`short_repr` and
:func:`html_block` give result objects a one-line ``repr`` and a small ``_repr_html_``: a reader sees what
an object is at a glance, and asks for the rows (``to_pandas()``) when they want them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Rows", "html_block", "html_table", "short_repr", "units_of", "with_units"]

MAX_HTML_ROWS = 40
"""Rows shown in a notebook before the table says how many more there are."""


def _cell(value: Any) -> str:
    """A value as people read it in a table: floats with four significant digits, NaN and None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.0f}" if abs(value) >= 10000 else f"{value:.4g}"
    return str(value)


def html_table(rows: Iterable[Mapping[str, Any]], *, columns: list[str] | None = None) -> str:
    """Rows as an HTML table (escaped); at most :data:`MAX_HTML_ROWS`, then a line saying how many more."""
    rows = list(rows)
    names = columns if columns is not None else list(rows[0]) if rows else []
    head = "".join(f"<th>{html.escape(str(n))}</th>" for n in names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row.get(n)))}</td>" for n in names) + "</tr>"
        for row in rows[:MAX_HTML_ROWS]
    )
    more = len(rows) - MAX_HTML_ROWS
    tail = f"<p>... {more} more row(s): <code>.to_pandas()</code> gives them all</p>" if more > 0 else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{tail}"


def html_block(title: str, facts: Mapping[str, Any], table: str = "") -> str:
    """A titled block for ``_repr_html_``: the title, a line of facts (name: value), then a table."""
    line = ", ".join(f"{html.escape(str(k))}: <b>{html.escape(_cell(v))}</b>" for k, v in facts.items())
    return f"<div><p><b>{html.escape(title)}</b><br>{line}</p>{table}</div>"


def short_repr(kind: str, facts: Mapping[str, Any]) -> str:
    """``Kind(name='x', replications=100, ...)``: one line, the facts that tell objects apart."""
    return f"{kind}(" + ", ".join(f"{k}={v!r}" for k, v in facts.items()) + ")"


class Rows(list[dict[str, Any]]):
    """Rows of a table, one plain dict per row, that also convert: :meth:`to_arrow`, :meth:`to_pandas`.

    It is a list, so everything a list of dicts allows still works (``rows[0]["mean"]``, iteration,
    comparison with a list); in Jupyter it shows as an HTML table.
    """

    def to_arrow(self) -> Any:
        """The rows as a ``pyarrow.Table`` (columns in the first row's order)."""
        import pyarrow as pa

        return pa.Table.from_pylist(list(self))

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (needs pandas)."""
        return self.to_arrow().to_pandas()

    def _repr_html_(self) -> str:
        return html_table(self)


def with_units(table: Any, units: Mapping[str, str]) -> Any:
    """A ``pyarrow.Table`` whose columns carry their unit: each named column's field metadata gets
    ``unit``, and the table's metadata gets ``PANDAS_ATTRS`` (``{"units": {...}}``), which
    ``pandas.read_parquet`` puts into the DataFrame's ``attrs``. Other metadata is kept."""
    import json

    import pyarrow as pa

    fields = [
        field.with_metadata({**(field.metadata or {}), b"unit": units[field.name].encode("utf-8")})
        if field.name in units
        else field
        for field in table.schema
    ]
    shown = {name: units[name] for name in table.column_names if name in units}
    meta = {**(table.schema.metadata or {}), b"PANDAS_ATTRS": json.dumps({"units": shown}).encode("utf-8")}
    return pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=meta))


def units_of(table: Any) -> dict[str, str]:
    """The unit of each column of a ``pyarrow.Table`` that carries one (see :func:`with_units`)."""
    return {
        field.name: field.metadata[b"unit"].decode("utf-8")
        for field in table.schema
        if field.metadata and b"unit" in field.metadata
    }
