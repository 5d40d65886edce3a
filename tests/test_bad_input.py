"""The bad-input corpus: hostile files the tests generate, each with a clear, tested outcome.

Reader- and dataset-level cases live here; featurizer- and classifier-level ones (NaN
features, unseen labels, one class, a dataset with several bad files) sit beside the
estimators they exercise and are collected at the end of this file.
"""

import struct

import cv2
import numpy as np
import pytest

from skvideo_clf.datasets import load_video_folder
from skvideo_clf.video import VideoReadError, read_frames, read_video, video_info, write_video

pytestmark = pytest.mark.timeout(60)  # nothing here may hang


def _mjpg(path, n=10, size=(16, 16)):
    frames = [np.full((*size, 3), 8 * i, np.uint8) for i in range(n)]
    return write_video(path, frames)


def _patch_avi(path, out, *, total_frames=None, size=None):
    """Rewrite AVI header fields (frame count in avih/strh, size in avih/strf)."""
    data = bytearray(open(path, "rb").read())
    avih, strh, strf = data.find(b"avih"), data.find(b"strh"), data.find(b"strf")
    if total_frames is not None:
        struct.pack_into("<I", data, avih + 8 + 16, total_frames)
        struct.pack_into("<I", data, strh + 8 + 32, total_frames)
    if size is not None:
        struct.pack_into("<II", data, avih + 8 + 32, *size)
        struct.pack_into("<ii", data, strf + 8 + 4, *size)
    out.write_bytes(bytes(data))
    return out


def test_zero_byte_file(tmp_path):
    path = tmp_path / "zero.mp4"
    path.write_bytes(b"")
    with pytest.raises(VideoReadError, match=r"zero\.mp4.*zero-byte"):
        list(read_frames(path))


def test_text_renamed_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all\n" * 50)
    with pytest.raises(VideoReadError, match=r"notes\.mp4.*could not be opened"):
        read_video(path)


def test_header_claims_more_frames_than_it_has(tmp_path):
    src = _mjpg(tmp_path / "ten.avi", n=10)
    liar = _patch_avi(src, tmp_path / "liar.avi", total_frames=500)
    assert cv2.VideoCapture(str(liar)).get(cv2.CAP_PROP_FRAME_COUNT) == 500
    info = video_info(liar)
    assert (info.declared_frames, info.n_frames) == (500, 10)
    with pytest.raises(VideoReadError, match=r"liar\.avi.*frame 200 requested but only 10"):
        list(read_frames(liar, [0, 200]))


def test_huge_declared_dimensions_decode_at_their_true_size(tmp_path):
    src = _mjpg(tmp_path / "small.avi", n=3)
    huge = _patch_avi(src, tmp_path / "huge.avi", size=(60000, 60000))
    # The container lies; the decoded JPEG frames are 16x16 and nothing allocates 60000^2.
    frames = read_video(huge)
    assert frames.shape == (3, 16, 16, 3)


def test_one_frame_video(tmp_path):
    path = _mjpg(tmp_path / "one.avi", n=1)
    assert video_info(path).n_frames == 1
    assert read_video(path, [0, 0, 0]).shape == (3, 16, 16, 3)


def test_grayscale_video_reads_as_rgb(tmp_path):
    path = str(tmp_path / "gray.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (16, 12), isColor=False)
    for i in range(4):
        writer.write(np.full((12, 16), 40 * i, np.uint8))
    writer.release()
    frames = read_video(path)
    assert frames.shape == (4, 12, 16, 3)
    assert np.allclose(frames[..., 0], frames[..., 1], atol=2)  # grey stays grey


def test_unicode_and_spaces_in_paths(tmp_path):
    folder = tmp_path / "vidéos à trier" / "saut en hauteur"
    folder.mkdir(parents=True)
    path = _mjpg(folder / "v_saut en hauteur_g01_c01.avi", n=5)
    assert video_info(path).n_frames == 5
    videos, y, groups = load_video_folder(tmp_path / "vidéos à trier", return_groups=True)
    assert videos == [path] and y.tolist() == ["saut en hauteur"]
    assert groups.tolist() == ["saut en hauteur_g01"]


def test_variable_resolution_inside_one_dataset(tmp_path):
    for cls, size in (("a", (16, 16)), ("b", (24, 40))):
        (tmp_path / cls).mkdir()
        _mjpg(tmp_path / cls / "clip.avi", n=3, size=size)
    videos, _ = load_video_folder(tmp_path)
    assert [read_video(v).shape[1:3] for v in videos] == [(16, 16), (24, 40)]
