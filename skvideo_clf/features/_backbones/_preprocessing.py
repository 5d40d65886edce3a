"""How a backbone wants its frames: size, resize and crop rule, interpolation, values."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_INTERPOLATIONS = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR,
                   "cubic": cv2.INTER_CUBIC, "area": cv2.INTER_AREA}
_RESIZES = ("stretch", "shorter_crop")


@dataclass(frozen=True)
class Preprocessing:
    """A backbone's input convention: uint8 RGB ``(H, W, 3)`` frame -> float32 ``(3, h, w)``.

    It travels with the backbone's weights (see :class:`Backbone`) and is part of the frame
    cache identity, so features are never computed with another normalisation than the
    weights were trained with, nor served from a cache filled with another one.

    Parameters
    ----------
    input_size : int or (int, int), default=224
        Network input, square side or ``(height, width)``.
    resize : {"stretch", "shorter_crop"}, default="shorter_crop"
        ``"stretch"``: resize to ``input_size`` (aspect not kept). ``"shorter_crop"``:
        resize the shorter side to ``input_size / crop_fraction`` (aspect kept), then
        take the centre ``input_size`` crop (the ImageNet evaluation protocol).
    crop_fraction : float in (0, 1], default=0.875
        Used by ``"shorter_crop"`` (224 / 256 = 0.875).
    interpolation : {"linear", "cubic", "area", "nearest", "auto"}, default="linear"
        OpenCV interpolation; ``"auto"`` is area when both sides shrink, else linear.
    value_range : (float, float), default=(0.0, 1.0)
        What the uint8 values 0 and 255 map to before ``mean`` and ``std``.
    mean, std : tuple of 3 floats, default=ImageNet's
        Per-channel ``(x - mean) / std`` after ``value_range``, in ``channel_order``.
    channel_order : {"RGB", "BGR"}, default="RGB"

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import Preprocessing
    >>> p = Preprocessing(input_size=4, resize="stretch", value_range=(0, 255),
    ...                   mean=(127.0,) * 3, std=(128.0,) * 3)
    >>> x = p(np.full((8, 6, 3), 255, np.uint8))
    >>> x.shape, float(x[0, 0, 0])
    ((3, 4, 4), 1.0)
    """

    input_size: int | tuple = 224
    resize: str = "shorter_crop"
    crop_fraction: float = 0.875
    interpolation: str = "linear"
    value_range: tuple = (0.0, 1.0)
    mean: tuple = IMAGENET_MEAN
    std: tuple = IMAGENET_STD
    channel_order: str = "RGB"

    def __post_init__(self):
        size = self.input_size
        size = (size, size) if np.isscalar(size) else tuple(size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f"input_size must be a positive int or (height, width); got "
                             f"{self.input_size!r}.")
        object.__setattr__(self, "input_size", tuple(int(s) for s in size)
                           if size[0] != size[1] else int(size[0]))
        if self.resize not in _RESIZES:
            raise ValueError(f"resize must be one of {_RESIZES}; got {self.resize!r}.")
        if self.interpolation not in (*_INTERPOLATIONS, "auto"):
            raise ValueError(f"interpolation must be one of {(*_INTERPOLATIONS, 'auto')}; got "
                             f"{self.interpolation!r}.")
        if not 0 < self.crop_fraction <= 1:
            raise ValueError(f"crop_fraction must be in (0, 1]; got {self.crop_fraction!r}.")
        if self.channel_order not in ("RGB", "BGR"):
            raise ValueError(f"channel_order must be 'RGB' or 'BGR'; got "
                             f"{self.channel_order!r}.")
        for name in ("mean", "std", "value_range"):
            value = tuple(float(v) for v in np.broadcast_to(getattr(self, name),
                                                            (2 if name == "value_range"
                                                             else 3,)))
            object.__setattr__(self, name, value)
        if min(self.std) <= 0:
            raise ValueError(f"std must be positive; got {self.std}.")
        lo, hi = np.float32(self.value_range[0]), np.float32(self.value_range[1])
        std = np.asarray(self.std, np.float32)
        # x * scale + offset == ((lo + x (hi - lo) / 255) - mean) / std, in the float32
        # operations the InceptionV3 featurizer always used (its features stay bit-stable)
        scale = (hi - lo) / (np.float32(255) * std) if hi - lo != 1 else 1 / (255 * std)
        offset = (lo - np.asarray(self.mean, np.float32)) / std
        object.__setattr__(self, "_scale", scale.astype(np.float32)[:, None, None])
        object.__setattr__(self, "_offset", offset.astype(np.float32)[:, None, None])

    @property
    def size_hw(self):
        """``(height, width)`` of the network input."""
        s = self.input_size
        return (s, s) if isinstance(s, int) else s

    def to_dict(self):
        """The fields as a JSON-able dict (the cache identity's form)."""
        d = dataclasses.asdict(self)
        d["input_size"] = list(self.size_hw)
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}

    def _interp(self, src_hw, dst_hw):
        if self.interpolation == "auto":
            shrink = src_hw[0] > dst_hw[0] and src_hw[1] > dst_hw[1]
            return cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
        return _INTERPOLATIONS[self.interpolation]

    def geometry(self, frame):
        """One uint8 RGB ``(H, W, 3)`` frame resized, cropped and ordered, still uint8.

        The part of the preprocessing that runs where frames are decoded (a decode thread
        or the decode pool's workers); the value scaling follows in :meth:`__call__` or on
        the network's device.
        """
        th, tw = self.size_hw
        h, w = frame.shape[:2]
        if self.resize == "stretch":
            x = cv2.resize(frame, (tw, th), interpolation=self._interp((h, w), (th, tw)))
        else:
            # the shorter side matches the crop's enlarged by 1 / crop_fraction
            r = max(th / h, tw / w) / self.crop_fraction
            nh, nw = max(th, round(h * r)), max(tw, round(w * r))
            x = cv2.resize(frame, (nw, nh), interpolation=self._interp((h, w), (nh, nw)))
            top, left = (nh - th) // 2, (nw - tw) // 2
            x = x[top:top + th, left:left + tw]
        return x[..., ::-1] if self.channel_order == "BGR" else x

    def __call__(self, frame):
        """One uint8 RGB ``(H, W, 3)`` frame -> float32 ``(3, h, w)``."""
        x = self.geometry(frame)
        # CHW with (3, 1, 1) scalars: ~5x cheaper than broadcasting over HWC
        x = x.transpose(2, 0, 1).astype(np.float32)
        x *= self._scale
        x += self._offset
        return x

    def __repr__(self):
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}"
                           for f in dataclasses.fields(self))
        return f"Preprocessing({fields})"
