"""The evaluation report: the scores the five papers quote, as one object, a table and plots.

* accuracy, macro F1 and weighted F1 (the CNN-ResBiLSTM paper's Tables I and II);
* per-class precision, recall and F1 (the bootstrapping CNN paper and the UCF101 thesis), with
  specificity and the geometric mean from imbalanced-learn's
  :func:`~imblearn.metrics.classification_report_imbalanced`;
* hit@k (the low-complexity RNN paper), through :func:`sklearn.metrics.top_k_accuracy_score`;
* mean average precision (the hybrid framework paper): the mean over classes of the one-vs-rest
  :func:`sklearn.metrics.average_precision_score`;
* balanced accuracy (the mean per-class recall), the usual single number on imbalanced data;
* tail recall (``_tail``): the mean recall of the classes below the median class size.

A 2-D ``y_true`` (multi-label indicator matrix) gives a :class:`MultiLabelVideoReport`
instead (``_multilabel``): mAP, per-label AP, hit@k, YouTube-8M's GAP@20 and label-wise F1.

Every number comes from :mod:`sklearn.metrics` or :mod:`imblearn.metrics`; this package only
gathers them (``_report``), formats them (``_table``: text, Markdown, CSV; no pandas needed)
and draws them (``_plots``). ``_statistics`` compares two models over the same folds
(Nadeau and Bengio's corrected resampled t-test, Holm's correction, a paired bootstrap of
the test videos). Figures are drawn on :class:`matplotlib.figure.Figure` objects
with the Agg canvas when saved to files, so no screen is ever needed.
"""

from ._multilabel import MultiLabelVideoReport, global_average_precision
from ._plots import new_figure, plot_training_curves, save_figure
from ._report import VideoReport, evaluate, evaluate_estimator
from ._statistics import (
    CorrectedTTestResult,
    corrected_ttest,
    holm,
    paired_bootstrap_difference,
)
from ._table import format_table
from ._tail import tail_classes, tail_recall

__all__ = [
    "CorrectedTTestResult",
    "MultiLabelVideoReport",
    "VideoReport",
    "corrected_ttest",
    "evaluate",
    "evaluate_estimator",
    "format_table",
    "global_average_precision",
    "holm",
    "new_figure",
    "paired_bootstrap_difference",
    "plot_training_curves",
    "save_figure",
    "tail_classes",
    "tail_recall",
]
