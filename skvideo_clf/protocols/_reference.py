"""The numbers the papers report, to print next to ours."""

from __future__ import annotations

__all__ = ["PAPER_TABLE_I", "PAPER_TABLE_II", "paper_table_i", "paper_table_ii"]

#: Seed 000, Table I (disaster dataset, 7 classes of 40..400 real videos, caption line 582):
#: ``{model: (accuracy, macro F1, weighted F1)}``, the six rows in the paper's order.
#: Accuracy and F1 on lines 591-611, weighted F1 printed apart on lines 616-620 and 624.
PAPER_TABLE_I = {
    "CNN-LSTM": (0.589, 0.339, 0.526),
    "CNN-LSTM + class weighting": (0.663, 0.428, 0.654),
    "CNN-LSTM + oversampling": (0.671, 0.456, 0.662),
    "CNN-LSTM + oversampling + weighting": (0.678, 0.477, 0.688),
    "ResBiLSTM + oversampling": (0.681, 0.493, 0.678),
    "ResBiLSTM + oversampling + weighting": (0.700, 0.513, 0.706),
}

#: Seed 000, Table II (imbalanced UCF101, caption line 627), same rows and columns.
#: Accuracy and F1 on lines 636-656, weighted F1 on lines 661-665 and 670.
PAPER_TABLE_II = {
    "CNN-LSTM": (0.685, 0.655, 0.670),
    "CNN-LSTM + class weighting": (0.680, 0.660, 0.670),
    "CNN-LSTM + oversampling": (0.706, 0.684, 0.696),
    "CNN-LSTM + oversampling + weighting": (0.690, 0.669, 0.679),
    "ResBiLSTM + oversampling": (0.723, 0.702, 0.717),
    "ResBiLSTM + oversampling + weighting": (0.705, 0.686, 0.696),
}


def _rows(table):
    return [{"model": name, "accuracy": acc, "f1_macro": f1, "f1_weighted": wf1}
            for name, (acc, f1, wf1) in table.items()]


def paper_table_i():
    """Seed 000's Table I as rows, with the score names of :func:`cross_validate_presets`.

    The rows are named as the first six rows of :func:`demo_presets`, so the two tables
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
    """Seed 000's Table II (imbalanced UCF101) as rows, named as :func:`paper_table_i`'s.

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
