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
   the 10-bin fuzzy linking (8 hue, 2 saturation, 3 value trapezoids, 48 rules: 6 per hue
   region) and then the 24-bin fuzzy linking (each of the 7 hues split into light / normal /
   dark by 2 saturation and 2 value trapezoids, 4 rules). Rules fire with the minimum of
   their antecedents and each output bin sums every rule that fires into it (the paper's
   "multi participate" defuzzification). See :func:`fuzzy_colour_10` and
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

# Every constant below (trapezoids, rule tables, quantisation tables) is the published one
# of Chatzichristofis & Boutalis, "CEDD: Color and Edge Directivity Descriptor", ICVS 2008.
# Trapezoids (a, b, c, d): membership rises on [a, b], is 1 on [b, c], falls on [c, d].
# Hue regions: red-to-orange, orange, yellow, green, cyan, blue, magenta, magenta-to-red.
_HUE_10 = np.array([[0, 0, 5, 10], [5, 10, 35, 50], [35, 50, 70, 85], [70, 85, 150, 165],
                    [150, 165, 195, 205], [195, 205, 265, 280], [265, 280, 315, 330],
                    [315, 330, 360, 360]], float)
_SAT_10 = np.array([[0, 0, 10, 75], [10, 75, 255, 255]], float)  # grey-ish, coloured
_VAL_10 = np.array([[0, 0, 10, 75], [10, 75, 180, 220], [180, 220, 255, 255]], float)
_SAT_24 = np.array([[0, 0, 68, 188], [68, 188, 255, 255]], float)  # low, high
_VAL_24 = np.array([[0, 0, 68, 188], [68, 188, 255, 255]], float)  # low, high
# The 48-rule 10-bin rule base: output bin of rule (hue region, S index, V index). Every hue
# region carries its own achromatic rules, so where two regions overlap (e.g. H 5-10) both
# fire and their strengths add. Bins: 0 white, 1 grey, 2 black, 3-9 red..magenta; region 7
# is red again.
_RULES_10 = np.empty((8, 2, 3), int)
_RULES_10[:, :, 0] = 2  # dark: black whatever the saturation
_RULES_10[:, 0, 1] = 1  # unsaturated, medium value: grey
_RULES_10[:, 0, 2] = 0  # unsaturated, bright: white
_RULES_10[:, 1, 1:] = np.array([3, 4, 5, 6, 7, 8, 9, 3])[:, None]  # saturated: the hue
_RULES_10_ONEHOT = np.eye(10)[_RULES_10.ravel()]  # (48, 10), so the rule sums are a product
# The 4-rule 24-bin rule base: shade (0 light, 1 normal, 2 dark) of rule (S index, V index).
_RULES_24_ONEHOT = np.eye(3)[np.array([[2, 0], [2, 1]]).ravel()]  # (4, 3)

# Quantisation tables, one per texture class (rows), 8 levels each, in units of the
# normalised histogram (published values / 1e6). The non-edge and non-directional classes
# share a coarse scale, the horizontal / vertical tables are the same and about 7x finer,
# the two diagonal tables are the same and about 2x finer.
_QUANT_NON_EDGE = [180.19686541079636, 23730.024499150866, 61457.152912541605,
                   113918.55437576842, 179122.46400035513, 260980.3325940354,
                   341795.93301552488, 554729.98648386425]
_QUANT_NON_DIRECTIONAL = [209.25176965926232, 22490.5872862417345, 60250.8935141849988,
                          120705.788057580583, 181128.08709063051, 234132.081356900555,
                          325660.617733105708, 520702.175858657472]
_QUANT_HORIZONTAL_VERTICAL = [405.4642173212585, 4877.9763319071481, 10882.170090625908,
                              18167.239081219657, 27043.385568785292, 38129.413201299016,
                              52675.221316293857, 79555.402607004813]
_QUANT_DIAGONAL = [968.88475977695578, 10725.159033657819, 24161.205360376698,
                   41555.917344385321, 62895.628446402261, 93066.271379694881,
                   136976.13317822068, 262897.86056221306]
CEDD_QUANT_TABLES = np.array([_QUANT_NON_EDGE, _QUANT_NON_DIRECTIONAL,
                              _QUANT_HORIZONTAL_VERTICAL, _QUANT_HORIZONTAL_VERTICAL,
                              _QUANT_DIAGONAL, _QUANT_DIAGONAL]) / 1e6
CEDD_QUANT_TABLES.flags.writeable = False

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
        Each of the 48 rules (hue region, saturation, value) fires with the minimum of its
        three memberships and every firing rule adds that to its bin, the achromatic rules
        of all hue regions included; the rows are not renormalised.

    Examples
    --------
    >>> import numpy as np
    >>> fuzzy_colour_10([7.5], [255], [255]).round(2)  # halfway between red and orange
    array([[0. , 0. , 0. , 0.5, 0.5, 0. , 0. , 0. , 0. , 0. ]])
    >>> fuzzy_colour_10([7.5], [40], [255]).round(3).tolist()  # two white rules fire
    [[1.0, 0.0, 0.0, 0.462, 0.462, 0.0, 0.0, 0.0, 0.0, 0.0]]
    """
    hue = _trapezoids(h, _HUE_10)
    sat = _trapezoids(s, _SAT_10)
    val = _trapezoids(v, _VAL_10)
    strength = np.minimum(np.minimum(hue[:, :, None, None], sat[:, None, :, None]),
                          val[:, None, None, :])  # (n, 8, 2, 3): the 48 rules
    # A rule with a zero antecedent has strength 0, so summing all 48 is the paper's sum
    # over the rules that fire.
    return strength.reshape(len(hue), 48) @ _RULES_10_ONEHOT


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
        White, grey, black copied from ``colour10``; then for each hue (bin
        ``3 + 3 * hue + shade``) its membership times the light / normal / dark shades,
        fired by 4 rules: low S & high V -> light, high S & high V -> normal, low V (either
        S) -> dark.

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
    strength = np.minimum(sat[:, :, None], val[:, None, :]).reshape(len(sat), 4)
    shades = strength @ _RULES_24_ONEHOT
    # The paper runs this step only for blocks with chromatic mass; for the others the
    # product below is zero anyway.
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
