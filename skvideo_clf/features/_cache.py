"""The frame cache: one file per (featurizer identity, video fingerprint, frame, augmentation).

Layout under the cache root (a path, or a ``joblib.Memory``'s ``location``)::

    <root>/skvideo_clf_frames/<identity>/identity.json     what the identity hashes
    <root>/skvideo_clf_frames/<identity>/<kk>/<key>.npy    one frame's features

``identity`` is a digest of the featurizer class, its feature-defining parameters, the
library's and OpenCV's versions and its network weights (a digest of the tensors), derived
by ``BaseFrameTransformer._cache_identity``; ``key`` is a digest of
``source_fingerprint(video, mode)`` (see *File identity* below; arrays use a digest of
their pixels), the frame index and the augmentation's exact parameters, and ``kk`` its first
two characters. Each entry is written to a temporary file in the same folder and moved in
place with ``os.replace`` (atomic on POSIX and Windows), so a killed run never leaves a
half-written entry under a final name. Each entry also carries its own key and a digest of
its payload, both checked on every read: a damaged entry, or one copied over another,
reads as a miss and is recomputed, never as features.

**File identity.** ``memory=FrameMemory(location, fingerprint=...)`` chooses how a video
file is recognised (a plain folder path means ``"stat"``):

* ``"stat"``: path, size and mtime; free, but a file replaced by another of the same size
  with its mtime restored (``cp -p``, ``rsync -t``, ``tar``) returns the old features;
* ``"sample"``: path, size and a digest of the first and last MiB; misses only a change
  confined to the middle of a file whose size did not change;
* ``"full"``: size and a digest of the whole file; reads every byte once per process.

**A cache that cannot be written** (a full disk, a read-only or foreign folder) is an
optimisation lost, not an error: the first failure warns once, naming the folder and the
reason, and the run carries on without storing entries.

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
import warnings

import numpy as np
from joblib import Memory
from sklearn.base import BaseEstimator

from ..utils import atomic_open
from ..video import FINGERPRINT_MODES

# entry: magic, digest of (key + payload), key (40 hex characters), payload (.npy bytes)
_MAGIC = b"SKVCFR02"
_DIGEST_SIZE = 16
_KEY_SIZE = 40


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest()


# ----------------------------------------------------------------- file identity (issue 15)
class FrameMemory(Memory):
    """A cache folder for featurizers' ``memory`` that also says how files are identified.

    A :class:`joblib.Memory` (so every featurizer's ``memory`` parameter takes it) whose
    ``fingerprint`` chooses how the frame cache recognises a video file; see
    :func:`skvideo_clf.video.source_fingerprint` for what each mode reads and misses.

    Parameters
    ----------
    location : str or path-like
        The cache folder.
    fingerprint : {"stat", "sample", "full"}, default="sample"
        ``"stat"``: path + size + mtime (what a plain folder path uses); ``"sample"``: path +
        size + digest of the first and last MiB; ``"full"``: size + digest of every byte.
    **kwargs
        Passed to :class:`joblib.Memory` (``verbose`` defaults to 0).

    Examples
    --------
    >>> import tempfile
    >>> from skvideo_clf.features import FrameMemory, FunctionFrameTransformer
    >>> memory = FrameMemory(tempfile.mkdtemp(), fingerprint="full")
    >>> feats = FunctionFrameTransformer(lambda f: f.mean((1, 2)), memory=memory)
    >>> memory.fingerprint
    'full'
    """

    def __init__(self, location, fingerprint="sample", **kwargs):
        if fingerprint not in FINGERPRINT_MODES:
            raise ValueError(
                f"fingerprint must be one of {FINGERPRINT_MODES}; got {fingerprint!r}.")
        kwargs.setdefault("verbose", 0)
        super().__init__(location, **kwargs)
        self.fingerprint = fingerprint

    def __reduce__(self):
        # joblib.Memory pickles through its own arguments: keep the mode in worker copies
        return (_rebuild_frame_memory, (self.location, self.fingerprint))


def _rebuild_frame_memory(location, fingerprint):
    return FrameMemory(location, fingerprint)


def fingerprint_mode(memory) -> str:
    """The file identity mode of a featurizer's ``memory`` (``"stat"`` unless it says).

    Examples
    --------
    >>> from skvideo_clf.features._cache import fingerprint_mode
    >>> fingerprint_mode("/tmp/cache"), fingerprint_mode(None)
    ('stat', 'stat')
    """
    return getattr(memory, "fingerprint", "stat")


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


def frame_key(fingerprint: str, index: int, augmentation, seek="exact") -> str:
    """The cache key of one frame of one video under one augmentation.

    Parameters
    ----------
    fingerprint : str
        ``source_fingerprint`` of the video.
    index : int
        Frame index.
    augmentation : Augmentation or None
    seek : {"exact", "keyframe"}, default="exact"
        The featurizer's frame choice. Nearest-keyframe runs are kept apart from exact
        ones (their sequences hold other frames); ``"exact"`` keeps the keys caches
        always had.

    Returns
    -------
    key : str
        40 hex characters.
    """
    text = f"{fingerprint}|{int(index)}|{augmentation_token(augmentation)}"
    if seek != "exact":
        text += f"|seek={seek}"
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
        self.writable = True
        try:
            os.makedirs(self.folder, exist_ok=True)
            info = os.path.join(self.folder, "identity.json")
            if not os.path.exists(info):
                _atomic_write(info, text.encode())
        except OSError as exc:
            self._unwritable(exc)

    def path(self, key: str) -> str:
        """File of an entry (``<folder>/<key[:2]>/<key>.npy``)."""
        return os.path.join(self.folder, key[:2], key + ".npy")

    def get(self, key: str):
        """The stored array, or None when absent, damaged or stored under another key.

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
        if len(data) <= head + _KEY_SIZE or data[: len(_MAGIC)] != _MAGIC:
            return None
        body = data[head:]
        if _digest(body) != data[len(_MAGIC):head]:
            return None
        stored = body[:_KEY_SIZE].decode("ascii", "replace")
        if stored != _padded(key):
            warnings.warn(
                f"Frame cache entry {self.path(key)!r} holds another entry's features "
                f"(key {stored.strip()}; copied or moved by hand?): ignored and recomputed.",
                UserWarning, stacklevel=2)
            return None
        try:
            arr = np.load(io.BytesIO(body[_KEY_SIZE:]), allow_pickle=False)
        except ValueError:
            return None
        return arr

    def put(self, key: str, value: np.ndarray):
        """Store an array atomically (see the module docstring); a no-op once unwritable.

        Parameters
        ----------
        key : str
        value : ndarray
        """
        if not self.writable:
            return
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(value), allow_pickle=False)
        body = _padded(key).encode("ascii") + buf.getvalue()
        path = self.path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _atomic_write(path, _MAGIC + _digest(body) + body)
        except OSError as exc:
            self._unwritable(exc)

    def _unwritable(self, exc):
        # the cache is an optimisation: a full or read-only disk costs speed, not the run
        self.writable = False
        root = os.path.dirname(self.folder)
        if root in _WARNED:
            return
        _WARNED.add(root)
        reason = exc.strerror or str(exc)
        warnings.warn(
            f"The frame cache in {root!r} cannot be written ({reason}); carrying on without "
            "caching. Free space or choose another cache folder to make reruns fast again.",
            UserWarning, stacklevel=3)


#: Cache folders already warned about in this process (one warning each).
_WARNED: set = set()


def _padded(key: str) -> str:
    return key[:_KEY_SIZE].ljust(_KEY_SIZE)


def _atomic_write(path: str, data: bytes):
    with atomic_open(path, "wb") as fh:
        fh.write(data)
