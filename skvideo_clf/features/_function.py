"""A frame featurizer from a plain function (no subclassing)."""

from __future__ import annotations

from ..utils import Substitution
from ._base import BASE_PARAMETERS_DOC, READING_OPTIONS_DOC, BaseFrameTransformer


@Substitution(base_parameters=BASE_PARAMETERS_DOC, reading_options=READING_OPTIONS_DOC)
class FunctionFrameTransformer(BaseFrameTransformer):
    """Per-frame features computed by a function: ``func(frames, **kw_args)``.

    The frame sampling, cache, parallelism and output forms of every featurizer here,
    around a function of one video's frames (as :class:`sklearn.preprocessing.
    FunctionTransformer` wraps a function of ``X``). ``func`` and ``kw_args`` are part
    of the cache identity: a function is identified by its module, name and byte code, so
    editing it invalidates its cached features.

    Parameters
    ----------
    func : callable
        ``func(frames, **kw_args) -> features``: ``frames`` is a uint8 array
        ``(n, H, W, 3)`` of RGB frames of one video (at most 32 at a time),
        ``features`` an array ``(n, ...)`` (cast to float32; any other shape is refused,
        naming ``func``). It must be deterministic, a frame's features independent of
        the others. With ``n_jobs`` it must pickle (a
        module-level function does).
    kw_args : dict or None, default=None
        Extra keyword arguments of ``func``.
    {base_parameters}
    {reading_options}

    Attributes
    ----------
    n_frames_computed_ : int
        Frames passed to ``func`` since ``fit`` (cache hits excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import FunctionFrameTransformer
    >>> def brightness(frames, scale=1.0):
    ...     return frames.reshape(len(frames), -1).mean(axis=1, keepdims=True) * scale
    >>> video = np.arange(4, dtype=np.uint8)[:, None, None, None] * np.ones((4, 8, 8, 3),
    ...                                                                     np.uint8)
    >>> tf = FunctionFrameTransformer(brightness, kw_args={{"scale": 10.0}}, sequence_length=4)
    >>> tf.fit_transform([video])[0, :, 0].tolist()
    [0.0, 10.0, 20.0, 30.0]
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
        **BaseFrameTransformer._reading_constraints,
        "func": [callable],
        "kw_args": [dict, None],
    }

    def __init__(self, func, *, kw_args=None, sequence_length=40, frame_sampling="uniform",
                 padding="upsample", memory=None, n_jobs=None, verbose=0, random_state=None,
                 reader="opencv", seek="exact", count="auto", n_decoders=None,
                 on_short_video="warn"):
        self.func = func
        self.kw_args = kw_args
        self.reader = reader
        self.seek = seek
        self.count = count
        self.n_decoders = n_decoders
        self.on_short_video = on_short_video
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    def _featurize_frames(self, frames):
        return self.func(frames, **(self.kw_args or {}))

    def _featurizer_name(self):
        name = getattr(self.func, "__qualname__", type(self.func).__name__)
        return f"{type(self).__name__}'s func {name}"
