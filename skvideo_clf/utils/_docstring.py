"""Parameter documentation shared between estimators, substituted as imbalanced-learn does.

Written after ``imblearn/utils/_docstring.py``: a decorator fills ``{name}`` fields of a
docstring, so a parameter shared by many estimators is described once.
"""

from __future__ import annotations

__all__ = ["Substitution", "shared_docs"]


class Substitution:
    """Decorator filling ``{name}`` fields of the decorated object's docstring.

    Braces meant literally in the docstring are written doubled (``{{`` and ``}}``).

    Parameters
    ----------
    **params : str
        The text of each field.

    Examples
    --------
    >>> from skvideo_clf.utils import Substitution
    >>> @Substitution(answer="42")
    ... def f():
    ...     '''The answer is {answer}.'''
    >>> f.__doc__
    'The answer is 42.'
    """

    def __init__(self, **params):
        self.params = params

    def __call__(self, obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__.format(**self.params)
        return obj


#: Parameter descriptions used by several estimators, indented for a class docstring:
#: ``"random_state"`` (the samplers). The featurizers' shared parameters are documented once
#: in :mod:`skvideo_clf.features` (``BASE_PARAMETERS_DOC``), beside the code they describe.
shared_docs = {
    "random_state": """random_state : int, RandomState instance or None, default=None
        Controls the randomness (see the scikit-learn glossary). Pass an int for results
        that repeat across calls.""",
}
