"""Rows of dicts as aligned text, Markdown or CSV tables (no pandas needed)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral

import numpy as np

from ..utils.compat.sklearn import Interval, StrOptions, validate_params

__all__ = ["format_table"]


def _plain(value):
    """A JSON-friendly Python value (NumPy scalars and labels become int/float/str)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _cell(value, digits):
    value = _plain(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "" if digits is None else "n/a"
        return repr(value) if digits is None else f"{value:.{digits}f}"
    return str(value)


@validate_params(
    {
        "rows": [Iterable],
        "columns": [Iterable, None],
        "fmt": [StrOptions({"text", "markdown", "csv"})],
        "digits": [Interval(Integral, 0, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def format_table(rows, columns=None, *, fmt="text", digits=3) -> str:
    """Format rows of dicts as an aligned text, Markdown or CSV table (no pandas needed).

    Parameters
    ----------
    rows : iterable of dict
        One dict per row; missing keys give empty cells.
    columns : sequence of str, default=None
        Column order; defaults to the keys in order of first appearance.
    fmt : {"text", "markdown", "csv"}, default="text"
        Aligned plain text, a GitHub Markdown table, or CSV.
    digits : int or None, default=3
        Decimals shown for floats in text and Markdown (None: full precision); CSV always
        keeps full precision.

    Returns
    -------
    table : str
        Numeric columns are right-aligned; the text and Markdown lines carry no trailing
        spaces.

    Examples
    --------
    >>> from skvideo_clf.metrics import format_table
    >>> rows = [{"model": "LSTM", "accuracy": 0.5}, {"model": "ResBiLSTM", "accuracy": 0.75}]
    >>> print(format_table(rows, fmt="markdown"))
    | model     | accuracy |
    | :-------- | -------: |
    | LSTM      |    0.500 |
    | ResBiLSTM |    0.750 |
    """
    if isinstance(rows, Mapping) or not isinstance(rows, Sequence):
        rows = list(rows)
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c], None) if c in row else "" for c in columns])
        return buf.getvalue()
    cells = [[_cell(row[c], digits) if c in row else "" for c in columns] for row in rows]
    numeric = [all(isinstance(_plain(row.get(c)), (int, float)) and not isinstance(
        _plain(row.get(c)), bool) for row in rows if c in row) and any(c in r for r in rows)
        for c in columns]
    widths = [max([len(str(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    if fmt == "markdown":
        widths = [max(w, 3) for w in widths]

    def line(values):
        parts = [v.rjust(w) if num else v.ljust(w)
                 for v, w, num in zip(values, widths, numeric, strict=True)]
        return "| " + " | ".join(parts) + " |" if fmt == "markdown" else "  ".join(parts)

    out = [line([str(c) for c in columns])]
    if fmt == "markdown":
        out.append("| " + " | ".join(("-" * (w - 1) + ":") if num else (":" + "-" * (w - 1))
                                     for w, num in zip(widths, numeric, strict=True)) + " |")
    else:
        out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in cells)
    return "\n".join(s.rstrip() for s in out)


class _ReportTables:
    """Text, Markdown and CSV from ``_summary_rows`` and ``_per_class_rows``."""

    _rows_title = "Per class"

    def _summary_rows(self):
        return [{"metric": k, "value": v} for k, v in self.summary().items()]

    def to_markdown(self, digits=3) -> str:
        """The summary and the per-class (per-label) table as Markdown."""
        return ("## Summary\n\n" + format_table(self._summary_rows(), fmt="markdown",
                                                digits=digits)
                + f"\n\n## {self._rows_title}\n\n"
                + format_table(self._per_class_rows(), fmt="markdown", digits=digits) + "\n")

    def to_csv(self, table="per_class") -> str:
        """One table as CSV at full precision: ``"per_class"`` or ``"summary"``."""
        if table == "per_class":
            return format_table(self._per_class_rows(), fmt="csv")
        if table == "summary":
            return format_table(self._summary_rows(), fmt="csv")
        raise ValueError(f"table must be 'per_class' or 'summary', got {table!r}.")

    def __str__(self) -> str:
        return (format_table(self._summary_rows(), fmt="text") + "\n\n"
                + format_table(self._per_class_rows(), fmt="text"))
