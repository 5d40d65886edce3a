"""What every command shares: exit codes, the user-facing error, logging, inputs."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

from ..persistence import ModelFileError, load_model, read_model_header
from ..utils import resolve_device

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_MODEL = 4
EXIT_WEIGHTS = 5
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """An error the user can act on: printed without a traceback, with its exit code."""

    def __init__(self, message, code=EXIT_DATA):
        super().__init__(message)
        self.code = code


def progress(iterable=None, *, enabled=True, **kwargs):
    """A tqdm bar on stderr (stdout carries results only)."""
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not enabled, file=sys.stderr, dynamic_ncols=True, **kwargs)


def log(args, message):
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


def device(name):
    try:
        return resolve_device(name, name="--device")
    except ValueError as exc:
        raise CLIError(str(exc), EXIT_USAGE) from None


def load_folder(data_dir, args, subset):
    """``(videos, y, groups)`` of DATA_DIR, or a :class:`CLIError` that names the layout."""
    from ..datasets import load_video_folder

    root = Path(data_dir)
    if not root.exists():
        raise CLIError(f"Dataset folder not found: {str(root)!r}. Give the folder that holds "
                       "one sub-folder of videos per class (DATA_DIR/<class>/<video>).")
    if not root.is_dir():
        raise CLIError(f"{str(root)!r} is a file; DATA_DIR must be the folder that holds one "
                       "sub-folder of videos per class.")
    split_dir = getattr(args, "split_dir", None)
    try:
        return load_video_folder(root, split_dir=split_dir, split=getattr(args, "split", 1),
                                 subset=subset, return_groups=True)
    except (FileNotFoundError, NotADirectoryError, ValueError) as exc:
        raise CLIError(f"{exc} Expected layout: {str(root)}/<class>/<video>.avi (UCF101 "
                       "style).") from exc


def open_model(path, *, header_only=False):
    """:func:`~skvideo_clf.persistence.load_model` (or only the header), errors as exit 4.

    A file that loads but holds no fitted classifier pipeline is a model-file error too.
    """
    try:
        if header_only:
            return read_model_header(path)
        model, header = load_model(path)
    except FileNotFoundError as exc:
        raise CLIError(f"{exc}. Make one with `skvideo-clf fit DATA_DIR -o MODEL`.",
                       EXIT_MODEL) from exc
    except ModelFileError as exc:
        raise CLIError(str(exc), EXIT_MODEL) from exc
    _check_fitted_classifier(model, path)
    return model, header


def _check_fitted_classifier(model, path):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    what = f"{type(model).__module__}.{type(model).__qualname__}"
    if not (hasattr(model, "predict_proba") and hasattr(model, "get_params")):
        raise CLIError(f"{str(path)!r} holds a {what}, not a fitted pipeline with "
                       "predict_proba; make one with `skvideo-clf fit DATA_DIR -o MODEL`.",
                       EXIT_MODEL)
    try:
        check_is_fitted(model)
        getattr(model, "classes_")  # noqa: B009  (a pipeline checks its last step here)
    except (NotFittedError, AttributeError) as exc:
        raise CLIError(f"{str(path)!r} holds a {what} that was never fitted ({exc}); make "
                       "one with `skvideo-clf fit DATA_DIR -o MODEL`.", EXIT_MODEL) from None


def check_output_path(path, option="-o"):
    """Refuse an output file that cannot be written, before any slow work (exit 2)."""
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path):
        raise CLIError(f"{option} {path!r} is a folder; give a file name (e.g. "
                       f"{os.path.join(path, 'model.skvc')!r}).", EXIT_USAGE)
    folder = os.path.dirname(path)
    while not os.path.exists(folder):  # missing folders are created when writing
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise CLIError(f"{option} {path!r}: {folder!r} is a file, not a folder.", EXIT_USAGE)
    if not os.access(folder, os.W_OK):
        raise CLIError(f"{option} {path!r}: the folder {folder!r} is not writable.",
                       EXIT_USAGE)


#: Write failures a user fixes by freeing space or choosing another place (exit 3).
DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}


def write_error(exc, path):
    """A :class:`CLIError` naming the file that could not be written (not its ``.part``)."""
    reason = exc.strerror or str(exc)
    return CLIError(f"Could not write {str(path)!r}: {reason}. Free space or choose another "
                    "place; nothing was written there.", EXIT_DATA)


def _resolve_weights(weights, backbone="inception_v3"):
    """The concrete weights the featurizer will use (the library's one resolver).

    A missing or damaged weights file exits with ``EXIT_WEIGHTS`` and says where to place
    the weights, before any video is read. InceptionV3's sources are resolved without
    loading; another backbone is built once here, which checks its weights the same way.
    """
    from ..features import WeightsUnavailableError, get_backbone, resolve_weights

    if weights in ("none", "random"):
        return None
    try:
        if backbone == "inception_v3":
            return resolve_weights(weights)
        get_backbone(backbone, weights)
        return weights
    except (WeightsUnavailableError, ValueError) as exc:
        raise CLIError(str(exc), EXIT_WEIGHTS) from exc
