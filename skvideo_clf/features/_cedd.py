"""CEDD, the Colour and Edge Directivity Descriptor (Chatzichristofis & Boutalis, ICVS 2008).

Written from the paper (the reference implementations are GPL). Per frame:

1. The image is cut into 40 x 40 = 1600 blocks, each into 2 x 2 sub-blocks.
2. Texture: the five MPEG-7 Edge Histogram filters (vertical, horizontal, 45 degrees,
   135 degrees, non-directional) on the four sub-block mean greys; below ``T0 = 14`` the
   block is non-edge, otherwise the responses are divided by their maximum and the block
   joins the non-directional class above ``T1 = 0.68``, the horizontal / vertical classes
   above ``T2 = 0.98`` and the diagonal classes above ``T3 = 0.98`` (a block may join
   several). See :func:`texture_classes`.
3. Colour: the block's mean colour in HSV (H in degrees 0-360, S and V 0-255) goes through
   the 10-bin fuzzy linking (8 hue, 2 saturation, 3 value trapezoids, 20 rules) and then the
   24-bin fuzzy linking (each of the 7 hues split into light / normal / dark by 2 saturation
   and 2 value trapezoids, 4 rules). Rules fire with the minimum of their antecedents and
   each output bin sums the rules that point to it. See :func:`fuzzy_colour_10` and
   :func:`fuzzy_colour_24`.
4. The block's 24 colour memberships are added to the 24 bins of each of its texture
   classes (6 x 24 = 144 bins), the histogram is divided by its sum
   (:func:`cedd_histogram`) and each bin is quantised to 3 bits with its texture class's own
   8-level table (:data:`CEDD_QUANT_TABLES`, :func:`quantise_cedd`).

Bin layout: ``index = 24 * texture_class + colour``; texture classes 0 non-edge,
1 non-directional, 2 horizontal, 3 vertical, 4 45 degrees, 5 135 degrees; colours 0 white,
1 grey, 2 black, then light / normal / dark red (3-5), orange (6-8), yellow (9-11),
green (12-14), cyan (15-17), blue (18-20), magenta (21-23).

What the paper leaves open is fixed here: blocks tile the whole frame by area (OpenCV
``INTER_AREA``), so frames whose sides are not multiples of 80 get fractional blocks; frames
under 80 pixels on a side get ``min(h, w) // 2`` blocks per side so that every sub-block
still covers at least one pixel; the block colour is converted to HSV in floating point.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = [
    "CEDD_QUANT_TABLES",
    "cedd",
    "cedd_histogram",
    "fuzzy_colour_10",
    "fuzzy_colour_24",
    "quantise_cedd",
    "texture_classes",
]

T0, T1, T2, T3 = 14.0, 0.68, 0.98, 0.98

# Trapezoids (a, b, c, d): membership rises on [a, b], is 1 on [b, c], falls on [c, d].
# Written from memory of the paper's membership-function figures; the breakpoints are
# believed exact but were not re-checked against the paper here. Hue regions: red-to-orange,
# orange, yellow, green, cyan, blue, magenta, blue(magenta)-to-red.
_HUE_10 = np.array([[0, 0, 5, 10], [5, 10, 35, 50], [35, 50, 70, 85], [70, 85, 150, 165],
                    [150, 165, 195, 205], [195, 205, 265, 280], [265, 280, 315, 330],
                    [315, 330, 360, 360]], float)
_SAT_10 = np.array([[0, 0, 10, 75], [10, 75, 255, 255]], float)  # grey-ish, coloured
_VAL_10 = np.array([[0, 0, 10, 75], [10, 75, 180, 220], [180, 220, 255, 255]], float)
_SAT_24 = np.array([[0, 0, 68, 188], [68, 188, 255, 255]], float)  # low, high
_VAL_24 = np.array([[0, 0, 68, 188], [68, 188, 255, 255]], float)  # low, high
# 10-bin output of each hue region's chromatic rules (regions 0 and 7 are both red), as a
# 0/1 matrix so the rule sums are one product.
_HUE_TO_BIN10 = np.zeros((8, 10))
_HUE_TO_BIN10[np.arange(8), [3, 4, 5, 6, 7, 8, 9, 3]] = 1.0

# Quantisation tables, one per texture class (rows), 8 levels each, in units of the
# normalised histogram. The non-edge and non-directional classes share a coarse scale, the
# horizontal / vertical tables are the same and about 7x finer, the two diagonal tables are
# the same and about 2x finer. UNCERTAIN: the levels are written from memory of the
# published table; the first three or four significant digits are reliable, later digits
# are not (they only matter for values within ~1e-4 relative of a midpoint between levels).
CEDD_QUANT_TABLES = np.array([
    [180.19686541079636, 23730.894085525826, 61457.152340036985, 113918.55923794750,
     179122.70214174370, 260980.52717723860, 341795.30789476077, 566184.10423579870],
    [209.25176965926232, 22490.587286241734, 60250.893514184999, 120705.78805758058,
     181128.08709063051, 234132.08135690055, 325660.61773310571, 520702.17585865747],
    [405.46421732125850, 4877.9763319071481, 10882.170090625908, 18167.239662531937,
     27043.385922301155, 38129.413617416324, 52675.221561185154, 79555.402962863602],
    [405.46421732125850, 4877.9763319071481, 10882.170090625908, 18167.239662531937,
     27043.385922301155, 38129.413617416324, 52675.221561185154, 79555.402962863602],
    [968.88475977695578, 10725.159033657819, 24161.205360376698, 41555.917344385321,
     62895.628446824469, 93066.271379204487, 136976.13317822068, 262897.86056221306],
    [968.88475977695578, 10725.159033657819, 24161.205360376698, 41555.917344385321,
     62895.628446824469, 93066.271379204487, 136976.13317822068, 262897.86056221306],
]) / 1e6

# MPEG-7 edge filters over the sub-blocks (top-left, top-right, bottom-left, bottom-right),
# in CEDD's texture-class order 1..5: non-directional, horizontal, vertical, 45, 135.
_SQ2 = np.sqrt(2.0)
_EDGE_FILTERS = np.array([
    [2.0, -2.0, -2.0, 2.0],
    [1.0, 1.0, -1.0, -1.0],
    [1.0, -1.0, 1.0, -1.0],
    [_SQ2, 0.0, 0.0, -_SQ2],
    [0.0, _SQ2, -_SQ2, 0.0],
])
_EDGE_THRESHOLDS = np.array([T1, T2, T2, T3, T3])


def _trapezoids(x, table):
    """Memberships ``(n, k)`` of ``x`` ``(n,)`` in the ``k`` trapezoids of ``table``."""
    x = np.asarray(x, float)
    out = np.empty((len(x), len(table)))
    for j, (a, b, c, d) in enumerate(table):
        # A vertical side (a == b or c == d) is a plateau that ends at the edge, not a ramp.
        xp, fp = ([b] if a == b else [a, b]), ([1.0] if a == b else [0.0, 1.0])
        xp, fp = xp + ([c] if c == d else [c, d]), fp + ([1.0] if c == d else [1.0, 0.0])
        out[:, j] = np.interp(x, xp, fp, left=0.0, right=0.0)
    return out


def fuzzy_colour_10(h, s, v):
    """CEDD's 10-bin fuzzy colour linking.

    Parameters
    ----------
    h, s, v : array-like of shape (n,)
        Hue in degrees [0, 360], saturation and value in [0, 255].

    Returns
    -------
    ndarray of shape (n, 10)
        Memberships of white, grey, black, red, orange, yellow, green, cyan, blue, magenta.
        Each of the 20 rules fires with the minimum of its antecedents' memberships; a bin
        sums the rules that lead to it (the rows are not renormalised).

    Examples
    --------
    >>> import numpy as np
    >>> fuzzy_colour_10([7.5], [255], [255]).round(2)  # halfway between red and orange
    array([[0. , 0. , 0. , 0.5, 0.5, 0. , 0. , 0. , 0. , 0. ]])
    """
    hue = _trapezoids(h, _HUE_10)
    sat = _trapezoids(s, _SAT_10)
    val = _trapezoids(v, _VAL_10)
    out = np.zeros((len(hue), 10))
    # Achromatic rules ignore hue: low saturation & bright -> white, low saturation &
    # medium value -> grey, dark (any saturation) -> black. That makes 4 + 16 = 20 rules as
    # the paper counts them. UNCERTAIN: written as hue-free rules; a rule table expanded to
    # one achromatic rule per hue region would fire twice where two hue regions overlap
    # (e.g. H 5-10) and give those blocks up to twice the achromatic weight.
    out[:, 0] = np.minimum(sat[:, 0], val[:, 2])
    out[:, 1] = np.minimum(sat[:, 0], val[:, 1])
    out[:, 2] = np.minimum(sat[:, 0], val[:, 0]) + np.minimum(sat[:, 1], val[:, 0])
    # Chromatic rules: hue region & saturated & (medium or bright) -> that hue (16 rules).
    for light in (1, 2):
        out += np.minimum(hue, np.minimum(sat[:, 1], val[:, light])[:, None]) @ _HUE_TO_BIN10
    return out


def fuzzy_colour_24(s, v, colour10):
    """CEDD's 24-bin fuzzy linking: split each of the 7 hues into light, normal and dark.

    Parameters
    ----------
    s, v : array-like of shape (n,)
        Saturation and value in [0, 255].
    colour10 : array-like of shape (n, 10)
        Output of :func:`fuzzy_colour_10`.

    Returns
    -------
    ndarray of shape (n, 24)
        White, grey, black copied from ``colour10``; then for each hue its membership times
        the light / normal / dark shades, fired by 4 rules: low S & high V -> light,
        high S & high V -> normal, low V (either S) -> dark.

    Examples
    --------
    >>> import numpy as np
    >>> s, v = np.array([255.0]), np.array([100.0])  # dark red, RGB (100, 0, 0)
    >>> fuzzy_colour_24(s, v, fuzzy_colour_10([0.0], s, v))[0, 3:6].round(4)
    array([0.    , 0.2667, 0.7333])
    """
    colour10 = np.asarray(colour10, float)
    sat = _trapezoids(s, _SAT_24)
    val = _trapezoids(v, _VAL_24)
    shades = np.stack([np.minimum(sat[:, 0], val[:, 1]),
                       np.minimum(sat[:, 1], val[:, 1]),
                       np.minimum(sat[:, 0], val[:, 0]) + np.minimum(sat[:, 1], val[:, 0])], 1)
    chromatic = colour10[:, 3:, None] * shades[:, None, :]
    return np.concatenate([colour10[:, :3], chromatic.reshape(len(colour10), 21)], 1)


def texture_classes(sub_blocks):
    """CEDD texture classes of blocks from their 2 x 2 sub-block mean greys.

    Parameters
    ----------
    sub_blocks : array-like of shape (n, 4)
        Mean grey (0-255) of the top-left, top-right, bottom-left, bottom-right sub-blocks.

    Returns
    -------
    ndarray of bool, shape (n, 6)
        Membership in non-edge, non-directional, horizontal, vertical, 45 and 135 degrees.
        Non-edge when the strongest absolute filter response is under ``T0 = 14``; else
        every class whose response, divided by the strongest, exceeds its threshold.

    Examples
    --------
    >>> texture_classes([[0, 255, 0, 255], [0, 0, 255, 255], [90, 90, 90, 90]]).astype(int)
    array([[0, 0, 0, 1, 0, 0],
           [0, 0, 1, 0, 0, 0],
           [1, 0, 0, 0, 0, 0]])
    """
    sub = np.asarray(sub_blocks, float)
    resp = np.abs(sub @ _EDGE_FILTERS.T)
    peak = resp.max(1, keepdims=True)
    edge = peak[:, 0] >= T0
    with np.errstate(divide="ignore", invalid="ignore"):
        directed = (resp / peak) > _EDGE_THRESHOLDS
    return np.concatenate([~edge[:, None], directed & edge[:, None]], 1)


def _block_grid(h, w):
    if min(h, w) < 2:
        raise ValueError(f"CEDD needs a frame of at least 2 x 2 pixels; got {h} x {w}.")
    return min(40, min(h, w) // 2)


def cedd_histogram(image):
    """The normalised 144-bin CEDD histogram of an RGB frame, before quantisation.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3)
        RGB frame, values on the 0-255 scale (uint8 or float).

    Returns
    -------
    ndarray of float64, shape (144,)
        Sums to 1 (all zeros only for an all-zero colour response, which cannot happen for
        a valid frame).

    Examples
    --------
    >>> import numpy as np
    >>> red = np.zeros((240, 320, 3), np.uint8); red[..., 0] = 255
    >>> hist = cedd_histogram(red)
    >>> int(hist.argmax()), float(hist.max())  # non-edge class, colour 4 ("red")
    (4, 1.0)
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"CEDD needs an RGB frame of shape (H, W, 3); got {image.shape}.")
    grid = _block_grid(*image.shape[:2])
    # Area-averaging to 2*grid x 2*grid gives every sub-block's exact mean colour at once.
    sub = cv2.resize(image.astype(np.float32), (2 * grid, 2 * grid),
                     interpolation=cv2.INTER_AREA).astype(np.float64)
    corners = [sub[0::2, 0::2], sub[0::2, 1::2], sub[1::2, 0::2], sub[1::2, 1::2]]
    quads = np.stack(corners, -1).reshape(-1, 3, 4)  # (block, RGB, TL/TR/BL/BR)
    texture = texture_classes(np.array([0.299, 0.587, 0.114]) @ quads)
    block_rgb = quads.mean(2).reshape(-1, 1, 3)
    hsv = cv2.cvtColor(block_rgb.astype(np.float32), cv2.COLOR_RGB2HSV).reshape(-1, 3)
    h, s, v = hsv[:, 0].astype(float), hsv[:, 1] * 255.0, hsv[:, 2].astype(float)
    colours = fuzzy_colour_24(s, v, fuzzy_colour_10(h, s, v))
    hist = (texture.T.astype(float) @ colours).ravel()
    total = hist.sum()
    return hist / total if total > 0 else hist


def quantise_cedd(hist):
    """Quantise a normalised 144-bin histogram to 3 bits per bin (values 0-7).

    Each bin takes the index of the nearest level of its texture class's table in
    :data:`CEDD_QUANT_TABLES` (ties to the lower level).

    Examples
    --------
    >>> import numpy as np
    >>> h = np.zeros(144); h[4], h[72] = 0.5, 0.5
    >>> q = quantise_cedd(h)
    >>> int(q[4]), int(q[72]), int(q.sum())  # 0.5 is level 7 of both tables
    (7, 7, 14)
    """
    hist = np.asarray(hist, float).reshape(6, 24)
    dist = np.abs(hist[:, :, None] - CEDD_QUANT_TABLES[:, None, :])
    return dist.argmin(2).ravel().astype(np.float64)


def cedd(image) -> np.ndarray:
    """144-d CEDD of an RGB frame: 6 texture classes x 24 colours, values 0-7.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3)
        RGB frame on the 0-255 scale (uint8 as read by the video readers).

    Returns
    -------
    ndarray of float64, shape (144,)
        Bin ``24 * texture_class + colour`` (layout in the module docstring), each an
        integer 0-7 stored as float.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.zeros((240, 320, 3), np.uint8)
    >>> stripes[:, 4::8] = stripes[:, 5::8] = stripes[:, 6::8] = stripes[:, 7::8] = 255
    >>> v = cedd(stripes)  # every 8 x 6 block: black left half, white right half
    >>> np.flatnonzero(v).tolist(), float(v[24 * 3 + 1])  # vertical class, grey
    ([73], 7.0)
    """
    return quantise_cedd(cedd_histogram(image))
