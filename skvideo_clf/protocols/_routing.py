"""The fit parameters a row's pipeline needs beyond ``X`` and ``y``."""

from __future__ import annotations

import inspect

from sklearn import get_config
from sklearn.utils.metadata_routing import get_routing_for_object

__all__ = ["fit_params"]


def fit_params(estimator, y):
    """The labels before resampling, for a pipeline whose classifier weights behind a sampler.

    Class weighting in the CNN-ResBiLSTM paper counts the classes before oversampling; a
    Pipeline hands its last step only the resampled ``y``, so the original labels travel as
    the fit parameter ``y_before_resampling`` (cross_validate splits them with ``X``).
    """
    steps = getattr(estimator, "steps", None)
    if not steps or not any(hasattr(step, "fit_resample") for _, step in steps[:-1]):
        return {}
    name, clf = steps[-1]
    if get_config().get("enable_metadata_routing", False):
        routed = get_routing_for_object(estimator).consumes("fit", ["y_before_resampling"])
        return {"y_before_resampling": y} if routed else {}
    fit = getattr(clf, "fit", None)
    if fit is None or "y_before_resampling" not in inspect.signature(fit).parameters:
        return {}
    return {f"{name}__y_before_resampling": y}
