"""What every command shares: exit codes, the user-facing error, logging, inputs."""

from __future__ import annotations

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
    """:func:`~skvideo_clf.persistence.load_model` (or only the header), errors as exit 4."""
    try:
        return read_model_header(path) if header_only else load_model(path)
    except FileNotFoundError as exc:
        raise CLIError(f"{exc}. Make one with `skvideo-clf fit DATA_DIR -o MODEL`.",
                       EXIT_MODEL) from exc
    except ModelFileError as exc:
        raise CLIError(str(exc), EXIT_MODEL) from exc


def _resolve_weights(weights):
    """The concrete weights the featurizer will use (the library's one resolver).

    Nothing is loaded here; a missing or damaged weights file exits with ``EXIT_WEIGHTS``
    and says where to place the weights, before any video is read.
    """
    from ..features import WeightsUnavailableError, resolve_weights

    if weights in ("none", "random"):
        return None
    try:
        return resolve_weights(weights)
    except (WeightsUnavailableError, ValueError) as exc:
        raise CLIError(str(exc), EXIT_WEIGHTS) from exc
