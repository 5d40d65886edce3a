"""RandAug of the CNN-ResBiLSTM paper: rotation, translation, shear and brightness, drawn.

``SpatioTemporalOversampler`` draws one :class:`Augmentation` per synthetic clip, applied
identically to each of its frames so that the clip stays temporally coherent, or, with
``augment_per="frame"``, one per frame as the paper's Algorithm 1 does. Augmentations are
frozen values: they hash, pickle and take part in cache keys (per frame).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import cv2
import numpy as np
from sklearn.utils import check_random_state

from .utils.compat.sklearn import Interval, validate_params

__all__ = ["RANGE_CONSTRAINTS", "Augmentation", "check_brightness_range", "draw_augmentation"]


@dataclass(frozen=True)
class Augmentation:
    """One set of spatial augmentation parameters.

    Parameters
    ----------
    rotation : float, default=0.0
        Rotation in degrees about the frame centre (counter-clockwise).
    translation : tuple of (float, float), default=(0.0, 0.0)
        Shift as fractions of the frame width and height.
    shear : float, default=0.0
        Horizontal shear angle in degrees.
    brightness : float, default=1.0
        Multiplicative brightness factor (1 keeps the frame).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.augment import Augmentation
    >>> frame = np.full((8, 8, 3), 100, dtype=np.uint8)
    >>> int(Augmentation(brightness=1.5).apply(frame)[4, 4, 0])
    150
    >>> Augmentation().is_identity
    True
    """

    rotation: float = 0.0
    translation: tuple[float, float] = (0.0, 0.0)
    shear: float = 0.0
    brightness: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "rotation", float(self.rotation))
        object.__setattr__(self, "translation", tuple(float(t) for t in self.translation))
        object.__setattr__(self, "shear", float(self.shear))
        object.__setattr__(self, "brightness", float(self.brightness))
        if len(self.translation) != 2:
            raise ValueError(f"translation must be (dx, dy), got {self.translation!r}.")
        if self.brightness < 0:
            raise ValueError(f"brightness must be non-negative, got {self.brightness}.")

    @property
    def is_identity(self) -> bool:
        return (self.rotation == 0 and self.translation == (0.0, 0.0) and self.shear == 0
                and self.brightness == 1)

    def matrix(self, height: int, width: int) -> np.ndarray:
        """The 2x3 affine matrix (rotation and shear about the centre, then the shift)."""
        cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
        theta = math.radians(self.rotation)
        c, s = math.cos(theta), math.sin(theta)
        rot = np.array([[c, s], [-s, c]])  # image y axis points down: this turns counter-clockwise
        shear = np.array([[1.0, math.tan(math.radians(self.shear))], [0.0, 1.0]])
        a = rot @ shear
        centre = np.array([cx, cy])
        shift = np.array([self.translation[0] * width, self.translation[1] * height])
        b = centre - a @ centre + shift
        return np.hstack([a, b[:, None]])

    def apply(self, frame: np.ndarray) -> np.ndarray:
        """Augment one ``H x W x 3`` uint8 frame; the identity returns it unchanged."""
        if self.is_identity:
            return frame
        h, w = frame.shape[:2]
        out = frame
        if self.rotation or self.shear or self.translation != (0.0, 0.0):
            out = cv2.warpAffine(frame, self.matrix(h, w), (w, h), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REFLECT_101)
        if self.brightness != 1:
            out = cv2.convertScaleAbs(out, alpha=self.brightness, beta=0)
        return out


#: Parameter constraints of the augmentation ranges (:func:`draw_augmentation`'s), for the
#: estimators that take them as parameters (``SpatioTemporalOversampler``).
#: ``brightness_range`` also needs ``0 <= low <= high``, which :func:`check_brightness_range`
#: checks (a constraint cannot relate two entries).
RANGE_CONSTRAINTS = {
    "rotation_range": [Interval(Real, 0, None, closed="left")],
    "translation_range": [Interval(Real, 0, None, closed="left")],
    "shear_range": [Interval(Real, 0, None, closed="left")],
    "brightness_range": [tuple, list],
}


def check_brightness_range(brightness_range):
    """Check a ``(low, high)`` brightness range with ``0 <= low <= high``.

    The one check of this range, for :func:`draw_augmentation` and the samplers.

    Parameters
    ----------
    brightness_range : tuple of (float, float)
        Bounds of the brightness factor.

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> from skvideo_clf.augment import check_brightness_range
    >>> check_brightness_range((0.8, 1.2))
    (0.8, 1.2)
    >>> check_brightness_range((1.2, 0.8))
    Traceback (most recent call last):
        ...
    ValueError: brightness_range must be (low, high) with 0 <= low <= high, got (1.2, 0.8); use (1, 1) to leave brightness unchanged.
    """  # noqa: E501
    try:
        low, high = (float(v) for v in brightness_range)
        valid = 0 <= low <= high
    except (TypeError, ValueError):  # not a pair of numbers
        valid = False
    if not valid:
        raise ValueError(
            "brightness_range must be (low, high) with 0 <= low <= high, got "
            f"{brightness_range!r}; use (1, 1) to leave brightness unchanged."
        )
    return low, high


@validate_params(
    {"random_state": ["random_state"], **RANGE_CONSTRAINTS}, prefer_skip_nested_validation=True
)
def draw_augmentation(random_state=None, *, rotation_range=15.0, translation_range=0.1,
                      shear_range=10.0, brightness_range=(0.8, 1.2)) -> Augmentation:
    """Draw one :class:`Augmentation` with every parameter uniform in its range.

    Parameters
    ----------
    random_state : int, RandomState instance or None
    rotation_range : float, default=15.0
        Rotation drawn from ``U(-rotation_range, rotation_range)`` degrees.
    translation_range : float, default=0.1
        Each shift drawn from ``U(-translation_range, translation_range)`` (fraction of size).
    shear_range : float, default=10.0
        Shear drawn from ``U(-shear_range, shear_range)`` degrees.
    brightness_range : tuple of (float, float), default=(0.8, 1.2)
        Brightness factor drawn from ``U(low, high)``.

    Examples
    --------
    >>> from skvideo_clf.augment import draw_augmentation
    >>> aug = draw_augmentation(0, rotation_range=0, translation_range=0, shear_range=0,
    ...                         brightness_range=(1, 1))
    >>> aug.is_identity
    True
    """
    lo, hi = check_brightness_range(brightness_range)
    rng = check_random_state(random_state)
    return Augmentation(
        rotation=rng.uniform(-rotation_range, rotation_range) if rotation_range else 0.0,
        translation=(
            rng.uniform(-translation_range, translation_range) if translation_range else 0.0,
            rng.uniform(-translation_range, translation_range) if translation_range else 0.0,
        ),
        shear=rng.uniform(-shear_range, shear_range) if shear_range else 0.0,
        brightness=rng.uniform(lo, hi) if hi > lo else float(lo),
    )
