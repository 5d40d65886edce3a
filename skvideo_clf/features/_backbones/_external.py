"""Backbones of packages the user has installed: torchvision, timm, open_clip.

None is a dependency: each is imported only when named. Weights are read only from the
package's local cache (torch hub's ``checkpoints`` folder, the Hugging Face hub cache),
hash-checked where the file's name or storage carries its hash; nothing is downloaded, and
a missing file raises an error naming the file to place and where. The preprocessing is
the package's own configuration for those weights (torchvision's ``weights.transforms()``,
timm's ``pretrained_cfg``, open_clip's preprocess config).
"""

from __future__ import annotations

import glob
import importlib
import os
import re

import torch

from .. import _weights
from ._backbone import Backbone
from ._preprocessing import IMAGENET_MEAN, IMAGENET_STD, Preprocessing

_INTERP = {"bilinear": "linear", "bicubic": "cubic", "nearest": "nearest", "area": "area",
           "nearest-exact": "nearest"}


def _require(package):
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise ImportError(f"backbone '{package}:...' needs the {package} package, which is not "
                          f"installed (it is not a dependency of skvideo-clf).") from exc


def hub_checkpoint(url):
    """Where torch hub keeps the file of ``url`` (what torchvision and timm download into)."""
    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(url))


def hf_cache_dir():
    """The Hugging Face hub cache folder (``HF_HUB_CACHE``, else ``HF_HOME/hub``)."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME", os.path.join("~", ".cache", "huggingface"))
    return os.path.join(os.path.expanduser(home), "hub")


def hf_cached_file(repo_id, filenames):
    """The first of ``filenames`` of ``repo_id`` in the local hub cache, or None."""
    folder = os.path.join(hf_cache_dir(), "models--" + repo_id.replace("/", "--"))
    for name in filenames:
        found = sorted(glob.glob(os.path.join(folder, "snapshots", "*", name)))
        if found:
            return found[-1]
    return None


def _check_hash(path, expected=None):
    """Refuse a file whose pinned sha256, name hash or hub blob name it does not match."""
    digest = _weights.file_sha256(path)
    if expected is not None and digest != expected.lower():
        raise _weights.WeightsUnavailableError(
            f"{path}: sha256 {digest} is not the expected {expected}.", how="")
    blob = os.path.basename(os.path.realpath(path))
    if re.fullmatch(r"[0-9a-f]{64}", blob) and digest != blob:  # hub LFS blobs: name = sha256
        raise _weights.WeightsUnavailableError(
            f"{path}: sha256 {digest} differs from its hub blob name {blob}; delete it and "
            "download it again.", how="")
    m = re.search(r"-([0-9a-f]{8,64})\.[a-z]+$", os.path.basename(path))
    if m and not digest.startswith(m.group(1)):  # torch hub file names carry a hash prefix
        raise _weights.WeightsUnavailableError(
            f"{path}: its sha256 does not start with {m.group(1)} as its name says; delete it "
            "and download it again.", how="")


def _missing(package, model, where, source):
    return _weights.WeightsUnavailableError(
        f"{package}:{model}: weights file not found (nothing is downloaded). Place\n"
        f"      {source}\n    at\n      {where}\n"
        f"  (e.g. by loading the model once with {package} on a machine that is online).",
        how=f"The weights of {package}:{model} are not in {package}'s local cache.")


def _load_state(path, expected_sha256):
    _check_hash(path, expected_sha256)
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file  # optional dependency, on use

        return load_file(path)
    return _weights.load_path(path)


def _strip_head(net):
    """Replace the last ``nn.Linear`` (the classifier) by an identity: pooled features out."""
    last = None
    for name, mod in net.named_modules():
        if isinstance(mod, torch.nn.Linear):
            last = name
    if last is not None:
        parent, _, attr = last.rpartition(".")
        owner = net.get_submodule(parent) if parent else net
        setattr(owner, attr, torch.nn.Identity())
    return net


def _seeded(seed, build):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()


def _torchvision(model, weights, weights_sha256, seed):
    tv = _require("torchvision.models")
    default = tv.get_model_weights(model).DEFAULT
    net = _seeded(seed, lambda: tv.get_model(model, weights=None))
    source = "random"
    if weights is not None:
        path = hub_checkpoint(default.url) if weights == "auto" else os.fspath(weights)
        if not os.path.isfile(path):
            raise _missing("torchvision", model, path, default.url)
        net.load_state_dict(_load_state(path, weights_sha256))
        source = path
    t = default.transforms()
    crop, resize = t.crop_size[0], t.resize_size[0]
    interp = getattr(t.interpolation, "value", t.interpolation)
    spec = Preprocessing(crop, "shorter_crop", crop_fraction=crop / resize,
                         interpolation=_INTERP.get(interp, "linear"), mean=tuple(t.mean),
                         std=tuple(t.std))
    return Backbone(_strip_head(net), spec, name=f"torchvision:{model}", weights=source)


def _timm_preprocessing(cfg):
    _, h, w = cfg.get("input_size", (3, 224, 224))
    crop_mode = cfg.get("crop_mode", "center")
    return Preprocessing((h, w), "stretch" if crop_mode == "squash" else "shorter_crop",
                         crop_fraction=float(cfg.get("crop_pct") or 0.875),
                         interpolation=_INTERP.get(cfg.get("interpolation"), "linear"),
                         mean=tuple(cfg.get("mean", IMAGENET_MEAN)),
                         std=tuple(cfg.get("std", IMAGENET_STD)))


def _timm(model, weights, weights_sha256, seed):
    timm = _require("timm")
    net = _seeded(seed, lambda: timm.create_model(model, pretrained=False, num_classes=0))
    cfg = dict(getattr(net, "pretrained_cfg", None) or {})
    source = "random"
    if weights is not None:
        if weights == "auto":
            path, hub = None, cfg.get("hf_hub_id")
            if hub:
                path = hf_cached_file(hub, ("model.safetensors", "pytorch_model.bin"))
            if path is None and cfg.get("url"):
                path = hub_checkpoint(cfg["url"])
            if path is None or not os.path.isfile(path):
                where = (os.path.join(hf_cache_dir(), "models--" + hub.replace("/", "--"),
                                      "snapshots", "<revision>", "model.safetensors")
                         if hub else path)
                raise _missing("timm", model, where,
                               f"https://huggingface.co/{hub}" if hub else cfg.get("url"))
        else:
            path = os.fspath(weights)
        state = _load_state(path, weights_sha256)
        own = net.state_dict()
        missing = sorted(set(own) - set(state))
        if missing:
            raise ValueError(f"{path} does not fit timm:{model}: missing {missing[:5]}.")
        net.load_state_dict({k: v for k, v in state.items() if k in own})
        source = path
    return Backbone(net, _timm_preprocessing(cfg), name=f"timm:{model}", weights=source)


class _EncodeImage(torch.nn.Module):
    """A CLIP model's image tower as a frame network."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.encode_image(x)


def _open_clip(model, weights, weights_sha256, seed):
    oc = _require("open_clip")
    arch, _, tag = model.partition("/")
    source = "random"
    if weights is None:
        net = _seeded(seed, lambda: oc.create_model(arch))
    else:
        if weights == "auto":
            if not tag:
                raise ValueError(f"open_clip:{model}: name the pretrained tag, e.g. "
                                 "'open_clip:ViT-B-32/laion2b_s34b_b79k'.")
            cfg = oc.get_pretrained_cfg(arch, tag) or {}
            hub = (cfg.get("hf_hub") or "").strip("/")
            path = hf_cached_file(hub, ("open_clip_model.safetensors",
                                        "open_clip_pytorch_model.bin")) if hub else None
            if path is None:
                where = (os.path.join(hf_cache_dir(), "models--" + hub.replace("/", "--"),
                                      "snapshots", "<revision>", "open_clip_model.safetensors")
                         if hub else os.path.join("~", ".cache", "clip"))
                raise _missing("open_clip", model, where,
                               f"https://huggingface.co/{hub}" if hub else cfg.get("url"))
        else:
            path = os.fspath(weights)
        _check_hash(path, weights_sha256)
        net = oc.create_model(arch, pretrained=path)
        source = path
    pp = oc.get_model_preprocess_cfg(net)
    size = pp.get("size", 224)
    resize = "stretch" if pp.get("resize_mode") == "squash" else "shorter_crop"
    spec = Preprocessing(size if isinstance(size, int) else tuple(size), resize,
                         crop_fraction=1.0, interpolation=_INTERP.get(pp.get("interpolation"),
                                                                      "cubic"),
                         mean=tuple(pp["mean"]), std=tuple(pp["std"]))
    return Backbone(_EncodeImage(net.eval()), spec, name=f"open_clip:{model}", weights=source)


_LOADERS = {"torchvision": _torchvision, "timm": _timm, "open_clip": _open_clip}


def load(package, model, *, weights="auto", weights_sha256=None, seed=0):
    """``package:model`` as a :class:`Backbone` (see :func:`get_backbone`)."""
    backbone = _LOADERS[package](model, weights, weights_sha256, seed)
    if backbone.weights != "random":
        backbone._weights_digest = _weights.state_digest(backbone.module.state_dict())
    return backbone
