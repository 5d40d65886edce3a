"""The numbers the papers report, to print next to ours."""

from __future__ import annotations

from ._protocols import PROTOCOLS

__all__ = ["PAPER_TABLE_I", "PAPER_TABLE_II", "paper_table_i", "paper_table_ii"]

#: The CNN-ResBiLSTM paper, Table I (disaster dataset, 7 classes of 40..400 real videos):
#: ``{model: (accuracy, macro F1, weighted F1)}``, the six rows in the paper's order (its
#: weighted F1 is printed apart from the table, in Section V-B). Read from the
#: ``resbilstm-table1`` protocol file, the one place the numbers are written.
PAPER_TABLE_I = dict(PROTOCOLS["resbilstm-table1"].paper)

#: The CNN-ResBiLSTM paper, Table II (imbalanced UCF101), same rows and columns, from the
#: ``resbilstm-table2`` protocol file.
PAPER_TABLE_II = dict(PROTOCOLS["resbilstm-table2"].paper)


def _rows(table):
    return [{"model": name, "accuracy": acc, "f1_macro": f1, "f1_weighted": wf1}
            for name, (acc, f1, wf1) in table.items()]


def paper_table_i():
    """The CNN-ResBiLSTM paper's Table I as rows, with the score names of
    :func:`cross_validate_presets`.

    The rows are named as the first six rows of the ``demo`` protocol, so the two tables
    line up.

    Returns
    -------
    rows : list of dict
        ``{"model", "accuracy", "f1_macro", "f1_weighted"}`` per row of the paper's table.

    Examples
    --------
    >>> from skvideo_clf.protocols import paper_table_i
    >>> row = paper_table_i()[-1]
    >>> len(paper_table_i()), row["model"], row["accuracy"], row["f1_macro"]
    (6, 'ResBiLSTM + oversampling + weighting', 0.7, 0.513)
    """
    return _rows(PAPER_TABLE_I)


def paper_table_ii():
    """The CNN-ResBiLSTM paper's Table II (imbalanced UCF101) as rows, named as
    :func:`paper_table_i`'s.

    Returns
    -------
    rows : list of dict
        ``{"model", "accuracy", "f1_macro", "f1_weighted"}`` per row of the paper's table.

    Examples
    --------
    >>> from skvideo_clf.protocols import paper_table_ii
    >>> row = paper_table_ii()[4]
    >>> row["model"], row["accuracy"], row["f1_weighted"]
    ('ResBiLSTM + oversampling', 0.723, 0.717)
    """
    return _rows(PAPER_TABLE_II)
