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
#: ``"random_state"`` (the samplers) and ``"featurizer_parameters"``, the seven parameters
#: every frame featurizer shares with :class:`~skvideo_clf.features.BaseFrameTransformer`,
#: at their usual defaults.
shared_docs = {
    "random_state": """random_state : int, RandomState instance or None, default=None
        Controls the randomness (see the scikit-learn glossary). Pass an int for results
        that repeat across calls.""",
    "featurizer_parameters": """sequence_length : int or None, default=40
        Time steps per video. ``None`` returns the variable-length form: a 1-D object
        array of float32 ``(T_i, ...)`` arrays.
    frame_sampling : {"uniform", "block", "fps", "rand_down", "all"}, default="uniform"
        Strategy for videos and clips without frame indices (see
        :func:`skvideo_clf.video.sample_frame_indices`).
    padding : {"upsample", "zeros"}, default="upsample"
        A video with fewer frames than ``sequence_length``: repeat frames in order (the
        CNN-ResBiLSTM paper's UpSample; said at ``verbose``) or append zero steps (the UCF101
        thesis). Longer
        sequences are truncated.
    memory : str, path-like, joblib.Memory or None, default=None
        Folder of the frame cache; entries are identified by the parameters that define
        the features.
    n_jobs : int or None, default=None
        Videos are split over this many joblib tasks.
    verbose : int, default=0
        Progress bar (videos, frames/s) and notes.
    random_state : int, RandomState or None, default=None
        Seeds ``frame_sampling="rand_down"``.""",
}
