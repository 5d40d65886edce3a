"""A backbone: a network from frames to one vector per frame, its preprocessing, its weights."""

from __future__ import annotations

import warnings

import numpy as np

from .. import _weights
from ._preprocessing import Preprocessing

#: The preprocessing assumed for a ``torch.nn.Module`` given without one (said by a warning).
DEFAULT_PREPROCESSING = Preprocessing()


class Backbone:
    """A frame network with the preprocessing its weights need and the weights' identity.

    ``module`` maps a float32 batch ``(n, 3, h, w)`` (made by ``preprocessing``) to
    ``(n, ...)`` features, flattened to one vector per frame. Build one from any
    ``torch.nn.Module``, or get a named one with :func:`get_backbone`.

    Parameters
    ----------
    module : torch.nn.Module
        Frames in, a vector (or any array, flattened) per frame out. Put in eval mode.
    preprocessing : Preprocessing or dict or None, default=None
        How frames become the module's input (a dict: :class:`Preprocessing` fields).
        ``None`` assumes ImageNet's convention (224 px centre crop of the shorter side
        resized to 256, values in [0, 1], ImageNet mean and std, RGB) and warns, since
        weights fed another normalisation than they were trained with give poor features
        without any error.
    name : str or None, default=None
        Shown in messages and part of the cache identity (default: the module's class).
    weights : str or None, default=None
        Where the weights came from, for people (``"imagenet"``, a path, ``"random"``).
    weights_digest : str or None, default=None
        The weights' identity in the frame cache; ``None`` computes a digest of the
        module's state dict when a cache first asks.

    Attributes
    ----------
    dim : int or None
        Feature dimension when known before running (``module.out_features``).

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.features import Backbone
    >>> net = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())
    >>> bb = Backbone(net, {"input_size": 32, "resize": "stretch"}, name="mean_rgb")
    >>> bb
    Backbone('mean_rgb', input 32 px, weights=None)
    """

    def __init__(self, module, preprocessing=None, *, name=None, weights=None,
                 weights_digest=None):
        import torch  # measured: torch takes ~4 s to import; features/ imports without it

        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"module must be a torch.nn.Module; got {type(module).__name__}.")
        if preprocessing is None:
            warnings.warn(
                f"No preprocessing given for {name or type(module).__name__}: assuming "
                f"{DEFAULT_PREPROCESSING!r} (ImageNet's convention). Pass the one its weights "
                "were trained with.", UserWarning, stacklevel=2)
            preprocessing = DEFAULT_PREPROCESSING
        elif isinstance(preprocessing, dict):
            preprocessing = Preprocessing(**preprocessing)
        elif not isinstance(preprocessing, Preprocessing):
            raise TypeError(f"preprocessing must be a Preprocessing, a dict or None; got "
                            f"{type(preprocessing).__name__}.")
        self.module = module.eval()
        self.preprocessing = preprocessing
        self.name = name or f"{type(module).__module__}.{type(module).__qualname__}"
        self.weights = weights
        self._weights_digest = weights_digest
        dim = getattr(module, "out_features", None)
        self.dim = int(dim) if isinstance(dim, (int, np.integer)) else None

    @property
    def weights_digest(self):
        """Digest of the weights (computed from the state dict on first use)."""
        if self._weights_digest is None:
            self._weights_digest = _weights.state_digest(self.module.state_dict())
        return self._weights_digest

    def identity(self):
        """What defines this backbone's features (JSON-able; the cache identity part)."""
        cls = type(self.module)
        return {"backbone": self.name, "module": f"{cls.__module__}.{cls.__qualname__}",
                "weights": self.weights_digest, "preprocessing": self.preprocessing.to_dict()}

    def preprocess(self, frame):
        """One uint8 RGB frame -> the float32 ``(3, h, w)`` network input."""
        return self.preprocessing(frame)

    def forward(self, batch, device="cpu", half=False):
        """Preprocessed frames ``(n, 3, h, w)`` -> float32 features ``(n, D)``."""
        import torch  # measured: torch takes ~4 s to import; features/ imports without it

        x = torch.from_numpy(np.ascontiguousarray(batch))
        x = x.to(device, memory_format=torch.channels_last)
        if half:
            x = x.half()
        with torch.inference_mode():
            out = self.module(x)
        out = out.float().cpu().numpy()
        return out.reshape(len(out), -1)

    def to(self, device, half=False):
        """Move the module (channels-last memory, float16 when ``half``); returns self."""
        import torch  # measured: torch takes ~4 s to import; features/ imports without it

        if half:
            self.module = self.module.half()
        self.module = self.module.to(device=device, memory_format=torch.channels_last)
        return self

    def __repr__(self):
        h, w = self.preprocessing.size_hw
        size = f"{h} px" if h == w else f"{h}x{w} px"
        return f"Backbone({self.name!r}, input {size}, weights={self.weights!r})"
