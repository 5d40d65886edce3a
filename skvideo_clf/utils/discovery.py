"""Discovery of the library's estimators, for the common tests and for users.

A public module that :mod:`skvideo_clf.utils` does not import, as scikit-learn's
``sklearn.utils.discovery``: it imports every subpackage, so the lowest layer must not
import it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

from ..features import BaseFrameTransformer

__all__ = ["all_estimators"]

_TYPES = ("classifier", "transformer", "sampler", "featurizer")


def _public_modules(package_name):
    """Names of ``package_name`` and of every public module below it (depth first).

    A module with a ``_``-prefixed part is not listed (its public classes are re-exported
    by the package above it); an import error propagates: a module of this library that
    does not import is a bug, never a reason to leave its estimators out.
    """
    package = importlib.import_module(package_name)
    names = [package_name]
    for info in pkgutil.iter_modules(getattr(package, "__path__", ())):
        if info.name.startswith("_"):
            continue
        child = f"{package_name}.{info.name}"
        if info.ispkg:
            names += _public_modules(child)
        else:
            names.append(child)
    return names


def _is_base(name, cls):
    # Not every base is abstract (NeuralClassifierBase is a working skorch net that
    # builds an identity module): the naming convention marks them.
    return inspect.isabstract(cls) or name.startswith("Base") or name.endswith("Base")


def all_estimators(type_filter=None):
    """Every public estimator class of skvideo_clf, like scikit-learn's ``all_estimators``.

    Imports every public module of the package (private ``_``-prefixed modules are
    reached through the packages that re-export their classes) and collects the concrete
    :class:`~sklearn.base.BaseEstimator` subclasses defined in this library. Base classes
    (abstract, or named ``Base*`` / ``*Base``) are left out.

    Parameters
    ----------
    type_filter : {"classifier", "transformer", "sampler", "featurizer"}, list of those, \
            or None, default=None
        Keep only the estimators of these types (any of them, when a list): classifiers
        (:class:`~sklearn.base.ClassifierMixin`), transformers
        (:class:`~sklearn.base.TransformerMixin`, featurizers included), samplers (with
        ``fit_resample``, imbalanced-learn style) and featurizers (videos in, feature
        sequences out; they take no 2-D input). ``None`` keeps every estimator.

    Returns
    -------
    estimators : list of (str, type)
        ``(class name, class)`` pairs, sorted by name, each class once.

    Raises
    ------
    ValueError
        ``type_filter`` names an unknown type.

    Examples
    --------
    >>> from skvideo_clf.utils.discovery import all_estimators
    >>> [name for name, _ in all_estimators("sampler")]
    ['BootstrapSampler', 'MLROSSampler', 'SpatioTemporalOversampler']
    >>> "TemporalPooling" in dict(all_estimators("transformer"))
    True
    >>> "TemporalPooling" in dict(all_estimators("featurizer"))
    False
    """
    if type_filter is None:
        wanted = ()
    else:
        wanted = (type_filter,) if isinstance(type_filter, str) else tuple(type_filter)
        unknown = [t for t in wanted if t not in _TYPES]
        if unknown:
            raise ValueError(f"type_filter must be None or among {list(_TYPES)}, "
                             f"got {unknown!r}.")

    root = __name__.split(".", 1)[0]
    found = {}
    for module_name in _public_modules(root):
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (name.startswith("_") or not issubclass(cls, BaseEstimator)
                    or not cls.__module__.startswith(root + ".") or _is_base(name, cls)):
                continue
            found[name] = cls

    if wanted:
        checks = {
            "classifier": lambda c: issubclass(c, ClassifierMixin),
            "transformer": lambda c: issubclass(c, TransformerMixin),
            "sampler": lambda c: hasattr(c, "fit_resample"),
            "featurizer": lambda c: issubclass(c, BaseFrameTransformer),
        }
        found = {n: c for n, c in found.items() if any(checks[t](c) for t in wanted)}
    return sorted(found.items())
