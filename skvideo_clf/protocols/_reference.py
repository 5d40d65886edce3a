"""The numbers the papers report, to print next to ours."""

from __future__ import annotations

__all__ = ["PAPER_TABLE_I", "paper_table_i"]

#: Seed 000, Table I (disaster dataset, 7 classes of 40..400 real videos):
#: ``{model: (accuracy, macro F1, weighted F1)}``.
PAPER_TABLE_I = {
    "CNN-LSTM": (0.589, 0.339, 0.526),
    "CNN-LSTM + class weighting": (0.663, 0.428, 0.654),
    "CNN-LSTM + oversampling": (0.671, 0.456, 0.662),
    "ResBiLSTM + oversampling + weighting": (0.700, 0.513, 0.706),
}


def paper_table_i():
    """Seed 000's Table I as rows, with the score names of :func:`cross_validate_presets`.

    The rows are named as the first four rows of :func:`demo_presets`, so the two tables
    line up.

    Returns
    -------
    rows : list of dict
        ``{"model", "accuracy", "f1_macro", "f1_weighted"}`` per row of the paper's table.

    Examples
    --------
    >>> from skvideo_clf.protocols import paper_table_i
    >>> row = paper_table_i()[-1]
    >>> row["model"], row["accuracy"], row["f1_macro"]
    ('ResBiLSTM + oversampling + weighting', 0.7, 0.513)
    """
    return [{"model": name, "accuracy": acc, "f1_macro": f1, "f1_weighted": wf1}
            for name, (acc, f1, wf1) in PAPER_TABLE_I.items()]
