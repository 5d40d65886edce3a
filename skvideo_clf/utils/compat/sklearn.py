"""The private names of scikit-learn the library relies on.

- Parameter validation (``sklearn.utils._param_validation``): the constraint classes of
  ``_parameter_constraints`` and :func:`validate_params`, as imbalanced-learn and
  scikit-learn-contrib projects use them; there is no public module for them.
- :func:`fit_context` (``sklearn.base._fit_context``): validates the parameters once per
  ``fit`` and skips nested validation.
- :func:`check_sample_weight` (``sklearn.utils.validation._check_sample_weight``) and
  :func:`check_feature_names_in` (``sklearn.utils.validation._check_feature_names_in``,
  what ``get_feature_names_out`` returns for a transformer that keeps its columns).
- :func:`safe_indexing` (``sklearn.utils._safe_indexing``): rows of arrays, sparse
  matrices and DataFrames alike.
- :class:`BaseComposition` (``sklearn.utils.metaestimators._BaseComposition``):
  ``get_params`` / ``set_params`` over a list of named estimators.

Checked against scikit-learn 1.9 (pyproject allows >=1.6); ``tests/utils/test_compat.py``
checks each.
"""

from __future__ import annotations

from sklearn.base import _fit_context as fit_context
from sklearn.utils import _safe_indexing as safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils.metaestimators import _BaseComposition as BaseComposition
from sklearn.utils.validation import _check_feature_names_in as check_feature_names_in
from sklearn.utils.validation import _check_sample_weight as check_sample_weight

__all__ = [
    "BaseComposition",
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "check_feature_names_in",
    "check_sample_weight",
    "fit_context",
    "safe_indexing",
    "validate_parameter_constraints",
    "validate_params",
]
