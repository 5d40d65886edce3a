"""The frame cache: one file per (featurizer identity, video fingerprint, frame, augmentation).

Layout under the cache root (a path, or a ``joblib.Memory``'s ``location``)::

    <root>/skvideo_clf_frames/<identity>/identity.json     what the identity hashes
    <root>/skvideo_clf_frames/<identity>/<kk>/<key>.npy    one frame's features

``identity`` is a digest of the featurizer class, its feature-defining parameters, the
library's and OpenCV's versions and its network weights (a digest of the tensors), derived
by ``BaseFrameTransformer._cache_identity``; ``key`` is a digest of
``source_fingerprint(video)`` (path + size + mtime, or the pixel digest of an array), the
frame index and the augmentation's exact parameters, and ``kk`` its first two characters.
Each entry is written to a temporary file in the same folder and moved in place with
``os.replace`` (atomic on POSIX and Windows), so a killed run never leaves a half-written
entry under a final name. Each entry also carries a digest of its own payload, checked on
every read: a damaged entry reads as a miss and is recomputed, never as features.

joblib.Memory's function cache is not used because it stores one entry per call (a whole
video's frames), so two clips sharing frames would not share entries; the per-frame files
here keep the same folder conventions (``location``) and can be cleared by deleting them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os

import numpy as np
from sklearn.base import BaseEstimator

from ..utils import atomic_open

_MAGIC = b"SKVCFR01"
_DIGEST_SIZE = 16


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


def cache_root(memory):
    """The cache folder for ``memory``.

    Parameters
    ----------
    memory : None, str, path-like or joblib.Memory

    Returns
    -------
    folder : str or None
        ``<location>/skvideo_clf_frames``, or None when caching is off.

    Examples
    --------
    >>> from skvideo_clf.features._cache import cache_root
    >>> cache_root("/tmp/c"), cache_root(None)
    ('/tmp/c/skvideo_clf_frames', None)
    """
    if memory is None:
        return None
    location = getattr(memory, "location", memory)
    if location is None:  # joblib.Memory(None) caches nothing
        return None
    if not isinstance(location, (str, os.PathLike)):
        raise TypeError(
            f"memory must be None, a folder path or a joblib.Memory; got {type(memory).__name__}."
        )
    return os.path.join(os.path.expanduser(os.fspath(location)), "skvideo_clf_frames")


def augmentation_token(augmentation) -> str:
    """A stable text form of an augmentation (``repr`` of floats round-trips exactly).

    Parameters
    ----------
    augmentation : Augmentation or None

    Returns
    -------
    token : str
        ``"none"`` for no or an identity augmentation, else its ``repr``.
    """
    if augmentation is None or getattr(augmentation, "is_identity", False):
        return "none"
    return repr(augmentation)


def frame_key(fingerprint: str, index: int, augmentation) -> str:
    """The cache key of one frame of one video under one augmentation.

    Parameters
    ----------
    fingerprint : str
        ``source_fingerprint`` of the video.
    index : int
        Frame index.
    augmentation : Augmentation or None

    Returns
    -------
    key : str
        40 hex characters.
    """
    text = f"{fingerprint}|{int(index)}|{augmentation_token(augmentation)}"
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


def _code_digest(code, h):
    h.update(code.co_code)
    h.update(repr(code.co_names).encode())
    for const in code.co_consts:  # nested functions and comprehensions are code objects
        if hasattr(const, "co_code"):
            _code_digest(const, h)
        else:
            h.update(repr(const).encode())


def stable_value(value):
    """A JSON-able form of a parameter value that is the same in every process.

    Parameters
    ----------
    value : object
        A featurizer parameter.

    Returns
    -------
    stable : JSON-able object

    Functions are named by module, qualified name and a digest of their byte code, so an
    edited function gets a new cache identity; objects without a stable form fall back to
    ``repr`` (at worst, an address that makes every process miss, never a stale hit).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._cache import stable_value
    >>> stable_value({"b": (1, np.float32(0.5)), "a": None})
    {'a': None, 'b': [1, 0.5]}
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [stable_value(v) for v in value]
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return {str(k): stable_value(v) for k, v in items}
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        h = hashlib.blake2b(f"{data.dtype}{data.shape}".encode(), digest_size=16)
        h.update(data.tobytes())
        return {"array": h.hexdigest()}
    if isinstance(value, BaseEstimator):
        return {"estimator": f"{type(value).__module__}.{type(value).__qualname__}",
                "params": stable_value(value.get_params(deep=False))}
    if isinstance(value, functools.partial):
        return {"partial": stable_value(value.func), "args": stable_value(value.args),
                "keywords": stable_value(value.keywords)}
    code = getattr(value, "__code__", None)
    if code is not None:
        h = hashlib.blake2b(digest_size=16)
        _code_digest(code, h)
        return {"function": f"{getattr(value, '__module__', '')}.{value.__qualname__}",
                "code": h.hexdigest(),
                "defaults": stable_value(getattr(value, "__defaults__", None))}
    return repr(value)


def identity_digest(identity: dict) -> str:
    """The folder name of a featurizer identity.

    Parameters
    ----------
    identity : dict
        JSON-able values (others are turned into ``str``), e.g.
        ``BaseFrameTransformer._cache_identity()``.

    Returns
    -------
    digest : str
        32 hex characters; equal dicts give equal digests in every process.

    Examples
    --------
    >>> from skvideo_clf.features._cache import identity_digest
    >>> identity_digest({"a": 1, "b": 2}) == identity_digest({"b": 2, "a": 1})
    True
    """
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class FrameCache:
    """Per-frame feature store for one featurizer identity (see the module docstring).

    Parameters
    ----------
    root : str
        The cache folder (:func:`cache_root`).
    identity : dict
        What defines the features; its digest names the sub-folder.

    Attributes
    ----------
    identity : str
        The digest (:func:`identity_digest`).
    folder : str

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from skvideo_clf.features._cache import FrameCache
    >>> cache = FrameCache(tempfile.mkdtemp(), {"featurizer": "demo"})
    >>> cache.put("ab12", np.arange(3.0))
    >>> cache.get("ab12").tolist(), cache.get("cd34")
    ([0.0, 1.0, 2.0], None)
    """

    def __init__(self, root, identity: dict):
        text = json.dumps(identity, sort_keys=True, default=str)
        self.identity = identity_digest(identity)
        self.folder = os.path.join(root, self.identity)
        os.makedirs(self.folder, exist_ok=True)
        info = os.path.join(self.folder, "identity.json")
        if not os.path.exists(info):
            _atomic_write(info, text.encode())

    def path(self, key: str) -> str:
        """File of an entry (``<folder>/<key[:2]>/<key>.npy``)."""
        return os.path.join(self.folder, key[:2], key + ".npy")

    def get(self, key: str):
        """The stored array, or None when absent or damaged.

        Parameters
        ----------
        key : str

        Returns
        -------
        value : ndarray or None
        """
        try:
            with open(self.path(key), "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        head = len(_MAGIC) + _DIGEST_SIZE
        if len(data) <= head or data[: len(_MAGIC)] != _MAGIC:
            return None
        payload = data[head:]
        if _digest(payload) != data[len(_MAGIC):head]:
            return None
        try:
            arr = np.load(io.BytesIO(payload), allow_pickle=False)
        except ValueError:
            return None
        return arr

    def put(self, key: str, value: np.ndarray):
        """Store an array atomically (see the module docstring).

        Parameters
        ----------
        key : str
        value : ndarray
        """
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(value), allow_pickle=False)
        payload = buf.getvalue()
        path = self.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _atomic_write(path, _MAGIC + _digest(payload) + payload)


def _atomic_write(path: str, data: bytes):
    with atomic_open(path, "wb") as fh:
        fh.write(data)
