"""Experiment protocols: the papers' comparisons as data, and a runner for them.

A protocol is a TOML file: per row the featurizer(s), sampler and classifier with its
preset and parameters, and what changes per size (``quick``, ``default``, ``full``; full is
the paper's configuration). The built-in ones ship in ``skvideo_clf/protocols/builtin/``;
``skvideo-clf compare --protocol NAME --show`` prints one resolved, ready to copy and edit
for ``compare --config FILE.toml``. The format is described in
:mod:`skvideo_clf.protocols._config` and in the user guide (*Reproducing the papers*).

* :func:`build_rows`: ``[(row name, unfitted estimator)]`` of a protocol id or file at a
  size; :data:`PROTOCOLS`, :func:`get_protocol`, :func:`list_protocols`, :class:`Protocol`,
  :func:`load_config`, :class:`ConfigError`, :data:`CHANCE_ROW`; :data:`SAMPLERS`, the
  names a row's ``sampler`` takes;
* :func:`demo_dataset`: the synthetic imbalanced videos the ``demo`` protocol runs on;
* :func:`cross_validate_presets`: fold scores and one out-of-fold report per row;
* :data:`PAPER_TABLE_I`, :data:`PAPER_TABLE_II`, :func:`paper_table_i`,
  :func:`paper_table_ii`: the CNN-ResBiLSTM paper's Tables I and II;
* :class:`HeadTransferClassifier`: the low-complexity RNN paper's class transfer as one
  estimator;
* :func:`run_rows`, :func:`group_splits`, :func:`paired_comparison`,
  :func:`compare_with_baseline`, :func:`summarize_rows`: the resumable runner and the
  comparisons of each row with the baseline (corrected resampled t-test over folds, Holm
  across rows).

Examples
--------
>>> from skvideo_clf.protocols import build_rows
>>> [name for name, _ in build_rows("two-stream-table2", "quick")][:3]
['Spatial SVM', 'Motion SVM', 'SVM-EF']
"""

from ._builder import SAMPLERS, motion_stack_bytes
from ._compare import cross_validate_presets
from ._config import CHANCE_ROW, ConfigError, Protocol, key_line, load_config
from ._demo import demo_dataset
from ._protocols import PROTOCOLS, build_rows, get_protocol, list_protocols
from ._reference import PAPER_TABLE_I, PAPER_TABLE_II, paper_table_i, paper_table_ii
from ._routing import fit_params
from ._runner import (
    METRICS,
    compare_with_baseline,
    group_splits,
    paired_comparison,
    row_folder,
    row_slug,
    run_rows,
    summarize_rows,
)
from ._transfer import HeadTransferClassifier

__all__ = [
    "CHANCE_ROW",
    "ConfigError",
    "HeadTransferClassifier",
    "METRICS",
    "PAPER_TABLE_I",
    "PAPER_TABLE_II",
    "PROTOCOLS",
    "SAMPLERS",
    "Protocol",
    "build_rows",
    "compare_with_baseline",
    "cross_validate_presets",
    "demo_dataset",
    "fit_params",
    "get_protocol",
    "group_splits",
    "key_line",
    "list_protocols",
    "load_config",
    "motion_stack_bytes",
    "paired_comparison",
    "paper_table_i",
    "paper_table_ii",
    "row_folder",
    "row_slug",
    "run_rows",
    "summarize_rows",
]
