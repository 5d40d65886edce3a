"""The hybrid framework's motion stream: dense optical flow stacked over L frames per time step."""

from __future__ import annotations

import functools
from numbers import Integral

import cv2
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import Substitution
from ._base import BASE_PARAMETERS_DOC, READING_OPTIONS_DOC, BaseFrameTransformer


def _flow(prev, nxt, method):
    if method == "dis":
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        return dis.calc(prev, nxt, None)
    # OpenCV's documented example parameters
    return cv2.calcOpticalFlowFarneback(prev, nxt, None, 0.5, 3, 15, 3, 5, 1.2, 0)


def flow_histogram(flows, grid=3, n_bins=8, min_magnitude=0.5):
    """Histogram of optical flow (HOF) on a ``grid x grid`` layout, summed over ``flows``.

    Per cell: ``n_bins`` orientation bins weighted by magnitude plus one bin counting the
    pixels that move less than ``min_magnitude`` (Laptev et al.'s zero-motion bin); each
    cell's histogram sums to 1.

    Parameters
    ----------
    flows : array-like of shape (L, H, W, 2)
        ``L`` dense flows, x then y displacement in pixels.
    grid : int, default=3
        Cells per side.
    n_bins : int, default=8
        Orientation bins (bin 0 starts at rightward motion, counter-clockwise in image
        coordinates, i.e. bin ``n_bins / 4`` is downward).
    min_magnitude : float, default=0.5
        Pixels moving less are counted in the zero-motion bin.

    Returns
    -------
    histogram : float64 ndarray of shape (grid * grid * (n_bins + 1),)
        Cells row-major, each ``n_bins`` orientations then the zero-motion bin.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._flow import flow_histogram
    >>> flows = np.zeros((1, 4, 4, 2), np.float32); flows[..., 0] = 2.0  # all rightward
    >>> flow_histogram(flows, grid=1, n_bins=4).tolist()
    [1.0, 0.0, 0.0, 0.0, 0.0]
    """
    flows = np.asarray(flows, np.float32)
    _, h, w, _ = flows.shape
    mag = np.hypot(flows[..., 0], flows[..., 1])
    ang = (np.arctan2(flows[..., 1], flows[..., 0]) % (2 * np.pi)) / (2 * np.pi) * n_bins
    bins = np.minimum(ang.astype(int), n_bins - 1)
    moving = mag >= min_magnitude
    bins = np.where(moving, bins, n_bins)
    weight = np.where(moving, mag, 1.0)
    rows = np.minimum(np.arange(h) * grid // h, grid - 1)
    cols = np.minimum(np.arange(w) * grid // w, grid - 1)
    cell = (rows[:, None] * grid + cols[None, :])[None].repeat(len(flows), 0)
    hist = np.zeros((grid * grid, n_bins + 1))
    np.add.at(hist, (cell.ravel(), bins.ravel()), weight.ravel())
    hist /= np.maximum(hist.sum(1, keepdims=True), 1e-12)
    return hist.ravel()


def _grey(frame, size):
    """A frame in grey, resized to ``size x size`` (where it is decoded)."""
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)


@Substitution(base_parameters=BASE_PARAMETERS_DOC, reading_options=READING_OPTIONS_DOC)
class OpticalFlowTransformer(BaseFrameTransformer):
    """Stacked dense optical flow per sampled time step (the hybrid framework's motion stream).

    For a time step at frame ``i``, flow is computed between each pair of adjacent frames
    ``i + k, i + k + 1`` for ``k < n_stack`` (the window is moved back to fit near the end of
    the video, and a video shorter than the window repeats its last frame, i.e. adds zero
    flow), on frames converted to grey and resized to ``flow_size x flow_size``.

    The hybrid framework's motion CNN takes "a 2L-channel stacked optical flow image" (Section 3.1)
    without giving L, the size or any normalisation; its reference [33] (Simonyan and Zisserman's
    two-stream networks) uses L = 10, 224x224 inputs and subtracts from each flow field its
    mean displacement (a crude camera-motion compensation). That input is
    ``OpticalFlowTransformer(n_stack=10, output="stack", flow_size=256,
    subtract_mean=True)`` with the motion CNN's ``crop_size=224``: [33] computes the flow on
    frames rescaled to 256 px and trains on random 224x224 crops (see
    :class:`~skvideo_clf.neural.MotionCNNClassifier`); here the frames are square.

    Parameters
    ----------
    n_stack : int, default=10
        ``L``, flows per time step (2L channels; L = 10 in two-stream networks).
    method : {{"farneback", "dis"}}, default="farneback"
        OpenCV's Farneback flow or DIS (medium preset).
    output : {{"stack", "histogram"}}, default="histogram"
        ``"stack"``: the stacked flow ``(n_videos, T, 2L, flow_size, flow_size)``, channels
        ordered ``x_1, y_1, ..., x_L, y_L`` in pixels of the resized frame, the input of a
        motion CNN. ``"histogram"``: a flow histogram (see :func:`flow_histogram`) over the
        L flows, ``(n_videos, T, grid * grid * (n_bins + 1))``, for SVM and LSTM baselines.
    flow_size : int, default=64
        Side of the square grey frames the flow is computed on (256 in [33], cropped to
        224 by the network).
    subtract_mean : bool, default=False
        Subtract from each flow field its mean x and mean y displacement (over the pixels
        of that field) before stacking or histogramming ([33]'s mean flow subtraction).
    grid : int, default=3
    n_bins : int, default=8
    {base_parameters}
    {reading_options}

    Attributes
    ----------
    n_frames_computed_ : int
        Time steps whose flow stacks were computed since ``fit`` (cache hits excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import OpticalFlowTransformer
    >>> video = np.zeros((6, 32, 32, 3), np.uint8)
    >>> for t in range(6):
    ...     video[t, 10:20, 4 + 2 * t: 12 + 2 * t] = 255
    >>> tf = OpticalFlowTransformer(n_stack=2, sequence_length=3, flow_size=32)
    >>> tf.fit_transform([video]).shape
    (1, 3, 81)
    >>> tf.set_params(output="stack").transform([video]).shape
    (1, 3, 4, 32, 32)
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
        **BaseFrameTransformer._reading_constraints,
        "n_stack": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"farneback", "dis"})],
        "output": [StrOptions({"stack", "histogram"})],
        "flow_size": [Interval(Integral, 8, None, closed="left")],
        "subtract_mean": ["boolean"],
        "grid": [Interval(Integral, 1, None, closed="left")],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, n_stack=10, *, method="farneback", output="histogram", flow_size=64,
                 subtract_mean=False, grid=3, n_bins=8, sequence_length=40,
                 frame_sampling="uniform", padding="upsample", memory=None, n_jobs=None,
                 verbose=0, random_state=None, reader="opencv", seek="exact", count="auto",
                 n_decoders=None, on_short_video="warn"):
        self.n_stack = n_stack
        self.method = method
        self.output = output
        self.flow_size = flow_size
        self.subtract_mean = subtract_mean
        self.grid = grid
        self.n_bins = n_bins
        self.reader = reader
        self.seek = seek
        self.count = count
        self.n_decoders = n_decoders
        self.on_short_video = on_short_video
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    def _frame_transform(self):
        return functools.partial(_grey, size=self.flow_size)

    def _frames_after_step(self):
        # a time step's flow needs the n_stack frames after it
        return self.n_stack

    def _featurize_frames(self, frames):
        """``(n, L + 1, s, s)`` grey stacks -> flow stacks or histograms per step."""
        flows = {}  # frame pairs shared by overlapping windows are computed once
        return np.stack([self._step(stack, flows) for stack in frames]).astype(np.float32)

    def _step(self, stack, flows):
        s = self.flow_size
        pairs = []
        for a, b in zip(stack[:-1], stack[1:]):
            key = (a.tobytes(), b.tobytes())
            if key not in flows:
                # the same frame twice (a window past the last frame): zero flow
                flows[key] = (np.zeros((s, s, 2), np.float32) if key[0] == key[1]
                              else _flow(a, b, self.method))
            pairs.append(flows[key])
        pairs = np.stack(pairs)  # (L, s, s, 2)
        if self.subtract_mean:
            pairs = pairs - pairs.mean(axis=(1, 2), keepdims=True)
        if self.output == "stack":
            return pairs.transpose(0, 3, 1, 2).reshape(2 * self.n_stack, s, s)
        return flow_histogram(pairs, self.grid, self.n_bins)
