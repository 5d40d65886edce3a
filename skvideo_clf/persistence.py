"""Model files: a fitted estimator behind a readable, version-checked header.

A model file is a one-line magic string, one line of JSON metadata (library versions,
classes, how it was made, a BLAKE2b digest of the payload), then the :func:`joblib.dump` of
the estimator. A payload that does not match its digest (a flipped bit, a bad copy) is
refused rather than unpickled into slightly wrong predictions. The header lets
:func:`load_model` refuse a file from another skvideo-clf version *before* unpickling it, and
:func:`read_model_header` describe a file without unpickling it at all. ``skvideo-clf fit``
writes these files; ``skvideo-clf predict`` and ``evaluate`` read them.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import pickle
import platform
import warnings

import skvideo_clf

from .utils import atomic_open

__all__ = ["MODEL_MAGIC", "ModelFileError", "load_model", "read_model_header", "save_model"]

#: First line of every model file: the version check happens before anything is unpickled.
MODEL_MAGIC = b"SKVIDEO-CLF-MODEL 1\n"


class ModelFileError(ValueError):
    """A model file that is not a skvideo-clf model or was written by another version.

    Examples
    --------
    >>> from skvideo_clf.persistence import ModelFileError
    >>> issubclass(ModelFileError, ValueError)
    True
    """


def save_model(path, estimator, metadata=None):
    """Write a fitted estimator to ``path`` with a readable header (atomic write).

    The file is a one-line magic string, one line of JSON metadata (library versions,
    classes, how it was made), then the :func:`joblib.dump` of the estimator. The header
    lets :func:`load_model` refuse a file from another skvideo-clf version *before*
    unpickling it.

    Parameters
    ----------
    path : str or path-like
        Where to write; the file appears complete or not at all.
    estimator : fitted estimator
        Anything :func:`joblib.dump` can pickle; its ``classes_`` (if any) go in the header.
    metadata : dict, default=None
        Extra JSON-serializable facts stored in the header (they override the defaults).

    Returns
    -------
    path : str
        ``path`` as a string.

    See Also
    --------
    load_model : Read the file back, checking the version first.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.dummy import DummyClassifier
    >>> from skvideo_clf.persistence import read_model_header, save_model
    >>> clf = DummyClassifier().fit([[0], [1]], ["a", "b"])
    >>> path = save_model(os.path.join(tempfile.mkdtemp(), "m.skvc"), clf, {"note": "demo"})
    >>> header = read_model_header(path)
    >>> header["classes"], header["note"]
    (['a', 'b'], 'demo')
    """
    import joblib
    import sklearn

    header = {
        "skvideo_clf_version": skvideo_clf.__version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "classes": [str(c) for c in getattr(estimator, "classes_", [])],
    }
    with contextlib.suppress(ImportError):
        import torch

        header["torch_version"] = torch.__version__
    header.update(metadata or {})
    # the digest precedes the payload in the file, so the payload is built first
    buf = io.BytesIO()
    joblib.dump(estimator, buf)
    payload = buf.getbuffer()
    header["payload_blake2b"] = _payload_digest(payload)
    path = os.fspath(path)
    with atomic_open(path, "wb") as f:
        f.write(MODEL_MAGIC)
        f.write(json.dumps(header, sort_keys=True).encode() + b"\n")
        f.write(payload)
    return path


def _payload_digest(payload) -> str:
    return hashlib.blake2b(payload, digest_size=32).hexdigest()


def read_model_header(path) -> dict:
    """The JSON header of a model file, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    header : dict
        Library versions, creation time, ``classes`` and the caller's metadata.

    Raises
    ------
    FileNotFoundError
        No such file.
    ModelFileError
        The file is not a skvideo-clf model file, is one of a newer format (upgrade
        skvideo-clf to read it), or its header is not a JSON object.

    Examples
    --------
    >>> import os, tempfile
    >>> from skvideo_clf.persistence import ModelFileError, read_model_header
    >>> junk = os.path.join(tempfile.mkdtemp(), "junk.skvc")
    >>> with open(junk, "wb") as f:
    ...     _ = f.write(b"not a model")
    >>> try:
    ...     read_model_header(junk)
    ... except ModelFileError as exc:
    ...     print("refused:", "not a skvideo-clf model file" in str(exc))
    refused: True
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Model file not found: {path!r}")
    with open(path, "rb") as f:
        magic = f.readline(len(MODEL_MAGIC) + 16)
        if magic != MODEL_MAGIC:
            _refuse_magic(path, magic)
        try:
            header = json.loads(f.readline().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"{path!r}: the model header is damaged ({exc}).") from exc
    if not isinstance(header, dict):
        raise ModelFileError(f"{path!r}: the model header is damaged (a JSON "
                             f"{type(header).__name__} where an object of metadata belongs).")
    return header


def _refuse_magic(path, magic):
    """A file without this format's first line: another format version, or no model."""
    prefix = MODEL_MAGIC.split(b" ")[0] + b" "
    version = magic[len(prefix):].strip() if magic.startswith(prefix) else b""
    ours = int(MODEL_MAGIC[len(prefix):])
    if version.isdigit() and int(version) > ours:
        raise ModelFileError(
            f"{path!r} was written by a newer version of skvideo-clf (model file format "
            f"{int(version)}; this is skvideo-clf {skvideo_clf.__version__}, which reads "
            f"format {ours}): upgrade skvideo-clf (pip install --upgrade skvideo-clf) to "
            "load it.")
    raise ModelFileError(
        f"{path!r} is not a skvideo-clf model file (it lacks the header that "
        "`skvideo-clf fit` writes). Make one with `skvideo-clf fit DATA_DIR -o "
        f"{os.path.basename(path)}`.")


def load_model(path):
    """Load a model written by :func:`save_model` (or ``skvideo-clf fit``).

    The library version stored in the header must equal the running one: a pickled
    pipeline only loads reliably with the code that wrote it.

    .. warning::
       Loading a model unpickles it, which runs code chosen by whoever wrote the file.
       Load only model files from a source you trust. The version check guards against
       accidents, not against a malicious file.

    Parameters
    ----------
    path : str or path-like
        A model file from :func:`save_model` or ``skvideo-clf fit``, from a trusted source.

    Returns
    -------
    estimator : object
        The fitted estimator.
    header : dict
        The metadata stored with it.

    Raises
    ------
    FileNotFoundError
        No such file.
    ModelFileError
        Not a skvideo-clf model file (or a newer format of one), a damaged header (not a
        JSON object, no payload digest), written by another version, or cut off.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.dummy import DummyClassifier
    >>> from skvideo_clf.persistence import load_model, save_model
    >>> clf = DummyClassifier().fit([[0], [1], [2]], ["a", "b", "b"])
    >>> path = save_model(os.path.join(tempfile.mkdtemp(), "m.skvc"), clf)
    >>> model, header = load_model(path)
    >>> model.predict([[5]]).tolist(), header["classes"]
    (['b'], ['a', 'b'])
    """
    import joblib

    header = read_model_header(path)
    saved = header.get("skvideo_clf_version")
    if saved != skvideo_clf.__version__:
        how = header.get("command")
        refit = f"refit it with this version (`{how}`)" if how else "refit it with this version"
        if saved is None:
            raise ModelFileError(
                f"{os.fspath(path)!r} does not record the skvideo-clf version that wrote it; "
                f"this is skvideo-clf {skvideo_clf.__version__}. A saved model only loads "
                f"reliably with the version that wrote it: {refit}.")
        raise ModelFileError(
            f"{os.fspath(path)!r} was written by skvideo-clf {saved}; this is "
            f"skvideo-clf {skvideo_clf.__version__}. A saved model only loads reliably with "
            f"the version that wrote it: {refit}, or install skvideo-clf=={saved} to use it.")
    with open(path, "rb") as f:
        f.readline()
        f.readline()
        payload = f.read()
    expected = header.get("payload_blake2b")
    if not isinstance(expected, str):  # every file save_model writes has one
        raise ModelFileError(
            f"{os.fspath(path)!r} has no payload digest in its header, so a damaged or "
            "altered payload could not be detected; it was not written by save_model. "
            "Refit it, or save the estimator again with skvideo_clf.persistence.save_model.")
    if _payload_digest(payload) != expected:
        raise ModelFileError(
            f"{os.fspath(path)!r} is damaged or incomplete: its payload does not match the "
            "digest in its header (a changed byte, a bad copy or an interrupted transfer); "
            "copy it again or refit it.")
    try:
        with _cuda_storages_on_cpu():
            estimator = joblib.load(io.BytesIO(payload))
    except (EOFError, pickle.UnpicklingError, ValueError, ImportError, AttributeError,
            KeyError, IndexError) as exc:
        raise ModelFileError(
            f"{os.fspath(path)!r} is damaged or incomplete ({type(exc).__name__}: {exc}); "
            "copy it again or refit it.") from exc
    _remap_cuda_to_cpu(estimator, path)
    return estimator, header


def _cuda_available():
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda.is_available()


@contextlib.contextmanager
def _cuda_storages_on_cpu():
    """Tensors pickled on a GPU unpickle onto the CPU when this machine has no CUDA."""
    if _cuda_available() is not False:
        yield
        return
    import torch.storage

    original = torch.storage._load_from_bytes

    def on_cpu(b):
        return torch.load(io.BytesIO(b), map_location="cpu", weights_only=False)

    # pickle looks the function up by name at load time, so the module attribute is the hook
    torch.storage._load_from_bytes = on_cpu
    try:
        yield
    finally:
        torch.storage._load_from_bytes = original


def _estimators(obj, seen=None):
    """``obj`` and every estimator inside it (pipeline steps, parameters, fitted parts)."""
    from sklearn.base import BaseEstimator

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    if not isinstance(obj, BaseEstimator):
        return
    for value in vars(obj).values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for item in items:
            if isinstance(item, tuple) and len(item) >= 2:  # (name, estimator) steps
                item = item[1]
            if isinstance(item, BaseEstimator):
                yield from _estimators(item, seen)


def _remap_cuda_to_cpu(estimator, path):
    """A model fitted on a GPU runs on this CPU-only machine (skorch does the same)."""
    if _cuda_available() is not False:
        return
    import torch

    moved = []
    for est in _estimators(estimator):
        device = getattr(est, "device_", None)
        if not (isinstance(device, str) and device.startswith("cuda")):
            continue
        moved.append(type(est).__name__ + (" (float16 -> float32)" if getattr(
            est, "half", False) is True else ""))
        if hasattr(est, "_run_on_cpu"):  # a featurizer: its network and rebuild recipe
            est._run_on_cpu()
            continue
        est.device_ = "cpu"
        for name, value in list(vars(est).items()):
            if isinstance(value, torch.nn.Module):
                setattr(est, name, value.to("cpu"))
    if moved:
        warnings.warn(
            f"{os.fspath(path)!r} was fitted on CUDA and this machine has no CUDA device: "
            f"{', '.join(moved)} will run on the CPU (slower, same features up to float "
            "rounding).", UserWarning, stacklevel=3)
