"""What only a CUDA GPU can show: features, float16, the decode pool feeding the device,
training with ``device="auto"`` and a GPU-fitted model loading in a CPU-only process.

Every test is marked ``gpu``: skipped with a reason where no GPU is present (CI).
"""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from skvideo_clf.features import InceptionFrameTransformer
from skvideo_clf.video import write_video

pytestmark = [pytest.mark.gpu, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cuda_videos")
    rng = np.random.default_rng(0)
    return [str(write_video(folder / f"v{i}.avi",
                            rng.integers(0, 255, (12 + 3 * i, 48, 64, 3), dtype=np.uint8)))
            for i in range(4)]


def _inception(**params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random weights: tests only
        return InceptionFrameTransformer(None, input_size=75, sequence_length=6,
                                         random_state=0, **params).fit(
            [np.zeros((1, 8, 8, 3), np.uint8)])


def test_cuda_features_match_the_cpu_features(videos):
    cpu = _inception(device="cpu").transform(videos)
    cuda = _inception(device="cuda")
    assert cuda.device_ == "cuda" and next(cuda.module_.parameters()).is_cuda
    # cuDNN and the CPU sum in other orders: equal up to float32 rounding
    np.testing.assert_allclose(cuda.transform(videos), cpu, rtol=1e-3, atol=1e-4)


def test_float16_features_are_float32_and_close_to_float32(videos):
    full = _inception(device="cuda").transform(videos)
    half = _inception(device="cuda", half=True).transform(videos)
    assert half.dtype == np.float32
    rel = np.linalg.norm(half - full) / np.linalg.norm(full)
    assert rel < 1e-2, rel


@pytest.mark.parametrize("n_decoders", [1, 3])
def test_decode_pool_feeds_the_device_the_same_frames(videos, n_decoders):
    plain = _inception(device="cuda").transform(videos)
    pooled = _inception(device="cuda", n_decoders=n_decoders).transform(videos)
    np.testing.assert_allclose(pooled, plain, rtol=1e-4, atol=1e-5)


def test_device_auto_trains_on_the_gpu():
    from skvideo_clf.neural import LSTMClassifier

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 40)
    X = rng.normal(size=(80, 5, 4)).astype(np.float32)
    X[y == 1, :, 0] += 2.0  # separable by one feature
    clf = LSTMClassifier(hidden_sizes=(8,), max_epochs=30, lr=0.05, batch_size=16,
                         device="auto", random_state=0, verbose=0).fit(X, y)
    assert clf.device == "auto" and next(clf.module_.parameters()).is_cuda
    assert (clf.predict(X) == y).mean() >= 0.9


def test_a_gpu_fitted_pipeline_predicts_the_same_in_a_cpu_only_process(videos, tmp_path):
    from sklearn.pipeline import Pipeline

    from skvideo_clf.neural import LSTMClassifier
    from skvideo_clf.persistence import save_model

    y = np.array([0, 1, 0, 1])
    pipe = Pipeline([("features", _inception(device="cuda")),
                     ("clf", LSTMClassifier(hidden_sizes=(8,), max_epochs=3, device="cuda",
                                            random_state=0, verbose=0))])
    pipe.fit(videos, y)
    expected = pipe.predict_proba(videos)
    path = save_model(tmp_path / "gpu.skvc", pipe)
    script = (
        "import sys, numpy as np, warnings\n"
        "from skvideo_clf.persistence import load_model\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    pipe, _ = load_model(sys.argv[1])\n"
        "assert any('CUDA' in str(x.message) for x in w), [str(x.message) for x in w]\n"
        "np.save(sys.argv[2], pipe.predict_proba(sys.argv[3:]))\n"
    )
    out = tmp_path / "proba.npy"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", script, str(path), str(out), *videos], env=env,
                   check=True, timeout=240)
    np.testing.assert_allclose(np.load(out), expected, rtol=1e-3, atol=1e-4)
