"""The private names of imbalanced-learn the library relies on.

- :class:`ArraysTransformer` (``imblearn.utils._validation``): gives a sampler's output
  the container type of its input (list, DataFrame, Series), as imblearn's samplers do.
- The sampler hooks ``_check_X_y(X, y) -> (X, y, binarize_y)`` and
  ``_fit_resample(X, y)`` of ``imblearn.base.BaseSampler``, which ``fit`` and
  ``fit_resample`` call (imblearn's ``RandomOverSampler`` overrides ``_check_X_y`` to take
  strings and NaN): :class:`~skvideo_clf.sampling.BaseVideoSampler` overrides them.

Checked against imbalanced-learn 0.14 (pyproject allows >=0.12);
``tests/utils/test_compat.py`` checks each.
"""

from __future__ import annotations

from imblearn.utils._validation import ArraysTransformer

__all__ = ["ArraysTransformer"]
