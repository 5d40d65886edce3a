"""RandAug parameters and their effect on frames."""

import numpy as np
import pytest

from skvideo_clf.augment import Augmentation, draw_augmentation


@pytest.fixture
def image():
    img = np.zeros((9, 9, 3), dtype=np.uint8)
    img[0, :4] = 255
    img[2:5, 6] = 100
    return img


def test_identity_returns_the_frame_untouched(image):
    assert Augmentation().apply(image) is image


def test_rotation_by_90_degrees_is_counter_clockwise(image):
    assert np.array_equal(Augmentation(rotation=90).apply(image), np.rot90(image))


def test_translation_shifts_by_a_fraction_of_the_width(image):
    shifted = Augmentation(translation=(1 / 3, 0)).apply(image)
    assert np.array_equal(shifted[:, 3:], image[:, :6])


def test_brightness_scales_and_saturates(image):
    out = Augmentation(brightness=2.0).apply(image)
    assert out[0, 0, 0] == 255 and out[3, 6, 0] == 200


def test_shear_moves_rows_by_their_distance_from_the_centre():
    img = np.zeros((9, 9, 3), dtype=np.uint8)
    img[:, 4] = 255  # a vertical line through the centre
    out = Augmentation(shear=45).apply(img)
    assert out[4, 4, 0] == 255  # the centre stays
    assert out[0, 4, 0] != 255 and out[8, 4, 0] != 255  # other rows move sideways


def test_draws_stay_in_their_ranges():
    draws = [draw_augmentation(s, rotation_range=5, translation_range=0.05, shear_range=2,
                               brightness_range=(0.9, 1.1)) for s in range(300)]
    rot = np.array([d.rotation for d in draws])
    tx = np.array([d.translation[0] for d in draws])
    br = np.array([d.brightness for d in draws])
    assert np.abs(rot).max() <= 5 and rot.min() < -4 and rot.max() > 4
    assert np.abs(tx).max() <= 0.05
    assert br.min() >= 0.9 and br.max() <= 1.1
    assert draw_augmentation(7) == draw_augmentation(7)


def test_zero_ranges_draw_the_identity_and_bad_ranges_fail():
    aug = draw_augmentation(0, rotation_range=0, translation_range=0, shear_range=0,
                            brightness_range=(1, 1))
    assert aug.is_identity
    with pytest.raises(ValueError, match="rotation_range"):
        draw_augmentation(0, rotation_range=-1)
    with pytest.raises(ValueError, match="brightness_range"):
        draw_augmentation(0, brightness_range=(1.2, 0.8))
