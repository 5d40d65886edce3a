"""What every command shares: exit codes, the user-facing error, logging, inputs."""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import sys
import tempfile
from pathlib import Path

from ..datasets import load_video_folder
from ..features import (
    BaseFrameTransformer,
    LowLevelFrameTransformer,
    WeightsUnavailableError,
    get_backbone,
    resolve_weights,
)
from ..persistence import ModelFileError, load_model, read_model_header
from ..utils import atomic_write_text, resolve_device

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


def load_folder(data_dir, args, subset, *, min_classes=1, purpose="fitting"):
    """``(videos, y, groups)`` of DATA_DIR, or a :class:`CLIError` that names the layout.

    ``min_classes=2``: one class is refused (exit 3) with :func:`one_class_error`.
    """

    root = Path(data_dir)
    if not root.exists():
        raise CLIError(f"Dataset folder not found: {str(root)!r}. Give the folder that holds "
                       "one sub-folder of videos per class (DATA_DIR/<class>/<video>).")
    if not root.is_dir():
        raise CLIError(f"{str(root)!r} is a file; DATA_DIR must be the folder that holds one "
                       "sub-folder of videos per class.")
    split_dir = getattr(args, "split_dir", None)
    try:
        videos, y, groups = load_video_folder(root, split_dir=split_dir,
                                              split=getattr(args, "split", 1),
                                              subset=subset, return_groups=True)
    except (FileNotFoundError, NotADirectoryError, ValueError) as exc:
        raise CLIError(f"{exc} Expected layout: {str(root)}/<class>/<video>.avi (UCF101 "
                       "style).") from exc
    classes = sorted(set(y.tolist()))
    if len(classes) < min_classes:
        raise one_class_error(data_dir, classes, purpose)
    return videos, y, groups


def one_class_error(data_dir, classes, purpose):
    """The one message for a dataset of a single class where two or more are needed."""
    return CLIError(f"{str(data_dir)!r} holds one class ({classes[0]!r}); {purpose} needs "
                    "two or more class folders (DATA_DIR/<class>/<video>).", EXIT_DATA)


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
    if not _reads_videos(model):
        raise CLIError(f"{str(path)!r} holds a {what} with no frame featurizer: it takes "
                       "feature arrays, not video files. Make a model that starts from "
                       "videos with `skvideo-clf fit DATA_DIR -o MODEL` (or save_model a "
                       "pipeline whose first step is a featurizer of skvideo_clf.features).",
                       EXIT_MODEL)


def _reads_videos(model):
    """Whether a frame featurizer sits in ``model`` (itself, a step, a union's branch)."""

    parts = [model, *model.get_params(deep=True).values()]
    return any(isinstance(p, BaseFrameTransformer) for p in parts)


def check_output_path(path, option="-o"):
    """Refuse an output file that cannot be written, before any slow work (exit 2).

    Writability is tried, not asked: a temporary file is created (and removed) in the
    nearest existing folder. ``os.access`` would say yes to root on a read-only export or
    a root-squashed share, where the write itself later fails.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path):
        raise CLIError(f"{option} {path!r} is a folder; give a file name (e.g. "
                       f"{os.path.join(path, 'model.skvc')!r}).", EXIT_USAGE)
    folder = os.path.dirname(path)
    while not os.path.exists(folder):  # missing folders are created when writing
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise CLIError(f"{option} {path!r}: {folder!r} is a file, not a folder.", EXIT_USAGE)
    check_writable_folder(folder, option, path)


#: What ``predict -o`` writes, by the file's ending.
ROW_FORMATS = {".csv": "CSV", ".json": "JSON"}


def check_rows_output(path, option="-o/--output"):
    """Refuse an output whose ending names no format of :func:`write_rows` (exit 2).

    Examples
    --------
    >>> from skvideo_clf.cli._common import check_rows_output
    >>> check_rows_output("predictions.JSON")
    >>> check_rows_output("predictions.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skvideo_clf.cli._common.CLIError: -o/--output 'predictions.txt': give ... .csv or .json ...
    """
    if os.path.splitext(os.fspath(path))[1].lower() not in ROW_FORMATS:
        raise CLIError(f"{option} {os.fspath(path)!r}: give a file name ending in "
                       f"{' or '.join(ROW_FORMATS)} (the format written).", EXIT_USAGE)


def write_rows(path, rows):
    """One record per row, as the ending of ``path`` says (:data:`ROW_FORMATS`): a JSON
    list of objects, or CSV with the first row's keys as the header; written atomically."""
    if os.fspath(path).lower().endswith(".json"):
        text = json.dumps(rows, indent=1) + "\n"
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    with writing(path):
        atomic_write_text(path, text)


def check_writable_folder(folder, option, path=None):
    """Create and remove a temporary file in ``folder``; a refusal is exit 2."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".skvideo-clf-probe-", dir=folder)
    except OSError as exc:
        raise CLIError(f"{option} {path or folder!r}: the folder {folder!r} is not writable "
                       f"({exc.strerror or exc}).", EXIT_USAGE) from None
    os.close(fd)
    os.remove(probe)


def _identity(path):
    """``(device, inode)`` of an existing file or folder, else None."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def check_not_an_input(output, *, files=(), folders=(), option="-o"):
    """Refuse an output that would overwrite or land inside an input, before any work (exit 2).

    Paths are compared resolved (symbolic links followed; a hard link is the same file).
    ``files``: input files (videos, the model, a config or split file) that ``output``
    must not be. ``folders``: input folders (``DATA_DIR``) that a folder ``output`` must
    neither be nor lie inside, since what it writes there would be read back as a class
    folder of the dataset.

    Parameters
    ----------
    output : str or path-like or None
        The file or folder the command writes; None checks nothing.
    files : iterable of (str, str)
        ``(what, path)`` of each input file, e.g. ``("the model", "m.skvc")``.
    folders : iterable of (str, str)
        ``(what, path)`` of each input folder.
    option : str, default="-o"
        The option that named ``output``.
    """
    if output is None:
        return
    resolved = os.path.realpath(os.fspath(output))
    own = _identity(resolved)
    if own is not None:
        for what, path in files:
            if _identity(path) == own:
                raise CLIError(
                    f"{option} {os.fspath(output)!r} is {what} {os.fspath(path)!r} (both are "
                    f"{resolved!r}): writing there would replace an input. Choose another "
                    "path.", EXIT_USAGE)
    for what, path in folders:
        root = os.path.realpath(os.fspath(path))
        if resolved == root or resolved.startswith(root.rstrip(os.sep) + os.sep):
            raise CLIError(
                f"{option} {os.fspath(output)!r} ({resolved!r}) is {what} {root!r} or lies "
                "inside it: what is written there would be read back as part of the "
                "dataset. Choose a folder outside it.", EXIT_USAGE)


#: Write failures a user fixes by freeing space or choosing another place (exit 3).
DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}


def write_error(exc, path):
    """A :class:`CLIError` naming the file that could not be written (not its ``.part``)."""
    reason = exc.strerror or str(exc)
    return CLIError(f"Could not write {str(path)!r}: {reason}. Free space or choose another "
                    "place; nothing was written there.", EXIT_DATA)


@contextlib.contextmanager
def writing(path):
    """Any :class:`OSError` inside becomes :func:`write_error` naming ``path`` (exit 3)."""
    try:
        yield
    except OSError as exc:
        raise write_error(exc, path) from exc


def output_of(args):
    """The file or folder a command writes (named when a write fails), or None."""
    for name in ("output", "out", "report_dir"):
        value = getattr(args, name, None)
        if value is not None:
            return os.fspath(value)
    return None


def input_files(args, videos=(), *, model=None):
    """``(what, path)`` of every input file a command reads, for :func:`check_not_an_input`."""
    files = [("the model", model)] if model is not None else []
    for option in ("config", "weights"):
        value = getattr(args, option, None)
        if value is not None and os.path.isfile(value):
            files.append((f"the --{option} file", value))
    split_dir = getattr(args, "split_dir", None)
    if split_dir is not None and os.path.isdir(split_dir):
        files += [("a split file", os.path.join(split_dir, name))
                  for name in sorted(os.listdir(split_dir))]
    files += [("a video of the input", v) for v in videos]
    return files


def check_output_folder(path, option, *, files=(), folders=()):
    """Refuse an output folder that is a file, is not writable, or would replace or lie
    inside an input (:func:`check_not_an_input`), before any work (exit 2)."""
    path = os.path.abspath(os.fspath(path))
    check_not_an_input(path, files=files, folders=folders, option=option)
    if os.path.exists(path) and not os.path.isdir(path):
        raise CLIError(f"{option} {path!r} is a file; give a folder.", EXIT_USAGE)
    folder = path
    while not os.path.exists(folder):  # missing folders are created when writing
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise CLIError(f"{option} {path!r}: {folder!r} is a file, not a folder.", EXIT_USAGE)
    check_writable_folder(folder, option, path)


def check_report_folder(args):
    """``compare -o REPORT_DIR``: a writable folder, no input file, outside DATA_DIR (exit 2)."""
    data_dir = getattr(args, "data_dir", None)
    folders = [("the dataset folder", data_dir)] if data_dir is not None else []
    check_output_folder(args.out, "-o", files=input_files(args), folders=folders)


#: The backbones :func:`skvideo_clf.features.get_backbone` knows by name (a test keeps the
#: two in step); any other network comes from an optional package, by prefix.
BACKBONES = ("efficientnet_lite0", "inception_v3")
#: Backbone prefix -> the pip package that provides it (none is a dependency).
BACKBONE_PACKAGES = {"torchvision": "torchvision", "timm": "timm", "open_clip": "open_clip_torch"}


def check_backbone(name, *, lowlevel=True, option="--backbone"):
    """Refuse a backbone the command cannot build, before any work.

    An unknown name, or the bootstrapping CNN paper's descriptors (``lowlevel:NAMES``) naming an
    unknown descriptor, is a command-line error (exit 2, listing what is known); a
    ``torchvision:``, ``timm:`` or ``open_clip:`` model whose package is not installed
    exits with ``EXIT_WEIGHTS`` (5, what the backbone needs is missing on this machine)
    and prints the command that installs it. ``lowlevel=False``: the command has no
    descriptor featurizer (``fit`` without ``--row``, ``extract``).
    """
    import importlib.util

    if name in BACKBONES:
        return
    prefix, sep, rest = name.partition(":")
    if prefix == "lowlevel" and lowlevel:

        known = LowLevelFrameTransformer().get_params()["descriptors"]
        names = [n for n in rest.split(",") if n] if sep else list(known)
        unknown = [n for n in names if n not in known] or ([] if names else ["(none)"])
        if unknown:
            raise CLIError(f"{option} {name!r}: unknown descriptor(s) {unknown}; "
                           f"lowlevel:NAMES takes a comma-separated subset of "
                           f"{', '.join(known)} (e.g. lowlevel:hsv,ycbcr).", EXIT_USAGE)
        return
    if sep and prefix in BACKBONE_PACKAGES and rest:
        if importlib.util.find_spec(prefix) is None:
            raise CLIError(f"{option} {name!r} needs the {prefix} package, which is not "
                           f"installed (it is optional). Install it with:\n  pip install "
                           f"{BACKBONE_PACKAGES[prefix]}", EXIT_WEIGHTS)
        return
    models = ", ".join(f"{p}:NAME" for p in BACKBONE_PACKAGES).replace(
        "open_clip:NAME", "open_clip:NAME/TAG")
    descriptors = (" or lowlevel:NAMES (the bootstrapping CNN paper's descriptors)"
                   if lowlevel else
                   " (lowlevel:NAMES only in a comparison row: compare, or fit --row)")
    raise CLIError(f"{option} {name!r} is not a known backbone: use one of "
                   f"{', '.join(BACKBONES)}, a model of an installed package ({models})"
                   f"{descriptors}.", EXIT_USAGE)


def _resolve_weights(weights, backbone="inception_v3"):
    """The concrete weights the featurizer will use (the library's one resolver).

    The backbone is checked first (:func:`check_backbone`). A missing or damaged weights
    file exits with ``EXIT_WEIGHTS`` and says where to place the weights, before any video
    is read. InceptionV3's sources are resolved without loading; another backbone is
    built once here, which checks its weights the same way.
    """

    check_backbone(backbone, lowlevel=False)
    if weights in ("none", "random"):
        return None
    try:
        if backbone == "inception_v3":
            return resolve_weights(weights)
        get_backbone(backbone, weights)
        return weights
    except (WeightsUnavailableError, ValueError) as exc:
        raise CLIError(str(exc), EXIT_WEIGHTS) from exc
