"""Shared fixtures: tiny synthetic videos (in memory and on disk) and the GPU marker."""

import os

import numpy as np
import pytest

# Two cores: keep torch from oversubscribing when pytest and BLAS both spin threads.
os.environ.setdefault("OMP_NUM_THREADS", "2")


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    if has_cuda:
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU; none is present on this machine")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def tiny_videos():
    """(videos, y, groups): 8 classes x 4 in-memory videos of 8 frames of 32x32."""
    from skvideo_clf.datasets import make_video_classification

    return make_video_classification(4, n_frames=8, return_groups=True, random_state=0)


@pytest.fixture(scope="session")
def video_folder(tmp_path_factory):
    """A class-per-folder dataset on disk (UCF101 naming): 3 classes x 4 AVI files."""
    from skvideo_clf.datasets import make_video_classification

    root = tmp_path_factory.mktemp("videos")
    paths, y = make_video_classification(4, n_classes=3, n_frames=8, output_dir=root,
                                         random_state=0)
    return root, paths, y


@pytest.fixture
def counting_video(tmp_path):
    """A 30-frame MJPG file whose frame i has all pixels equal to 8*i (decodes near-exactly)."""
    from skvideo_clf.video import write_video

    frames = [np.full((16, 16, 3), 8 * i, dtype=np.uint8) for i in range(30)]
    return write_video(tmp_path / "count.avi", frames, fps=10)
