"""The bootstrapping CNN paper's frame descriptors: Haar, HOG, HSV and YCbCr histograms, CEDD.

The bootstrapping CNN paper names the five descriptors, concatenates them, reduces them with PCA to
324 and reshapes them to 18 x 18 maps for its small CNN, but gives no sizes; the definitions below
are this library's, each a standard form of the named descriptor:

=========  ====  ==========================================================================
name       size  definition
=========  ====  ==========================================================================
haar         82  grey frame resized to 64 x 64, scaled to [0, 1]; 3-level 2-D Haar wavelet;
                 for each level (1-3) and detail band (LH, HL, HH) the mean and standard
                 deviation of the absolute coefficients (18), plus the 8 x 8 level-3
                 approximation (64)
hog         576  grey 64 x 64; scikit-image's HOG with 8 x 8-pixel cells, 2 x 2-cell
                 blocks, 9 unsigned orientation bins, L2-Hys block normalisation, every
                 other block kept (stride 16 pixels: 4 x 4 blocks x 4 cells x 9 bins);
                 see :func:`hog`
hsv         128  joint HSV histogram, 8 hue x 4 saturation x 4 value bins, summing to 1
ycbcr        96  Y, Cb, Cr histograms of 32 bins each, each summing to 1
cedd        144  Colour and Edge Directivity Descriptor as Chatzichristofis & Boutalis
                 (ICVS 2008) define it, with their published rule and quantisation tables:
                 6 texture classes x 24 colours, 3-bit quantised (values 0-7); see
                 :mod:`skvideo_clf.features._cedd`
=========  ====  ==========================================================================
"""

from __future__ import annotations

import math
from numbers import Integral

import cv2
import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import Substitution
from ._base import READING_OPTIONS_DOC, BaseFrameTransformer
from ._cedd import cedd
from ._maps import to_square_maps

DESCRIPTOR_SIZES = {"haar": 82, "hog": 576, "hsv": 128, "ycbcr": 96, "cedd": 144}


def _grey64(frame):
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA)


def haar(frame) -> np.ndarray:
    """82-d Haar wavelet descriptor (see the module table).

    Parameters
    ----------
    frame : uint8 ndarray of shape (H, W, 3)
        RGB frame.

    Returns
    -------
    descriptor : float64 ndarray of shape (82,)
        Mean and standard deviation of the absolute detail coefficients per level and
        band (18), then the level-3 approximation scaled to [0, 1] (64).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._lowlevel import haar
    >>> v = haar(np.full((32, 32, 3), 255, np.uint8))
    >>> v.shape, float(v[:18].max()), float(v[18:].min())
    ((82,), 0.0, 1.0)
    """
    x = _grey64(frame).astype(np.float64) / 255.0
    stats = []
    for _ in range(3):
        a, b = x[0::2, 0::2], x[0::2, 1::2]
        c, d = x[1::2, 0::2], x[1::2, 1::2]
        ll = (a + b + c + d) / 2
        bands = ((a - b + c - d) / 2, (a + b - c - d) / 2, (a - b - c + d) / 2)
        for band in bands:
            stats += [np.abs(band).mean(), np.abs(band).std()]
        x = ll
    return np.concatenate([stats, x.ravel() / 8.0])  # level-3 LL is 8x the mean grey


def hog(frame) -> np.ndarray:
    """576-d HOG descriptor (Dalal & Triggs; see the module table).

    :func:`skimage.feature.hog` on the grey 64 x 64 frame (9 orientations, 8 x 8-pixel
    cells, 2 x 2-cell blocks, L2-Hys), keeping every other block in each direction so
    that blocks do not overlap (stride 16 pixels, as the bootstrapping CNN paper's 576 values
    need).

    Parameters
    ----------
    frame : uint8 ndarray of shape (H, W, 3)
        RGB frame.

    Returns
    -------
    descriptor : float64 ndarray of shape (576,)
        4 x 4 blocks x 2 x 2 cells x 9 orientations, in that (row-major) order.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._lowlevel import hog
    >>> hog(np.zeros((48, 64, 3), np.uint8)).shape
    (576,)
    """
    from skimage.feature import hog as skimage_hog  # imported on use: it is slow to import

    blocks = skimage_hog(_grey64(frame), orientations=9, pixels_per_cell=(8, 8),
                         cells_per_block=(2, 2), block_norm="L2-Hys", feature_vector=False)
    return blocks[::2, ::2].ravel()


def hsv_histogram(frame) -> np.ndarray:
    """128-d joint HSV histogram (8 hue x 4 saturation x 4 value bins), summing to 1.

    Parameters
    ----------
    frame : uint8 ndarray of shape (H, W, 3)
        RGB frame.

    Returns
    -------
    histogram : float32 ndarray of shape (128,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._lowlevel import hsv_histogram
    >>> red = np.zeros((4, 4, 3), np.uint8); red[..., 0] = 255
    >>> int(hsv_histogram(red).argmax())  # hue bin 0, saturation 3, value 3
    15
    """
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
    h = cv2.calcHist([hsv], [0, 1, 2], None, [8, 4, 4], [0, 180, 0, 256, 0, 256]).ravel()
    return h / max(h.sum(), 1.0)


def ycbcr_histogram(frame) -> np.ndarray:
    """96-d Y, Cb, Cr histograms (32 bins each), each summing to 1.

    Parameters
    ----------
    frame : uint8 ndarray of shape (H, W, 3)
        RGB frame.

    Returns
    -------
    histograms : float32 ndarray of shape (96,)
        Y, then Cb, then Cr.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._lowlevel import ycbcr_histogram
    >>> ycbcr_histogram(np.zeros((4, 4, 3), np.uint8)).reshape(3, 32).sum(axis=1).tolist()
    [1.0, 1.0, 1.0]
    """
    ycc = cv2.cvtColor(frame, cv2.COLOR_RGB2YCrCb)[..., [0, 2, 1]]  # OpenCV orders Y, Cr, Cb
    out = [cv2.calcHist([ycc], [c], None, [32], [0, 256]).ravel() for c in range(3)]
    return np.concatenate([h / max(h.sum(), 1.0) for h in out])


_DESCRIPTORS = {"haar": haar, "hog": hog, "hsv": hsv_histogram, "ycbcr": ycbcr_histogram,
                "cedd": cedd}


@Substitution(reading_options=READING_OPTIONS_DOC)
class LowLevelFrameTransformer(BaseFrameTransformer):
    """The bootstrapping CNN paper's low-level frame features, optionally PCA-reduced to 18x18.

    Per frame, the concatenation of the descriptors in ``descriptors`` (Haar 82, HOG 576,
    HSV 128, YCbCr 96, CEDD 144: 1026 values; definitions in
    :mod:`skvideo_clf.features._lowlevel`). With ``n_components`` set, the frames seen by
    ``fit`` are standardised and a PCA is fitted on them (the bootstrapping CNN paper: 324
    components), and ``output="maps"`` lays each frame's components out on a square map
    (:func:`~skvideo_clf.features.to_square_maps`). The frame cache holds the raw
    descriptors, so featurizers that differ only in ``n_components`` or ``output`` share
    it.

    Output shapes: ``output="vector"``: ``(n_videos, T, D)``; ``output="maps"``:
    ``(n_videos, T, 18, 18)`` for 324 components. With ``sequence_length=1`` the maps are
    ``(n_videos, 1, 18, 18)``, which the feature-map CNN (``FeatureMapCNNClassifier``,
    input ``(n, 1, 18, 18)`` or ``(n, 18, 18)``) takes as is; per-frame classification of
    longer sequences takes ``X.reshape(-1, 18, 18)`` with labels repeated ``T`` times.

    Parameters
    ----------
    descriptors : tuple of str, default=("haar", "hog", "hsv", "ycbcr", "cedd")
    n_components : int or None, default=324
        PCA components; None keeps the raw concatenation. When fewer training frames than
        components are seen, the PCA keeps as many as it can and the rest are zero.
    output : {{"maps", "vector"}}, default="maps"
        ``"maps"`` needs a square ``n_components``.
    sequence_length, frame_sampling, padding, memory, n_jobs, verbose, random_state
        As :class:`BaseFrameTransformer` (here ``sequence_length=8`` by default;
        ``random_state`` also seeds the PCA).
    {reading_options}

    Attributes
    ----------
    pca_ : Pipeline of StandardScaler and PCA, or None
    n_features_raw_ : int
        Size of the concatenated descriptors.
    n_frames_computed_ : int
        Frames whose descriptors were computed since ``fit`` (cache hits excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import LowLevelFrameTransformer
    >>> rng = np.random.default_rng(0)
    >>> videos = [rng.integers(0, 256, (4, 48, 64, 3), dtype=np.uint8) for _ in range(3)]
    >>> LowLevelFrameTransformer(n_components=None, output="vector",
    ...                          sequence_length=2).fit_transform(videos).shape
    (3, 2, 1026)
    >>> LowLevelFrameTransformer(n_components=4, sequence_length=2).fit_transform(videos).shape
    (3, 2, 2, 2)
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
        **BaseFrameTransformer._reading_constraints,
        "descriptors": [tuple, list],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "output": [StrOptions({"maps", "vector"})],
    }

    def __init__(self, descriptors=("haar", "hog", "hsv", "ycbcr", "cedd"), *,
                 n_components=324, output="maps", sequence_length=8,
                 frame_sampling="uniform", padding="upsample", memory=None, n_jobs=None,
                 verbose=0, random_state=None, reader="opencv", seek="exact", count="auto",
                 n_decoders=None, on_short_video="warn"):
        self.descriptors = descriptors
        self.n_components = n_components
        self.output = output
        self.reader = reader
        self.seek = seek
        self.count = count
        self.n_decoders = n_decoders
        self.on_short_video = on_short_video
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    # PCA and map layout are applied after the cache: its entries hold the raw descriptors
    _cache_ignore = BaseFrameTransformer._cache_ignore | {"n_components", "output"}
    _features_version = 3  # 2: HOG from scikit-image; 3: CEDD as published (_cedd)

    def _setup(self, clips, features):
        unknown = [d for d in self.descriptors if d not in _DESCRIPTORS]
        if unknown or not self.descriptors:
            raise ValueError(f"descriptors must be a non-empty subset of "
                             f"{tuple(_DESCRIPTORS)}; got {self.descriptors!r}.")
        if self.output == "maps":
            if self.n_components is None or math.isqrt(self.n_components) ** 2 != \
                    self.n_components:
                raise ValueError(f"output='maps' needs a square n_components (324 = 18 x 18); "
                                 f"got {self.n_components!r}. Use output='vector' otherwise.")
        self.n_features_raw_ = sum(DESCRIPTOR_SIZES[d] for d in self.descriptors)
        self.pca_ = None
        if self.n_components is None:
            return
        frames = np.concatenate(features())
        frames = frames[np.any(frames != 0, axis=1)]  # zero padding is not a frame
        k = min(self.n_components, len(frames), frames.shape[1])
        if k < self.n_components:
            self._say(f"{len(frames)} training frames: PCA keeps {k} components, the other "
                      f"{self.n_components - k} are zero.")
        self.pca_ = make_pipeline(StandardScaler(),
                                  PCA(k, random_state=self.random_state)).fit(frames)

    def _featurize_frames(self, frames):
        return np.stack([np.concatenate([_DESCRIPTORS[d](frame) for d in self.descriptors])
                         for frame in frames])

    def _finish(self, arr):
        if self.n_components is not None:
            pad = np.all(arr == 0, axis=1)
            z = np.zeros((len(arr), self.n_components), np.float32)
            z[:, : self.pca_[-1].n_components_] = self.pca_.transform(arr)
            z[pad] = 0
            arr = z
        if self.output == "maps":
            arr = to_square_maps(arr)  # n_components is a square (checked in _setup)
        return arr.astype(np.float32, copy=False)
