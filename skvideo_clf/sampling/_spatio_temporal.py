"""SpatioTemporalOversampler: the CNN-ResBiLSTM paper's Algorithm 1 as an imblearn sampler."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..augment import RANGE_CONSTRAINTS, check_brightness_range, draw_augmentation
from ..utils import Substitution, object_array
from ..video import (
    Clip,
    rand_down_or_up_sample,
    uniform_indices,
    up_sample_indices,
    video_info,
)
from ._base import BaseVideoSampler, _sampler_docs

__all__ = ["SpatioTemporalOversampler"]


def paper_sampling_strategy(y):
    """The CNN-ResBiLSTM paper's rule as an imblearn ``sampling_strategy_``: clips to *add* per
    class.

    Every video of class ``j`` yields ``freq_j = ceil(delta / n_j)`` clips in all, ``delta``
    being the largest class size, so class ``j`` gains ``n_j * (freq_j - 1)``.
    """
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"The target 'y' needs to have more than 1 class. Got {len(classes)} class "
            "instead; there is nothing to balance."
        )
    delta = counts.max()
    return OrderedDict(
        (cls, int(n * (math.ceil(delta / n) - 1))) for cls, n in zip(classes, counts)
    )


@Substitution(**_sampler_docs)
class SpatioTemporalOversampler(BaseVideoSampler, BaseOverSampler):
    """Spatio-temporal synthetic over-sampling of videos (the CNN-ResBiLSTM paper, Algorithm 1).

    Each video of an under-represented class yields extra *synthetic clips*: the frames
    are re-drawn in time with RandDown (one random frame inside each of ``sequence_length``
    equal windows; UpSample, i.e. frames repeated in order, when the video is shorter),
    and augmented with RandAug (rotation, translation, shear, brightness, each uniform in
    its range): one draw per frame as Algorithm 1 applies it to each image
    (``augment_per="frame"``), or one draw for the whole clip (``augment_per="clip"``,
    the default), which keeps the clip coherent in time.

    Nothing is decoded here: the output is a list of :class:`~skvideo_clf.video.Clip`
    values (source, frame indices, augmentation) that a frame featurizer reads later. The
    only video access at resampling time is the decodable frame count of each video that
    gets a synthetic clip (:func:`~skvideo_clf.video.video_info`: free for in-memory
    arrays, one grab pass per file, cached per process).

    Parameters
    ----------
    sampling_strategy : "paper", float, str, dict or callable, default="paper"
        How many clips each class ends with.

        - ``"paper"``: Algorithm 1. With ``delta`` the largest class size, every video of
          class ``j`` yields ``freq_j = ceil(delta / n_j)`` clips in all, so class ``j``
          ends with ``n_j * freq_j`` clips (``delta`` exactly when ``n_j`` divides it, at
          most ``delta + n_j - 1`` otherwise). With 100 and 20 videos: ``freq = 1`` and
          ``5``, giving 100 and 100 clips. A majority-class video yields one clip.
        - imbalanced-learn's forms (``"auto"``, ``"not majority"``, ``"minority"``,
          ``"not minority"``, ``"all"``, a dict ``{{class: final count}}``, a float (binary
          only: minority / majority ratio after resampling), or a callable ``y -> dict``)
          give *exact* class counts, with imblearn's meaning. The clips a class gains are
          spread as evenly as possible over its videos (each video gains ``floor`` or
          ``ceil`` of ``gain / n_j`` synthetic clips, the extra ones going to videos drawn
          at random). ``"auto"`` is the paper's rule made exact: every class but the
          majority ends with exactly ``delta`` clips. A class that is not targeted keeps
          one clip per video.

    sequence_length : int, default=40
        ``alpha`` of the paper: the number of frames of each synthetic clip. Match it to
        the ``sequence_length`` of the featurizer that follows.
    keep_original : bool, default=True
        Whether the first clip of each video is the video itself, unaugmented. If True
        (default) it is ``Clip(source)`` with no frame indices, so the featurizer reads it
        with its own frame strategy, exactly as it reads videos at predict time (and shares
        their cache entries); the other ``freq_j - 1`` clips are synthetic. If False,
        every clip is synthetic, as in Algorithm 1 (where even a majority-class video's
        single clip is RandDown + RandAug).
    augment_per : {{"clip", "frame"}}, default="clip"
        How many RandAug draws a synthetic clip gets.

        - ``"clip"`` (default): one draw, applied identically to every frame. The clip
          stays coherent in time: the motion between its frames is the video's, which
          matters to featurizers that read motion (optical flow, frame differences).
        - ``"frame"``: one draw per frame, as Algorithm 1 of the paper applies RandAug to
          each image (``RandAug(Img)`` inside the loop over a clip's frames); the
          built-in CNN-ResBiLSTM protocols use it. Each frame's parameters come from
          ``random_state`` in order, so the clips are reproducible, and each clip carries
          them as a tuple (:attr:`~skvideo_clf.video.Clip.augmentation`).

        The default stays ``"clip"`` so that an existing pipeline keeps its features and
        its frame cache; the featurization cost is the same (every synthetic frame is a
        distinct (frame, augmentation) pair either way).
    rotation_range : float, default=15.0
        Rotation drawn from ``U(-rotation_range, rotation_range)`` degrees.
    translation_range : float, default=0.1
        Horizontal and vertical shifts each drawn from ``U(-t, t)``, as fractions of the
        frame size.
    shear_range : float, default=10.0
        Shear drawn from ``U(-shear_range, shear_range)`` degrees.
    brightness_range : tuple of (float, float), default=(0.8, 1.2)
        Brightness factor drawn from ``U(low, high)``. With all ranges zero and
        ``brightness_range=(1, 1)`` the synthetic clips are purely temporal (they carry no
        augmentation and read the source pixels exactly).
    {random_state}
        It draws the frames of the synthetic clips, their augmentations, and which
        videos get the extra clips when a class gain does not divide evenly.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of clips *added* to each class (imblearn's convention).
    {sample_indices_}
        Rows ``0 .. n - 1`` are the first clips of the ``n`` input videos in input order;
        the synthetic clips follow, grouped by source video. Use it as ``groups`` so that
        a group-aware split never puts clips of one source video on both sides
        (``groups[sample_indices_]`` maps the input's own groups, e.g. UCF101's ``g01``).
    {sample_weight_}
    {n_features_in_}
    {feature_names_in_}

    Notes
    -----
    Input kinds and what comes out:

    - videos (a list or object array of paths, uint8 ``(T, H, W, 3)`` arrays or clips, or
      one ``(n, T, H, W, 3)`` uint8 array): a 1-D object array of clips. An input clip
      that already has frame indices is re-sampled within those frames; one that already
      carries an augmentation is refused (augmentations do not compose).
    - feature sequences, a ``(n, T, D)`` array or a 1-D object array of ``(T_i, D)``
      arrays: a ``(n_resampled, sequence_length, D)`` array of the input dtype. Only the
      temporal half applies (RandDown / UpSample of the rows of each sequence): pixels
      are gone, so the augmentation ranges are ignored. First clips under
      ``keep_original=True`` are resampled to ``sequence_length`` steps so that all rows
      stack: evenly spaced steps when ``T >= sequence_length`` (the identity when equal),
      UpSample when shorter. ``augment_per`` does not apply either.
    - 2-D ``(n_samples, n_features)`` arrays, sparse matrices and DataFrames (sequences of
      length one): synthetic rows are copies of their source rows, as imblearn's
      ``RandomOverSampler`` makes them; the container type is kept.

    In an :class:`imblearn.pipeline.Pipeline` the sampler runs in ``fit`` only; at
    predict time videos go straight to the featurizer.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.sampling import SpatioTemporalOversampler
    >>> rng = np.random.RandomState(0)
    >>> videos = [rng.randint(0, 255, (25, 8, 8, 3), dtype=np.uint8) for _ in range(6)]
    >>> y = ["fire"] * 4 + ["flood"] * 2
    >>> sampler = SpatioTemporalOversampler(sequence_length=5, random_state=0)
    >>> clips, y_res = sampler.fit_resample(videos, y)
    >>> sorted(y_res.tolist()).count("flood"), len(clips)
    (4, 8)
    >>> sampler.sample_indices_.tolist()
    [0, 1, 2, 3, 4, 5, 4, 5]
    >>> clips[6].frame_indices[0] < 5 <= clips[6].frame_indices[1] < 10
    True

    With ``augment_per="frame"`` each frame of a synthetic clip has its own draw:

    >>> sampler = SpatioTemporalOversampler(sequence_length=5, augment_per="frame",
    ...                                     random_state=0)
    >>> clips, _ = sampler.fit_resample(videos, y)
    >>> augs = clips[6].augmentation
    >>> len(augs), len({{a.rotation for a in augs}})
    (5, 5)

    The synthetic clips come from their source video, so ``sample_indices_`` serves as
    the groups of a group-aware split:

    >>> from sklearn.model_selection import GroupKFold
    >>> groups = sampler.sample_indices_
    >>> train, test = next(GroupKFold(2).split(clips, y_res, groups))
    >>> set(groups[train]) & set(groups[test])
    set()

    In a pipeline (the sampler runs in ``fit`` only; ``sequence_length`` matches the
    featurizer's)::

        pipe = Pipeline([("resample", SpatioTemporalOversampler(sequence_length=40)),
                         ("features", InceptionFrameTransformer(sequence_length=40)),
                         ("clf", ResBiLSTMClassifier(class_weight="balanced"))])
        GridSearchCV(pipe, {{"resample": ["passthrough", SpatioTemporalOversampler(),
                                          BootstrapSampler()]}}, cv=StratifiedGroupKFold(3))
    """

    _parameter_constraints: dict = {
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"paper", "auto", "minority", "not minority", "not majority", "all"}),
            Mapping,
            callable,
        ],
        "sequence_length": [Interval(Integral, 1, None, closed="left")],
        "keep_original": ["boolean"],
        "augment_per": [StrOptions({"clip", "frame"})],
        **RANGE_CONSTRAINTS,
        "random_state": ["random_state"],
    }

    def __init__(self, *, sampling_strategy="paper", sequence_length=40, keep_original=True,
                 augment_per="clip", rotation_range=15.0, translation_range=0.1,
                 shear_range=10.0, brightness_range=(0.8, 1.2), random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.sequence_length = sequence_length
        self.keep_original = keep_original
        self.augment_per = augment_per
        self.rotation_range = rotation_range
        self.translation_range = translation_range
        self.shear_range = shear_range
        self.brightness_range = brightness_range
        self.random_state = random_state

    def _validate_params(self):
        super()._validate_params()
        # A constraint cannot relate low and high; augment's check is the one check.
        check_brightness_range(self.brightness_range)

    def _fit_sampling_strategy(self, y):
        if isinstance(self.sampling_strategy, str) and self.sampling_strategy == "paper":
            self.sampling_strategy_ = paper_sampling_strategy(y)
        else:
            super()._fit_sampling_strategy(y)

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state)
        n = X.n_samples
        gains = np.zeros(n, dtype=np.intp)
        for cls, n_new in self.sampling_strategy_.items():
            members = np.flatnonzero(y == cls)
            per_video, extra = divmod(int(n_new), len(members))
            gains[members] += per_video
            if extra:
                gains[rng.choice(members, extra, replace=False)] += 1
        sources = np.concatenate([np.arange(n), np.repeat(np.arange(n), gains)])
        synthetic = np.ones(len(sources), dtype=bool)
        if self.keep_original:
            synthetic[:n] = False
        self.sample_indices_ = sources
        y_res = y[sources]

        if X.kind == "rows":
            return X.take(sources), y_res
        if X.kind == "sequences":
            return self._resample_sequences(X.data, sources, synthetic, rng), y_res
        return self._resample_videos(X.data, sources, synthetic, rng), y_res

    def _augmentation(self, rng, n_frames):
        """The clip's augmentation: one draw, or a tuple of ``n_frames`` draws (None when
        every draw is the identity)."""
        def draw():
            aug = draw_augmentation(
                rng, rotation_range=self.rotation_range,
                translation_range=self.translation_range, shear_range=self.shear_range,
                brightness_range=tuple(self.brightness_range))
            return None if aug.is_identity else aug

        if self.augment_per == "clip":
            return draw()
        augs = tuple(draw() for _ in range(n_frames))
        return None if all(a is None for a in augs) else augs

    def _resample_videos(self, clips, sources, synthetic, rng):
        alpha = self.sequence_length
        for clip in clips:
            if clip.augmentation is not None:
                raise ValueError(
                    f"Clip of {clip.source} already carries an augmentation and "
                    "augmentations do not compose; pass the videos (or clips without "
                    "augmentation) to SpatioTemporalOversampler."
                )
        out = []
        for src, is_synthetic in zip(sources, synthetic):
            clip = clips[src]
            if not is_synthetic:
                out.append(clip)
                continue
            pool = clip.frame_indices
            n_frames = len(pool) if pool is not None else video_info(clip.source).n_frames
            idx = rand_down_or_up_sample(n_frames, alpha, rng)
            if pool is not None:
                idx = np.asarray(pool)[idx]
            out.append(Clip(clip.source, tuple(idx.tolist()), self._augmentation(rng, alpha)))
        return object_array(out)

    def _resample_sequences(self, seqs, sources, synthetic, rng):
        alpha = self.sequence_length
        first = seqs[0]
        dtype = seqs.dtype if isinstance(seqs, np.ndarray) else np.result_type(*seqs)
        out = np.empty((len(sources), alpha, first.shape[-1]), dtype=dtype)
        for row, (src, is_synthetic) in enumerate(zip(sources, synthetic)):
            seq = seqs[src]
            if is_synthetic:
                idx = rand_down_or_up_sample(len(seq), alpha, rng)
            elif len(seq) >= alpha:
                idx = uniform_indices(len(seq), alpha)
            else:
                idx = up_sample_indices(len(seq), alpha)
            out[row] = seq[idx]
        return out
