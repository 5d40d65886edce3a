"""Frame planning: which frames of which video a featurizer computes.

A clip becomes the frame indices of its time steps (its own, or drawn by the featurizer's
``frame_sampling``), padded or truncated to ``sequence_length``; the distinct frames still
missing from the cache are grouped per (video, augmentation) into :class:`_Job` values,
which the engine (``_engine``) computes. A clip with one augmentation per frame
(:attr:`~skvideo_clf.video.Clip.per_frame_augmentation`) gives each step its frame's
augmentation; its distinct (frame, augmentation) pairs of one video form one job that
carries one augmentation per index, read in one pass.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..video import (
    Clip,
    VideoReadError,
    sample_frame_indices,
    source_fingerprint,
    uniform_indices,
    up_sample_indices,
)


@dataclass(frozen=True)
class _Job:
    """The distinct frames one featurizer still has to compute for one (video, augmentation).

    ``augmentation`` is one augmentation (or None) for all ``indices``, or a tuple with one
    per index; then ``indices`` are sorted and may repeat (one frame under several
    augmentations), the (index, augmentation) pairs being distinct.
    """

    source: object
    augmentation: object
    indices: tuple  # sorted, distinct (distinct pairs with per-index augmentations)
    name: str
    seek: str = "exact"  # the cache keys' frame choice (see BaseFrameTransformer._seek_token)

    def augmentation_at(self, k):
        """The augmentation of ``indices[k]``."""
        return self.augmentation[k] if isinstance(self.augmentation, tuple) else self.augmentation

    def clip(self, indices=None) -> Clip:
        if indices is not None and isinstance(self.augmentation, tuple):
            raise ValueError("a job with per-index augmentations reads its own indices only")
        return Clip(self.source, tuple(self.indices if indices is None else indices),
                    self.augmentation)


@dataclass(frozen=True)
class FramePlan:
    """How a featurizer samples frames: its parameters that choose frames."""

    frame_sampling: str
    sequence_length: int | None
    padding: str
    keyframes: object = None  # callable(source) -> keyframe indices, for seek="keyframe"


def plan_frames(clip, info, plan, seed, say):
    """Frame indices for one clip, how many zero steps to append, and each step's
    augmentation.

    ``info`` is the clip's video's :class:`~skvideo_clf.video.VideoInfo`; ``seed`` seeds
    ``"rand_down"``; ``say`` prints a note at the featurizer's ``verbose``.
    """
    if clip.frame_indices is not None:
        # the decodable frame count is checked for clips with indices too: frames of one
        # file are decoded in one pass for all its clips, so a bad index must be refused
        # here, naming its clip, not fail the shared pass
        idx = np.asarray(clip.frame_indices, dtype=np.intp)
        if idx.max() >= info.n_frames:
            raise VideoReadError(f"{str(clip.source)!r}: frame {int(idx.max())} requested "
                                 f"but only {info.n_frames} frames decode.")
        # planned as positions of frame_indices, so that each step keeps its frame's
        # augmentation (a repeated index may carry several)
        pos, n_pad = _fit_length(np.arange(len(idx)), None, plan, lambda n: say(
            f"{clip.source}: {n} frames < sequence_length={plan.sequence_length}; "
            "up-sampled."))
        return idx[pos], n_pad, [clip.augmentation_at(p) for p in pos]
    idx = _sampled(clip, info, plan, seed)
    idx, n_pad = _fit_length(idx, info.n_frames, plan, lambda n: say(
        f"{clip.source}: {n} frames < sequence_length={plan.sequence_length}; up-sampled."))
    return idx, n_pad, [clip.augmentation] * len(idx)


def _sampled(clip, info, plan, seed):
    rng = None
    if plan.frame_sampling == "rand_down" and seed is not None:
        fp = zlib.crc32(source_fingerprint(clip.source).encode())
        rng = np.random.RandomState(np.random.default_rng([seed, fp]).integers(2**31))
    idx = sample_frame_indices(info.n_frames, plan.frame_sampling, plan.sequence_length,
                               video_fps=info.fps, random_state=rng)
    if plan.keyframes is not None and plan.frame_sampling in ("uniform", "fps"):
        idx = _nearest(plan.keyframes(clip.source), idx)
    return idx


def _fit_length(idx, n_frames, plan, say_upsampled):
    """``idx`` padded or truncated to ``sequence_length``: (indices, zero steps to add)."""
    length = plan.sequence_length
    if length is None:
        return idx, 0
    if len(idx) > length:
        if n_frames is None:
            # A sampler's clip covers its whole video: keep that span rather than its
            # first frames (the sampler's and the featurizer's lengths differ).
            return idx[uniform_indices(len(idx), length)], 0
        return idx[:length], 0  # truncate, as the UCF101 thesis does
    if len(idx) < length or (n_frames is not None and n_frames < length):
        if plan.padding == "zeros":
            if n_frames is not None and n_frames < length:
                # every frame once, then zero steps (the UCF101 thesis), not the repeats that
                # uniform sampling makes of a short video
                idx = np.unique(idx)
            return idx, length - len(idx)
        # the CNN-ResBiLSTM paper's UpSample: repeat frames in order
        say_upsampled(len(idx) if n_frames is None else n_frames)
        return idx[up_sample_indices(len(idx), length)], 0
    return idx, 0


def step_window(i, n_frames, n_after):
    """The frames of the time step at frame ``i`` that also needs the ``n_after`` frames
    after it: ``i .. i + n_after``, moved back to fit the video, the last frame repeated
    when the video is shorter than the window."""
    start = max(0, min(i, n_frames - 1 - n_after))
    return tuple(min(start + k, n_frames - 1) for k in range(n_after + 1))


def _nearest(keyframes, idx):
    """Each index moved to its nearest keyframe (ties to the earlier one)."""
    keyframes = np.asarray(keyframes)
    pos = np.clip(np.searchsorted(keyframes, idx), 1, max(len(keyframes) - 1, 1))
    before = keyframes[pos - 1]
    after = keyframes[np.minimum(pos, len(keyframes) - 1)]
    return np.where(np.abs(after - idx) < np.abs(idx - before), after, before).astype(np.intp)
