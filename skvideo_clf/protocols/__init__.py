"""Experiment protocols: named model presets, the papers' numbers, and a runner for both.

A *preset row* is ``(name, factory)``: ``factory()`` returns a fresh, unfitted estimator, so
the same rows serve cross-validation, a single fit, or a later comparison command.

* :func:`demo_config` and :func:`demo_presets`: the configuration and the nine rows of
  the ``demo`` protocol (seed 000's Table I, then seed 004's baselines), which
  ``skvideo-clf demo`` runs through ``compare``;
* :func:`demo_dataset`: the synthetic imbalanced videos the demo runs on;
* :func:`cross_validate_presets`: fold scores and one out-of-fold report per row, from
  :func:`run_rows`;
* :data:`PAPER_TABLE_I`, :data:`PAPER_TABLE_II`, :func:`paper_table_i` and
  :func:`paper_table_ii`: what seed 000 reports (disaster set, imbalanced UCF101);
* :data:`PROTOCOLS`, :func:`get_protocol`, :class:`Protocol`, :class:`RowParts` and
  :func:`compare_config`: the papers' comparisons of ``skvideo-clf compare``;
* :func:`run_rows`, :func:`group_splits`, :func:`paired_comparison`,
  :func:`compare_with_baseline`, :func:`summarize_rows`: the resumable runner and the
  comparisons of each row with the baseline (corrected resampled t-test over folds, Holm
  across rows);
* :func:`load_config`, :class:`ConfigError`: a user's own grid from a TOML file.
"""

from ._compare import cross_validate_presets
from ._config import ConfigError, load_config
from ._demo import DEMO_SIZES, demo_config, demo_dataset, demo_presets
from ._protocols import (
    COMPARE_SIZES,
    PROTOCOLS,
    Protocol,
    RowParts,
    compare_config,
    get_protocol,
)
from ._reference import PAPER_TABLE_I, PAPER_TABLE_II, paper_table_i, paper_table_ii
from ._runner import (
    compare_with_baseline,
    group_splits,
    paired_comparison,
    run_rows,
    summarize_rows,
)

__all__ = [
    "COMPARE_SIZES",
    "ConfigError",
    "DEMO_SIZES",
    "PAPER_TABLE_I",
    "PAPER_TABLE_II",
    "PROTOCOLS",
    "Protocol",
    "RowParts",
    "compare_config",
    "compare_with_baseline",
    "cross_validate_presets",
    "demo_config",
    "demo_dataset",
    "demo_presets",
    "get_protocol",
    "group_splits",
    "load_config",
    "paired_comparison",
    "paper_table_i",
    "paper_table_ii",
    "run_rows",
    "summarize_rows",
]
