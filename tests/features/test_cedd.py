"""CEDD as Chatzichristofis & Boutalis (2008) define it: hand-worked frames and invariances."""

import numpy as np
import pytest
from skimage import data

from skvideo_clf.features._cedd import (
    CEDD_QUANT_TABLES,
    cedd,
    cedd_histogram,
    fuzzy_colour_10,
    fuzzy_colour_24,
    quantise_cedd,
    texture_classes,
)

NON_EDGE, NON_DIR, HORIZONTAL, VERTICAL, D45, D135 = range(6)
WHITE, GREY, BLACK = 0, 1, 2


def _uniform(rgb, shape=(240, 320)):
    return np.broadcast_to(np.array(rgb, np.uint8), (*shape, 3)).copy()


def _colour24(rgb):
    """24-bin colour of one RGB colour, through the HSV the descriptor uses."""
    return cedd_histogram(_uniform(rgb, (80, 80)))[:24]


def _diagonal_blocks(side=320, block=8):
    """Each 8 x 8 block: dark top-left, bright bottom-right, split along "/"."""
    y, x = np.mgrid[:side, :side] % block
    s = x + y
    img = np.where(s > block - 1, 255, np.where(s == block - 1, 128, 0)).astype(np.uint8)
    return np.repeat(img[..., None], 3, 2)


# ----------------------------------------------------------------- colour: hand-worked


def test_pure_red_frame_is_one_non_edge_red_bin():
    # H=0, S=V=255: hue region 0 (red) = 1, S coloured = 1, V bright = 1 -> 10-bin red = 1;
    # S, V high in the 24-bin system -> "normal" red (bin 4). No edges: class 0 only.
    red = _uniform((255, 0, 0))
    hist = cedd_histogram(red)
    assert hist[4] == pytest.approx(1.0) and np.delete(hist, 4).max() == 0
    v = cedd(red)
    assert v.shape == (144,) and v.dtype == np.float64
    assert v[4] == 7 and v.sum() == 7  # 1.0 is nearest the top level (0.5547)


def test_pink_is_white_plus_light_red_by_hand():
    # (255, 200, 200): H=0, V=255, S=255*(1-200/255)=55. 10-bin: S low = (75-55)/65 = 4/13,
    # S coloured = 45/65 = 9/13 -> white 4/13, red 9/13. 24-bin: S=55 is fully "low" and
    # V=255 fully "high" -> light red.
    c = _colour24((255, 200, 200))
    assert c[WHITE] == pytest.approx(4 / 13) and c[3] == pytest.approx(9 / 13)
    assert c.sum() == pytest.approx(1)
    q = cedd(_uniform((255, 200, 200)))
    # 0.3077 lies between levels 0.2610 (5) and 0.3418 (6), nearer 6; 0.6923 -> 7.
    assert np.flatnonzero(q).tolist() == [0, 3] and q[0] == 6 and q[3] == 7


def test_dark_red_splits_between_red_and_dark_red_by_hand():
    # (100, 0, 0): S=255, V=100. 24-bin V memberships: high (100-68)/120 = 0.2667,
    # low 0.7333 -> red 0.2667 (rule S high & V high), dark red 0.7333 (S high & V low).
    c = _colour24((100, 0, 0))
    assert c[3:6] == pytest.approx([0, 32 / 120, 88 / 120])
    assert np.delete(c, [4, 5]).max() == 0


def test_hue_between_regions_shares_membership():
    # H=7.5 is halfway down region 0 (0-5-10) and up region 1 (5-10-35).
    assert fuzzy_colour_10([7.5], [255], [255])[0] == pytest.approx(
        [0, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("s, expected", [
    # S=40: S grey-ish (75-40)/65 = 7/13, S coloured (40-10)/65 = 6/13; V=255: bright 1.
    # Hue regions 0 and 1 both 0.5. White rules (h, S0, V2): min(0.5, 7/13, 1) = 0.5 for
    # each region -> white 1 (one hue-free rule would give 7/13). Colour rules (h, S1, V2):
    # min(0.5, 6/13) = 6/13 -> red 6/13, orange 6/13.
    (40.0, [1, 0, 0, 6 / 13, 6 / 13, 0, 0, 0, 0, 0]),
    # S=50: S0 = 25/65 = 5/13 < 0.5, S1 = 40/65 = 8/13. White: 5/13 from each region ->
    # 10/13 (twice the hue-free 5/13); red, orange min(0.5, 8/13) = 0.5 each.
    (50.0, [10 / 13, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0]),
])
def test_achromatic_rules_fire_once_per_hue_region(s, expected):
    assert fuzzy_colour_10([7.5], [s], [255])[0] == pytest.approx(expected)
    # The same colour away from the overlap (H=20, region 1 only) has one white rule.
    single = fuzzy_colour_10([20.0], [s], [255])[0]
    assert single[WHITE] == pytest.approx(min(1.0, (75 - s) / 65))


def test_pale_orange_red_by_hand():
    # RGB (255, 220, 215): V=255, S=255*40/255=40, H=60*(220-215)/40=7.5. 10-bin as in
    # the S=40 case above: white 1, red 6/13, orange 6/13 (sum 25/13). 24-bin: S=40 is
    # fully "low" (0-68), V=255 fully "high" -> light red (3), light orange (6).
    # Normalised: white 13/25, light red 6/25, light orange 6/25.
    c = _colour24((255, 220, 215))
    assert c[[WHITE, 3, 6]] == pytest.approx([13 / 25, 6 / 25, 6 / 25])
    assert np.delete(c, [WHITE, 3, 6]).max() == 0
    # Quantised (non-edge table): 0.52 -> level 7 (0.5547), 0.24 -> level 5 (0.2610).
    q = cedd(_uniform((255, 220, 215)))
    assert np.flatnonzero(q).tolist() == [0, 3, 6] and q[[0, 3, 6]].tolist() == [7, 5, 5]


@pytest.mark.parametrize("rgb, bin24", [
    ((255, 255, 255), WHITE), ((128, 128, 128), GREY), ((0, 0, 0), BLACK),
    ((255, 0, 0), 4), ((255, 128, 0), 7), ((255, 255, 0), 10), ((0, 255, 0), 13),
    ((0, 255, 255), 16), ((0, 0, 255), 19), ((255, 0, 255), 22)])
def test_named_colours_land_in_their_bins(rgb, bin24):
    c = _colour24(rgb)
    assert c[bin24] == pytest.approx(1.0) and np.delete(c, bin24).max() == 0


def test_fuzzy_24_keeps_achromatic_and_splits_each_hue_in_three():
    c10 = np.zeros((1, 10))
    c10[0, [GREY, 8]] = 0.25, 0.75  # grey and blue
    out = fuzzy_colour_24([30.0], [250.0], c10)[0]  # low S, high V: light
    assert out[GREY] == 0.25 and out[18] == 0.75 and out.sum() == pytest.approx(1)


# ---------------------------------------------------------------- texture: hand-worked


def test_texture_thresholds():
    # Vertical filter |a0 - a1 + a2 - a3|: 13.8 is under T0 = 14 (non-edge), 14 is an edge.
    cls = texture_classes([[0, 6.9, 0, 6.9], [0, 7, 0, 7], [0, 255, 255, 0]])
    assert cls[0].tolist() == [True, False, False, False, False, False]
    assert cls[1].tolist() == [False, False, False, True, False, False]
    assert cls[2].tolist() == [False, True, False, False, False, False]  # checkerboard
    # 45 degrees: TL 0, BR 255, TR = BL: vertical and horizontal are 1/sqrt(2) = 0.71 of
    # the diagonal response (under T2 = 0.98), non-directional 0.
    assert texture_classes([[0, 127.5, 127.5, 255]])[0].tolist() == [
        False, False, False, False, True, False]
    # A block may join several classes: responses nd 310, h 155, v 355, 45 141, 135 361;
    # over the maximum: nd 0.86 > T1, v 0.984 > T2, 135 = 1.
    assert texture_classes([[0, 255, 0, 100]])[0].tolist() == [
        False, True, False, True, False, True]


def test_vertical_stripes_fill_the_vertical_class():
    # 320 x 240 -> 8 x 6-pixel blocks; columns 4-7 of every block white: each block's left
    # sub-blocks are 0 and right ones 255 -> vertical response 510, diagonals 361 (0.71):
    # vertical only. Mean colour (127.5 grey) -> grey.
    img = np.zeros((240, 320, 3), np.uint8)
    img[:, (np.arange(320) % 8) >= 4] = 255
    hist = cedd_histogram(img)
    assert hist[24 * VERTICAL + GREY] == pytest.approx(1.0)
    assert np.flatnonzero(cedd(img)).tolist() == [24 * VERTICAL + GREY]


def test_horizontal_stripes_fill_the_horizontal_class():
    img = np.zeros((240, 320, 3), np.uint8)
    img[(np.arange(240) % 6) >= 3] = 255
    assert cedd_histogram(img)[24 * HORIZONTAL + GREY] == pytest.approx(1.0)
    q = cedd(img)
    assert q[24 * HORIZONTAL + GREY] == 7 and q.sum() == 7


def test_diagonal_blocks_fill_the_diagonal_classes():
    img = _diagonal_blocks()  # "/" edge in every block -> 45 degrees
    hist = cedd_histogram(img).reshape(6, 24)
    assert hist[D45, GREY] == pytest.approx(1.0)
    mirrored = cedd_histogram(img[:, ::-1]).reshape(6, 24)  # "\" -> 135 degrees
    assert mirrored[D135, GREY] == pytest.approx(1.0)
    q = cedd(img).reshape(6, 24)
    assert q[D45, GREY] == 7 and q.sum() == 7


def test_checkerboard_fills_the_non_directional_class():
    y, x = np.mgrid[:240, :320]
    img = np.repeat((((x // 4) + (y // 3)) % 2 * 255).astype(np.uint8)[..., None], 3, 2)
    assert cedd_histogram(img)[24 * NON_DIR + GREY] == pytest.approx(1.0)


@pytest.mark.parametrize("image", ["stripes", "grating", "chelsea"])
def test_rotation_by_90_degrees_swaps_horizontal_and_vertical(image):
    # A square frame whose side is a multiple of 80 rotates block onto block; the filters
    # then swap horizontal <-> vertical and 45 <-> 135, colours stay.
    if image == "stripes":
        img = np.zeros((160, 160, 3), np.uint8)
        img[:, (np.arange(160) % 4) >= 2] = 255
    elif image == "grating":  # period unrelated to the block size
        x = np.arange(240)
        row = (127.5 + 127.5 * np.sin(2 * np.pi * x / 7.3)).astype(np.uint8)
        img = np.repeat(np.broadcast_to(row, (240, 240))[..., None], 3, 2)
    else:
        img = data.chelsea()[:240, 100:340]
    hist = cedd_histogram(img).reshape(6, 24)
    rotated = cedd_histogram(np.rot90(img)).reshape(6, 24)
    np.testing.assert_allclose(rotated, hist[[0, 1, 3, 2, 5, 4]], atol=1e-12)
    if image != "chelsea":
        assert hist[VERTICAL].sum() > 0.5 and hist[HORIZONTAL].sum() == 0
        assert rotated[HORIZONTAL].sum() > 0.5 and rotated[VERTICAL].sum() == 0


# ------------------------------------------------------------------------ quantisation


def test_quantisation_tables():
    assert CEDD_QUANT_TABLES.shape == (6, 8)
    assert np.all(np.diff(CEDD_QUANT_TABLES, axis=1) > 0)
    np.testing.assert_array_equal(CEDD_QUANT_TABLES[2], CEDD_QUANT_TABLES[3])
    np.testing.assert_array_equal(CEDD_QUANT_TABLES[4], CEDD_QUANT_TABLES[5])
    # The directional tables are finer than the non-edge one: 2x (diagonal), 7x (h / v).
    top = CEDD_QUANT_TABLES[:, -1]
    assert top[0] / top[4] == pytest.approx(2.11, abs=0.01)
    assert top[0] / top[2] == pytest.approx(6.97, abs=0.01)
    # Spot checks of the published values (x 1e6), later digits included.
    assert CEDD_QUANT_TABLES[0, 7] * 1e6 == pytest.approx(554729.98648386425, rel=1e-15)
    assert CEDD_QUANT_TABLES[0, 1] * 1e6 == pytest.approx(23730.024499150866, rel=1e-15)
    assert CEDD_QUANT_TABLES[1, 3] * 1e6 == pytest.approx(120705.788057580583, rel=1e-15)
    assert CEDD_QUANT_TABLES[3, 3] * 1e6 == pytest.approx(18167.239081219657, rel=1e-15)
    assert CEDD_QUANT_TABLES[5, 5] * 1e6 == pytest.approx(93066.271379694881, rel=1e-15)


def test_each_texture_class_uses_its_own_table():
    hist = np.zeros(144)
    hist[[0, 24, 48, 72, 96, 120]] = 0.05
    q = quantise_cedd(hist).reshape(6, 24)[:, 0]
    # 0.05: nearest 0.0615 (2) / 0.0603 (2) / 0.0527 (6) / 0.0416 (3) in the four tables.
    assert q.tolist() == [2, 2, 6, 6, 3, 3]
    # Around the midpoint of levels 6 and 7 of the horizontal / vertical table (0.06612).
    mid = CEDD_QUANT_TABLES[2, 6:].mean()
    assert quantise_cedd(np.r_[np.zeros(48), mid - 1e-6, np.zeros(95)])[48] == 6
    assert quantise_cedd(np.r_[np.zeros(48), mid + 1e-6, np.zeros(95)])[48] == 7
    assert quantise_cedd(np.zeros(144)).sum() == 0


# ----------------------------------------------------------------------------- photos


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
def test_photos_keep_mass_in_the_directional_classes(name):
    img = getattr(data, name)()
    hist = cedd_histogram(img)
    assert hist.sum() == pytest.approx(1) and hist.min() >= 0
    mass = hist.reshape(6, 24).sum(1)
    # Measured: non-edge 0.21-0.30, non-directional 0.24-0.32, horizontal 0.07-0.11,
    # vertical 0.13-0.21, 45 0.08-0.12, 135 0.08-0.11.
    assert mass[:2].min() > 0.15 and mass[2:].min() > 0.05 and mass[2:].sum() > 0.35
    q = cedd(img).reshape(6, 24)
    assert set(np.unique(q)) <= set(range(8))
    # The finer directional tables keep their bins visible after quantisation (measured
    # 5-27 per class; a single coarse table leaves 1-7).
    assert q[2:].sum(1).min() >= 4 and q[2:].sum() >= 30


def test_small_and_odd_frames():
    rng = np.random.default_rng(0)
    for shape in [(48, 64), (2, 2), (81, 157), (33, 500)]:
        v = cedd(rng.integers(0, 256, (*shape, 3), dtype=np.uint8))
        assert v.shape == (144,) and set(np.unique(v)) <= set(range(8))
    flat = cedd(np.full((80, 80, 3), 90, np.uint8)).reshape(6, 24)
    assert flat[0].sum() > 0 and flat[1:].sum() == 0
    cols = np.zeros((80, 80, 3), np.uint8)
    cols[:, 1::2] = 255  # 1-px columns are the sub-blocks at 80 x 80
    assert np.flatnonzero(cedd(cols)).tolist() == [24 * VERTICAL + GREY]
    with pytest.raises(ValueError, match="2 x 2"):
        cedd(np.zeros((1, 5, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        cedd(np.zeros((8, 8), np.uint8))
