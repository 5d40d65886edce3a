"""Synthetic videos whose classes differ in appearance or only in temporal order."""

from __future__ import annotations

import os
from numbers import Integral, Real

import cv2
import numpy as np
from sklearn.utils import check_random_state

from ..utils.compat.sklearn import Interval, validate_params
from ..video import write_video

__all__ = ["SYNTHETIC_CLASSES", "TEMPORAL_PAIRS", "disaster_class_sizes",
           "make_video_classification"]

#: Class names in the order ``make_video_classification`` uses them.
SYNTHETIC_CLASSES = (
    "move_right", "move_left",        # a square crossing the frame, one way or the other
    "grow", "shrink",                 # a disc growing or shrinking in place
    "appear_vanish", "vanish_appear",  # a diamond shown in the middle half, or at both ends
    "stripes", "checker",             # static textures: differ in appearance only
)

#: The pairs of classes that differ *only* in temporal order: the same frames, reversed
#: or rearranged, so a model blind to frame order cannot tell them apart.
TEMPORAL_PAIRS = (("move_right", "move_left"), ("grow", "shrink"),
                  ("appear_vanish", "vanish_appear"))

_N_CLASSES = Interval(Integral, 2, len(SYNTHETIC_CLASSES), closed="both")


@validate_params(
    {"scale": [Interval(Real, 0, None, closed="neither")], "n_classes": [_N_CLASSES]},
    prefer_skip_nested_validation=True,
)
def disaster_class_sizes(scale: float = 0.1, n_classes: int = 7) -> list[int]:
    """Class sizes like the CNN-ResBiLSTM paper's disaster dataset (7 classes, 40-400 videos).

    The paper gives only the range, so sizes fall geometrically from 400 to 40 and are then
    multiplied by ``scale`` (at least 2 videos per class).

    Parameters
    ----------
    scale : float, default=0.1
        Factor on the 400..40 profile, positive.
    n_classes : int, default=7
        Number of classes, 2..8 (the classes :func:`make_video_classification` has).

    Returns
    -------
    sizes : list of int
        Videos per class, largest first; pass it as ``class_sizes``.

    Examples
    --------
    >>> from skvideo_clf.datasets import disaster_class_sizes
    >>> disaster_class_sizes(0.1)
    [40, 27, 19, 13, 9, 6, 4]
    """
    sizes = np.geomspace(400, 40, n_classes) * scale
    return [max(2, int(round(s))) for s in sizes]


def _shape_mask(kind, h, w, cx, cy, size):
    mask = np.zeros((h, w), dtype=np.uint8)
    if kind == "square":
        x0, y0 = int(round(cx - size / 2)), int(round(cy - size / 2))
        cv2.rectangle(mask, (x0, y0), (x0 + int(size), y0 + int(size)), 1, thickness=-1)
    elif kind == "disc":
        cv2.circle(mask, (int(round(cx)), int(round(cy))), max(1, int(round(size))), 1, -1)
    elif kind == "diamond":
        r = size / 2
        pts = np.array([[cx, cy - r], [cx + r, cy], [cx, cy + r], [cx - r, cy]], np.int32)
        cv2.fillConvexPoly(mask, pts, 1)
    return mask.astype(bool)


def _render(label, n_frames, h, w, rng, background, noise):
    """One video of class ``label`` as a (n_frames, h, w, 3) uint8 array."""
    color = rng.uniform(150, 255, size=3)
    frames = np.empty((n_frames, h, w, 3), dtype=np.float32)
    frames[:] = background
    t = np.linspace(0.0, 1.0, n_frames)
    if label in ("move_right", "move_left"):
        size = rng.uniform(0.2, 0.3) * w
        cy = rng.uniform(size / 2, h - size / 2)
        x_from, x_to = rng.uniform(0.1, 0.3) * w, rng.uniform(0.7, 0.9) * w
        xs = x_from + (x_to - x_from) * t
        if label == "move_left":
            xs = xs[::-1]
        for i, cx in enumerate(xs):
            frames[i][_shape_mask("square", h, w, cx, cy, size)] = color
    elif label in ("grow", "shrink"):
        r_small, r_big = rng.uniform(0.05, 0.1) * w, rng.uniform(0.3, 0.4) * w
        cx, cy = rng.uniform(0.4, 0.6) * w, rng.uniform(0.4, 0.6) * h
        rs = r_small + (r_big - r_small) * t
        if label == "shrink":
            rs = rs[::-1]
        for i, r in enumerate(rs):
            frames[i][_shape_mask("disc", h, w, cx, cy, r)] = color
    elif label in ("appear_vanish", "vanish_appear"):
        size = rng.uniform(0.3, 0.45) * w
        cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
        mask = _shape_mask("diamond", h, w, cx, cy, size)
        # Both classes show the object for the same number of frames, so time-averaged
        # pixels carry no class information.
        middle = np.zeros(n_frames, dtype=bool)
        q = n_frames // 4
        middle[q:q + n_frames // 2] = True
        shown = middle if label == "appear_vanish" else ~middle
        if shown.sum() != middle.sum():  # odd lengths: balance by dropping one end frame
            shown[np.flatnonzero(shown)[-1]] = False
        for i in np.flatnonzero(shown):
            frames[i][mask] = color
    elif label == "stripes":
        period = rng.randint(4, 8)
        rows = (np.arange(h) // (period // 2)) % 2 == 0
        frames[:, rows, :, :] = color
    elif label == "checker":
        period = rng.randint(4, 8)
        yy, xx = np.mgrid[:h, :w]
        mask = ((yy // (period // 2)) + (xx // (period // 2))) % 2 == 0
        frames[:, mask, :] = color
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(label)
    if noise:
        frames += rng.normal(0.0, noise, size=frames.shape).astype(np.float32)
    return np.clip(frames, 0, 255).astype(np.uint8)


def _render_several(classes, n_frames, h, w, rng, background, noise):
    """One video showing every class index in ``classes``, merged by the maximum."""
    # Rendered noise-free so the noise is added once, not maximized (which would brighten).
    scenes = [_render(SYNTHETIC_CLASSES[c], n_frames, h, w, rng, background, 0)
              for c in classes]
    frames = np.maximum.reduce(scenes).astype(np.float32)
    if noise:
        frames += rng.normal(0.0, noise, size=frames.shape).astype(np.float32)
    return np.clip(frames, 0, 255).astype(np.uint8)


@validate_params(
    {
        "class_sizes": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "n_classes": [_N_CLASSES, None],
        "n_frames": [Interval(Integral, 4, None, closed="left")],
        "frame_size": ["array-like"],
        "noise": [Interval(Real, 0, None, closed="left")],
        "clips_per_group": [Interval(Integral, 1, None, closed="left")],
        "output_dir": [str, os.PathLike, None],
        "fps": [Interval(Real, 0, None, closed="neither")],
        "return_groups": ["boolean"],
        "multilabel": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_video_classification(class_sizes=20, *, n_classes=None, n_frames=16,
                              frame_size=(32, 32), noise=8.0, clips_per_group=4,
                              output_dir=None, fps=25.0, return_groups=False,
                              multilabel=False, random_state=None):
    """Small real videos of synthetic scenes, for demos, examples and tests.

    Classes come in two kinds (see :data:`SYNTHETIC_CLASSES`):

    * **temporal pairs** (:data:`TEMPORAL_PAIRS`): ``move_right``/``move_left``,
      ``grow``/``shrink`` and ``appear_vanish``/``vanish_appear`` show the same objects in
      the same places, in opposite or rearranged temporal order. Per video, the time
      average of the frames has the same distribution in both classes of a pair, so
      frame-order-blind models (mean pooling, frame voting) are at chance between them;
    * **appearance classes**: each pair uses its own shape, and ``stripes`` / ``checker``
      are static textures, so those differ in what a single frame shows.

    Videos are grouped like UCF101 (``v_<class>_g<group>_c<clip>``): the clips of a group
    share a background colour, so group-aware splits matter here as they do on real data.

    Parameters
    ----------
    class_sizes : int or sequence of int, default=20
        Videos per class: one number for balanced classes, or one count per class (e.g.
        :func:`disaster_class_sizes` for the CNN-ResBiLSTM paper's 40..400 spread, scaled).
    n_classes : int, default=None
        Number of classes (2..8) when ``class_sizes`` is an int; defaults to 8. Classes are
        the first ``n_classes`` of :data:`SYNTHETIC_CLASSES`.
    n_frames : int, default=16
        Frames per video (at least 4).
    frame_size : tuple of (int, int), default=(32, 32)
        ``(height, width)`` of each frame.
    noise : float, default=8.0
        Standard deviation of per-pixel Gaussian noise (0..255 scale).
    clips_per_group : int, default=4
        Clips that share one background (one group).
    output_dir : str or path-like, default=None
        When given, videos are written as MJPG AVI files in a class-per-folder layout
        (``output_dir/<class>/v_<class>_gYY_cZZ.avi``) readable by
        :func:`load_video_folder`, and paths are returned; otherwise arrays are.
    fps : float, default=25.0
        Frame rate written into the files.
    return_groups : bool, default=False
        Also return the group of each video.
    multilabel : bool, default=False
        Multi-label videos: each video shows its own class (the one ``class_sizes``
        counts) and, with probability 1/3 each, 0, 1 or 2 other classes drawn uniformly
        among the rest, every scene rendered over the same background and merged by the
        pixel-wise maximum (noise added once, after). ``y`` is then the indicator matrix.
        The classes of a temporal pair may share a video (a square crossing both ways).
    random_state : int, RandomState instance or None, default=None
        Draws every video (colours, positions, sizes, noise).

    Returns
    -------
    videos : list of ndarray of shape (n_frames, height, width, 3), or list of str
        uint8 RGB videos, or paths to the written files.
    y : ndarray of str of shape (n_videos,), or ndarray of int of shape \
(n_videos, n_classes)
        Class names; with ``multilabel=True`` the binary indicator matrix whose columns are
        the first ``n_classes`` of :data:`SYNTHETIC_CLASSES`, in that order.
    groups : ndarray of str of shape (n_videos,)
        Only with ``return_groups=True``: ``"<class>_gYY"`` ids, ``<class>`` being the
        video's own class when ``multilabel=True``. Files are written under it too.

    Examples
    --------
    >>> from skvideo_clf.datasets import make_video_classification
    >>> videos, y = make_video_classification([6, 3], n_frames=8, random_state=0)
    >>> len(videos), videos[0].shape, videos[0].dtype, sorted(set(y.tolist()))
    (9, (8, 32, 32, 3), dtype('uint8'), ['move_left', 'move_right'])

    Multi-label: each video carries 1 to 3 of the classes.

    >>> videos, Y = make_video_classification(4, n_classes=5, n_frames=8, multilabel=True,
    ...                                       random_state=0)
    >>> Y.shape, int(Y.sum(axis=1).min()) >= 1, int(Y.sum(axis=1).max()) <= 3
    ((20, 5), True, True)
    """
    if isinstance(class_sizes, Integral):
        n_classes = len(SYNTHETIC_CLASSES) if n_classes is None else n_classes
        sizes = [int(class_sizes)] * n_classes
    else:
        sizes = [int(s) for s in class_sizes]
        if n_classes is not None and n_classes != len(sizes):
            raise ValueError(f"n_classes={n_classes} disagrees with {len(sizes)} class_sizes.")
        if not 2 <= len(sizes) <= len(SYNTHETIC_CLASSES):
            raise ValueError(
                f"class_sizes must name 2..{len(SYNTHETIC_CLASSES)} classes, got {len(sizes)}."
            )
    if min(sizes) < 1:
        raise ValueError(f"Every class needs at least one video, got class_sizes={sizes}.")
    h, w = frame_size
    if h < 8 or w < 8:
        raise ValueError(f"frame_size must be at least (8, 8), got {frame_size}.")

    rng = check_random_state(random_state)
    n_labels = len(sizes)
    videos, labels, groups, rows = [], [], [], []
    for c, (label, size) in enumerate(zip(SYNTHETIC_CLASSES, sizes)):
        background = None
        for k in range(size):
            group, clip = divmod(k, clips_per_group)
            if clip == 0:
                background = rng.uniform(0, 90, size=3)
            video_rng = np.random.RandomState(rng.randint(np.iinfo(np.int32).max))
            if multilabel:
                n_extra = min(rng.randint(3), n_labels - 1)
                others = np.delete(np.arange(n_labels), c)
                on = np.sort(np.r_[c, rng.choice(others, n_extra, replace=False)])
                frames = _render_several(on, n_frames, h, w, video_rng, background, noise)
                row = np.zeros(n_labels, dtype=int)
                row[on] = 1
                rows.append(row)
            else:
                frames = _render(label, n_frames, h, w, video_rng, background, noise)
            gid = f"{label}_g{group + 1:02d}"
            if output_dir is not None:
                folder = os.path.join(os.fspath(output_dir), label)
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, f"v_{label}_g{group + 1:02d}_c{clip + 1:02d}.avi")
                videos.append(write_video(path, frames, fps=fps))
            else:
                videos.append(frames)
            labels.append(label)
            groups.append(gid)
    y = np.asarray(rows) if multilabel else np.asarray(labels)
    if return_groups:
        return videos, y, np.asarray(groups)
    return videos, y
