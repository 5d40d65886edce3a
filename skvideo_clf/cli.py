"""The ``skvideo-clf`` command: demo, fit, predict, evaluate, extract.

Exit codes (scripts can rely on them):

=====  ==============================================================================
0      success
1      an unexpected failure (a bug: please report it with the ``--debug`` traceback)
2      bad command line (argparse)
3      bad input data: missing folder or file, no videos, unreadable video, unknown class
4      bad model file: not a skvideo-clf model, or written by another skvideo-clf version
5      no InceptionV3 weights available (the message says exactly how to get them)
130    interrupted (Ctrl-C)
=====  ==============================================================================
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import json
import os
import pickle
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import skvideo_clf

from .utils import atomic_open, atomic_write_text, resolve_device

__all__ = ["ModelFileError", "load_model", "main", "save_model"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_MODEL = 4
EXIT_WEIGHTS = 5
EXIT_INTERRUPTED = 130

#: First line of every model file: the version check happens before anything is unpickled.
MODEL_MAGIC = b"SKVIDEO-CLF-MODEL 1\n"


class CLIError(Exception):
    """An error the user can act on: printed without a traceback, with its exit code."""

    def __init__(self, message, code=EXIT_DATA):
        super().__init__(message)
        self.code = code


class ModelFileError(ValueError):
    """A model file that is not a skvideo-clf model or was written by another version."""


# ----------------------------------------------------------------------------- model files
def save_model(path, estimator, metadata=None):
    """Write a fitted estimator to ``path`` with a readable header (atomic write).

    The file is a one-line magic string, one line of JSON metadata (library versions,
    classes, how it was made), then the :func:`joblib.dump` of the estimator. The header
    lets :func:`load_model` refuse a file from another skvideo-clf version *before*
    unpickling it.

    Parameters
    ----------
    path : str or path-like
    estimator : fitted estimator
    metadata : dict, default=None
        Extra JSON-serializable facts stored in the header.

    Returns
    -------
    path : str
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
    path = os.fspath(path)
    with atomic_open(path, "wb") as f:
        f.write(MODEL_MAGIC)
        f.write(json.dumps(header, sort_keys=True).encode() + b"\n")
        joblib.dump(estimator, f)
    return path


def read_model_header(path) -> dict:
    """The JSON header of a model file, without unpickling anything.

    Raises
    ------
    FileNotFoundError
        No such file.
    ModelFileError
        The file is not a skvideo-clf model file.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Model file not found: {path!r}")
    with open(path, "rb") as f:
        magic = f.read(len(MODEL_MAGIC))
        if magic != MODEL_MAGIC:
            raise ModelFileError(
                f"{path!r} is not a skvideo-clf model file (it lacks the header that "
                "`skvideo-clf fit` writes). Make one with `skvideo-clf fit DATA_DIR -o "
                f"{os.path.basename(path)}`.")
        try:
            return json.loads(f.readline().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"{path!r}: the model header is damaged ({exc}).") from exc


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

    Returns
    -------
    estimator : the fitted estimator
    header : dict
        The metadata stored with it.

    Raises
    ------
    ModelFileError
        Not a skvideo-clf model file, or written by another version.
    """
    import joblib

    header = read_model_header(path)
    saved = header.get("skvideo_clf_version")
    if saved != skvideo_clf.__version__:
        how = header.get("command")
        refit = f"refit it with this version (`{how}`)" if how else "refit it with this version"
        raise ModelFileError(
            f"{os.fspath(path)!r} was written by skvideo-clf {saved}; this is "
            f"skvideo-clf {skvideo_clf.__version__}. A saved model only loads reliably with "
            f"the version that wrote it: {refit}, or install skvideo-clf=={saved} to use it.")
    with open(path, "rb") as f:
        f.readline()
        f.readline()
        try:
            estimator = joblib.load(f)
        except (EOFError, pickle.UnpicklingError, ValueError, ImportError, AttributeError,
                KeyError, IndexError) as exc:
            raise ModelFileError(
                f"{os.fspath(path)!r} is damaged or incomplete ({type(exc).__name__}: {exc}); "
                "copy it again or refit it.") from exc
    return estimator, header


# ----------------------------------------------------------------------------- helpers
def _progress(iterable=None, *, enabled=True, **kwargs):
    from tqdm.auto import tqdm

    return tqdm(iterable, disable=not enabled, file=sys.stderr, dynamic_ncols=True, **kwargs)


def _log(args, message):
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr, flush=True)


def _load_folder(data_dir, args, subset):
    from .datasets import load_video_folder

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


def _resolve_weights(weights):
    """The concrete weights the featurizer will use; a clear error when there are none."""
    from .features import _weights

    if weights in (None, "none", "random"):
        return None
    if weights == "auto":
        if os.path.isfile(_weights.imagenet_cache_path()):
            return "imagenet"
        if _weights.tf2015_path() is not None:
            return "tf2015"
        try:  # online machines fetch torchvision's file (hash-checked) once
            _weights.load_imagenet(download=True)
        except (OSError, RuntimeError, ValueError) as exc:  # offline, or a bad hash
            raise CLIError(_weights.how_to_get_weights(), EXIT_WEIGHTS) from exc
        return "imagenet"
    if weights == "tf2015" and _weights.tf2015_path() is None:
        raise CLIError(_weights.how_to_get_weights(), EXIT_WEIGHTS)
    if weights not in ("tf2015", "imagenet") and not os.path.isfile(weights):
        raise CLIError(f"Weights file not found: {weights!r}.\n" + _weights.how_to_get_weights(),
                       EXIT_WEIGHTS)
    return weights


def _device(name):
    try:
        return resolve_device(name, name="--device")
    except ValueError as exc:
        raise CLIError(str(exc), EXIT_USAGE) from None


# ----------------------------------------------------------------------------- pipelines
FEATURES = ("inception",)
SAMPLERS = ("none", "oversample")
CLASSIFIERS = ("lstm", "bilstm", "resbilstm", "chi2svc")


def make_featurizer(args, *, weights=None, verbose=0):
    """The frame featurizer the command-line options describe."""
    from .features import InceptionFrameTransformer

    return InceptionFrameTransformer(
        weights=weights, input_size=args.input_size, batch_size=args.batch_size_frames,
        device=_device(args.device), sequence_length=args.sequence_length,
        memory=args.cache, verbose=verbose, random_state=args.seed)


def make_sampler(name, args):
    if name == "none":
        return "passthrough"
    if name == "oversample":
        from .sampling import SpatioTemporalOversampler

        return SpatioTemporalOversampler(sequence_length=args.sequence_length,
                                         random_state=args.seed)
    raise CLIError(f"Unknown sampler {name!r}; choose one of {SAMPLERS}.", EXIT_USAGE)


def make_classifier(name, args, *, class_weight=None):
    common = dict(class_weight=class_weight, max_epochs=args.epochs,
                  device=_device(args.device), random_state=args.seed)
    if name in ("lstm", "bilstm"):
        from .neural import LSTMClassifier

        return LSTMClassifier(hidden_sizes=(args.hidden_size,),
                              bidirectional=name == "bilstm", **common)
    if name == "resbilstm":
        from .neural import ResBiLSTMClassifier

        return ResBiLSTMClassifier(hidden_size=args.hidden_size, fc_size=args.hidden_size,
                                   **common)
    if name == "chi2svc":
        from .fusion import Chi2SVC

        return Chi2SVC(class_weight=class_weight, probability=True, random_state=args.seed)
    raise CLIError(f"Unknown classifier {name!r}; choose one of {CLASSIFIERS}.", EXIT_USAGE)


def build_pipeline(args, *, weights, verbose=0):
    """featurizer -> [sampler] -> classifier, as an imblearn Pipeline.

    The sampler comes first: it turns videos into clips (frames + augmentation) that the
    featurizer reads, in ``fit`` only.
    """
    from imblearn.pipeline import Pipeline

    class_weight = None if args.class_weight == "none" else args.class_weight
    steps = [("resample", make_sampler(args.sampler, args)),
             ("features", make_featurizer(args, weights=weights, verbose=verbose))]
    if args.classifier == "chi2svc":
        from .features import TemporalPooling

        steps.append(("pool", TemporalPooling("mean")))
    steps.append(("clf", make_classifier(args.classifier, args, class_weight=class_weight)))
    return Pipeline(steps)


# ----------------------------------------------------------------------------- fit
def cmd_fit(args):
    videos, y, _ = _load_folder(args.data_dir, args, "train")
    weights = _resolve_weights(args.weights)
    pipe = build_pipeline(args, weights=weights, verbose=0 if args.quiet else 1)
    classes, counts = _class_counts(y)
    _log(args, f"Fitting on {len(videos)} videos of {len(classes)} classes "
               f"({', '.join(f'{c}: {n}' for c, n in zip(classes, counts, strict=True))}).")
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        pipe.fit(videos, y)
    elapsed = time.perf_counter() - start
    meta = {
        "command": "skvideo-clf " + " ".join(shlex.quote(a) for a in args.argv),
        "data_dir": os.path.abspath(args.data_dir),
        "n_videos": len(videos),
        "config": {k: getattr(args, k) for k in ("features", "sampler", "classifier",
                                                    "class_weight", "sequence_length",
                                                    "input_size", "epochs", "seed")},
        "weights": pipe.named_steps["features"].weights_,
    }
    save_model(args.output, pipe, meta)
    print(f"Saved the fitted pipeline to {args.output} ({elapsed:.1f} s).")
    return EXIT_OK


def _class_counts(y):
    import numpy as np

    classes, counts = np.unique(y, return_counts=True)
    return classes.tolist(), counts.tolist()


def _header(args):
    try:
        return read_model_header(args.model)
    except FileNotFoundError as exc:
        raise CLIError(f"{exc}. Make one with `skvideo-clf fit DATA_DIR -o MODEL`.",
                       EXIT_MODEL) from exc
    except ModelFileError as exc:
        raise CLIError(str(exc), EXIT_MODEL) from exc


def _load(args):
    try:
        return load_model(args.model)
    except FileNotFoundError as exc:
        raise CLIError(f"{exc}. Make one with `skvideo-clf fit DATA_DIR -o MODEL`.",
                       EXIT_MODEL) from exc
    except ModelFileError as exc:
        raise CLIError(str(exc), EXIT_MODEL) from exc


# ----------------------------------------------------------------------------- predict
def cmd_predict(args):
    import numpy as np

    missing = [v for v in args.videos if not os.path.isfile(v)]
    if missing:
        raise CLIError("Video file(s) not found: " + ", ".join(repr(m) for m in missing))
    model, _ = _load(args)
    with _quiet_featurizer(model, args.quiet):
        proba = np.asarray(model.predict_proba(args.videos), dtype=float)
    classes = [str(c) for c in model.classes_]
    best = proba.argmax(axis=1)
    rows = []
    for video, j, p in zip(args.videos, best, proba, strict=True):
        rows.append({"video": video, "label": classes[j], "probability": float(p[j]),
                     **{f"p_{c}": float(pc) for c, pc in zip(classes, p, strict=True)}})
    width = max(len(v) for v in args.videos)
    for row in rows:
        print(f"{row['video']:<{width}}  {row['label']}  {row['probability']:.3f}")
    if args.output:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(args.output, buf.getvalue())
        _log(args, f"Wrote {args.output}")
    return EXIT_OK


@contextlib.contextmanager
def _quiet_featurizer(model, quiet):
    """Show the featurizer's progress bar unless --quiet (a temporary set_params)."""
    feats = getattr(model, "named_steps", {}).get("features")
    # Featurizers print notes to stdout: keep stdout for results only.
    with contextlib.redirect_stdout(sys.stderr):
        if feats is None or not hasattr(feats, "verbose"):
            yield
            return
        old = feats.verbose
        feats.verbose = 0 if quiet else max(old, 1)
        try:
            yield
        finally:
            feats.verbose = old


# ----------------------------------------------------------------------------- evaluate
def cmd_evaluate(args):
    from .metrics import evaluate_estimator

    header = _header(args)
    subset = "test" if args.split_dir else "train"
    videos, y, _ = _load_folder(args.data_dir, args, subset)
    # Checked from the header, before the (slow) unpickling.
    known = set(header.get("classes") or [])
    unknown = sorted(set(y.tolist()) - known) if known else []
    if unknown:
        raise CLIError(f"Class folder(s) {unknown} under {args.data_dir!r} are not classes of "
                       f"the model (it knows {sorted(known)}).")
    model, _ = _load(args)
    with _quiet_featurizer(model, args.quiet):
        report = evaluate_estimator(model, videos, y, k=tuple(args.k))
    print(report)
    if args.report_dir:
        clf = model.steps[-1][1] if hasattr(model, "steps") else model
        history = getattr(clf, "history_", None) or getattr(clf, "history", None)
        paths = report.save(args.report_dir, training_history=history or None)
        _log(args, f"Wrote the report to {args.report_dir}/ ({len(paths)} files).")
    return EXIT_OK


# ----------------------------------------------------------------------------- extract
def _extract_settings(args, weights):
    return {"features": args.features, "weights": str(weights),
            "input_size": args.input_size, "sequence_length": args.sequence_length,
            "skvideo_clf_version": skvideo_clf.__version__}


def cmd_extract(args):
    import numpy as np

    from .video import VideoReadError, source_fingerprint

    videos, y, groups = _load_folder(args.data_dir, args, args.subset)
    weights = _resolve_weights(args.weights)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = _extract_settings(args, weights)
    settings_path = out / "extract.json"
    if settings_path.exists():
        old = json.loads(settings_path.read_text())
        if old != settings and not args.overwrite:
            raise CLIError(
                f"{str(out)!r} holds features made with other settings ({old}); use another "
                "OUT folder, or --overwrite to recompute them all.")
    atomic_write_text(settings_path, json.dumps(settings, indent=2, sort_keys=True))

    root = Path(args.data_dir)
    targets = []
    for video in videos:
        rel = Path(os.path.relpath(video, root)).with_suffix(".npz")
        targets.append(out / rel)
    todo = []
    for i, (video, target) in enumerate(zip(videos, targets, strict=True)):
        if target.exists() and not args.overwrite:
            try:
                with np.load(target) as z:
                    if str(z["fingerprint"]) == source_fingerprint(video):
                        continue
            except (OSError, KeyError, ValueError):
                pass  # unreadable entry: recompute it
        todo.append(i)
    _log(args, f"{len(videos) - len(todo)} of {len(videos)} videos already extracted; "
               f"computing {len(todo)}.")
    if todo:
        featurizer = make_featurizer(args, weights=weights, verbose=0)
        featurizer.fit(videos[:1])
        bar = _progress(total=len(todo), enabled=not args.quiet, unit="video",
                        desc="extracting")
        failed = {}  # dataset position -> message: every bad file is reported at the end
        for start in range(0, len(todo), args.chunk):
            chunk = todo[start:start + args.chunk]
            try:
                done = list(zip(chunk, featurizer.transform([videos[i] for i in chunk]),
                                strict=True))
            except VideoReadError:
                # one bad file must not cost the chunk's good ones: redo them one by one
                done = []
                for i in chunk:
                    try:
                        done.append((i, featurizer.transform([videos[i]])[0]))
                    except VideoReadError as exc:
                        failed[i] = str(exc).splitlines()[-1].strip(" -")
            for i, f in done:
                targets[i].parent.mkdir(parents=True, exist_ok=True)
                _atomic_save_npz(targets[i], features=np.asarray(f, dtype=np.float32),
                                 label=np.asarray(str(y[i])),
                                 source=np.asarray(os.path.abspath(videos[i])),
                                 fingerprint=np.asarray(source_fingerprint(videos[i])))
            bar.update(len(chunk))
        bar.close()
        if failed:
            lines = "\n".join(f"  - {videos[i]}: {msg}" for i, msg in sorted(failed.items()))
            raise CLIError(
                f"{len(failed)} of {len(videos)} videos could not be read; the other "
                f"{len(todo) - len(failed)} were saved. Fix or remove these files and run the "
                f"same command again to finish:\n{lines}")
    rows = [{"video": v, "label": str(lab), "group": str(g),
             "features": os.path.relpath(t, out)}
            for v, lab, g, t in zip(videos, y, groups, targets, strict=True)]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["video", "label", "group", "features"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(out / "index.csv", buf.getvalue())
    print(f"Features of {len(videos)} videos in {out}/ (index.csv lists them; "
          f"{len(todo)} computed now).")
    return EXIT_OK


def _atomic_save_npz(path, **arrays):
    import numpy as np

    # a killed run never leaves a half file that a resumed run would trust
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)


def load_extracted(out):
    """Read what ``skvideo-clf extract`` wrote: ``(features, y, groups, videos)``.

    Parameters
    ----------
    out : str or path-like
        The OUT folder of ``skvideo-clf extract``.

    Returns
    -------
    features : ndarray (n, T, D) float32, or 1-D object array of (T_i, D) arrays
    y, groups : ndarray of str
    videos : list of str
    """
    import numpy as np

    out = Path(out)
    index = out / "index.csv"
    if not index.is_file():
        raise FileNotFoundError(f"{str(index)!r} not found: run `skvideo-clf extract` first.")
    with open(index, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    seqs = []
    for row in rows:
        with np.load(out / row["features"]) as z:
            seqs.append(z["features"])
    if len({s.shape for s in seqs}) == 1:
        features = np.stack(seqs)
    else:
        features = np.empty(len(seqs), dtype=object)
        features[:] = seqs
    return (features, np.asarray([r["label"] for r in rows]),
            np.asarray([r["group"] for r in rows]), [r["video"] for r in rows])


# ----------------------------------------------------------------------------- demo
#: Seed 000, Table I (disaster dataset, 7 classes of 40..400 real videos): acc, F1, wF1.
PAPER_TABLE_I = {
    "CNN-LSTM": (0.589, 0.339, 0.526),
    "CNN-LSTM + class weighting": (0.663, 0.428, 0.654),
    "CNN-LSTM + oversampling": (0.671, 0.456, 0.662),
    "ResBiLSTM + oversampling + weighting": (0.700, 0.513, 0.706),
}


def _demo_config(args):
    if args.full:
        cfg = dict(scale=1.0, n_frames=48, frame_size=(64, 64), input_size=299,
                   sequence_length=40, epochs=100, folds=5, hidden=None)
    elif args.quick:
        cfg = dict(scale=0.05, n_frames=8, frame_size=(32, 32), input_size=75,
                   sequence_length=4, epochs=15, folds=2, hidden=32)
    else:
        cfg = dict(scale=0.1, n_frames=16, frame_size=(32, 32), input_size=75,
                   sequence_length=8, epochs=30, folds=3, hidden=64)
    for key in ("scale", "input_size", "sequence_length", "epochs", "folds"):
        value = getattr(args, key, None)
        if value is not None:
            cfg[key] = value
    return cfg


def _demo_rows(cfg, args, weights, cache):
    """(name, estimator) rows: seed 000's Table I, then seed 004 baselines."""
    from imblearn.pipeline import Pipeline
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import StandardScaler

    from .features import InceptionFrameTransformer, OpticalFlowTransformer, TemporalPooling
    from .fusion import Chi2SVC, EarlyFusionSVC
    from .neural import FusionNetClassifier, LSTMClassifier, ResBiLSTMClassifier
    from .sampling import SpatioTemporalOversampler
    from .streams import streams_from_sizes

    device = _device(args.device)
    T = cfg["sequence_length"]

    def features():
        return InceptionFrameTransformer(weights=weights, input_size=cfg["input_size"],
                                         sequence_length=T, device=device, memory=cache,
                                         random_state=args.seed)

    def oversampler():
        return SpatioTemporalOversampler(sequence_length=T, random_state=args.seed)

    common = dict(max_epochs=cfg["epochs"], device=device, random_state=args.seed)
    if cfg["hidden"] is None:  # --full: the papers' own configurations
        def lstm(**kw):
            return LSTMClassifier.from_preset("seed002", **common, **kw)

        def resbilstm(**kw):
            return ResBiLSTMClassifier.from_preset("seed000", **common, **kw)
    else:
        h = cfg["hidden"]

        def lstm(**kw):
            return LSTMClassifier(hidden_sizes=(h,), **common, **kw)

        def resbilstm(**kw):
            return ResBiLSTMClassifier(hidden_size=h, fc_size=h, **common, **kw)

    rows = [
        ("CNN-LSTM", Pipeline([("features", features()), ("clf", lstm())])),
        ("CNN-LSTM + class weighting",
         Pipeline([("features", features()), ("clf", lstm(class_weight="balanced"))])),
        ("CNN-LSTM + oversampling",
         Pipeline([("resample", oversampler()), ("features", features()), ("clf", lstm())])),
        ("ResBiLSTM + oversampling + weighting",
         Pipeline([("resample", oversampler()), ("features", features()),
                   ("clf", resbilstm(class_weight="balanced"))])),
        ("Spatial SVM (chi2, mean-pooled)",
         Pipeline([("features", features()), ("pool", TemporalPooling("mean")),
                   ("clf", Chi2SVC(class_weight="balanced", random_state=args.seed))])),
    ]
    # Seed 004's two streams: InceptionV3 frames (spatial) and optical-flow histograms
    # (motion), each mean-pooled over time, side by side as named column blocks.
    flow_kw = (dict(n_stack=10, flow_size=64, grid=3) if cfg["hidden"] is None
               else dict(n_stack=2, flow_size=32, grid=2))
    n_bins = 8
    motion_dim = flow_kw["grid"] ** 2 * (n_bins + 1)
    streams = streams_from_sizes(spatial=2048, motion=motion_dim)

    def two_streams():
        motion = OpticalFlowTransformer(**flow_kw, n_bins=n_bins, sequence_length=T,
                                        memory=cache, random_state=args.seed)
        return FeatureUnion([
            ("spatial", Pipeline([("features", features()), ("pool", TemporalPooling())])),
            ("motion", Pipeline([("features", motion), ("pool", TemporalPooling())])),
        ])

    if cfg["hidden"] is None:
        fusion_net = FusionNetClassifier.from_preset("seed004", streams=streams, **common)
    else:
        fusion_net = FusionNetClassifier(streams=streams, stream_size=cfg["hidden"],
                                         fusion_size=cfg["hidden"], lambda2=1e-3,
                                         lambda3=1e-3, **common)
    rows += [
        ("SVM early fusion (spatial + motion)",
         Pipeline([("streams", two_streams()),
                   ("clf", EarlyFusionSVC(streams=streams, class_weight="balanced",
                                          random_state=args.seed))])),
        ("Regularized fusion network (spatial + motion)",
         Pipeline([("streams", two_streams()), ("scale", StandardScaler()),
                   ("clf", fusion_net)])),
    ]
    return rows


def _slug(name):
    keep = [c.lower() if c.isalnum() else "_" for c in name]
    return "_".join(filter(None, "".join(keep).split("_")))


def _scores(estimator, X):
    import numpy as np

    method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
    return np.asarray(getattr(estimator, method)(X), dtype=float)


def cmd_demo(args):
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from .datasets import disaster_class_sizes, make_video_classification
    from .metrics import evaluate, format_table

    start = time.perf_counter()
    cfg = _demo_config(args)
    weights = _resolve_weights(args.weights)
    sizes = disaster_class_sizes(cfg["scale"])
    videos, y = make_video_classification(sizes, n_frames=cfg["n_frames"],
                                          frame_size=cfg["frame_size"], clips_per_group=1,
                                          random_state=args.seed)
    X = np.empty(len(videos), dtype=object)
    X[:] = videos
    labels = np.unique(y)
    cv = StratifiedKFold(cfg["folds"], shuffle=True, random_state=args.seed)
    splits = list(cv.split(X, y))
    with contextlib.ExitStack() as stack:
        cache = args.cache
        if cache is None:
            cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="skvc-demo-"))
        rows = _demo_rows(cfg, args, weights, cache)
        if args.models:
            try:
                picked = [int(i) for i in args.models.split(",")]
                if not all(1 <= i <= len(rows) for i in picked):
                    raise ValueError
            except ValueError:
                raise CLIError(f"--models takes row numbers 1..{len(rows)} separated by "
                               f"commas, got {args.models!r}.", EXIT_USAGE) from None
            rows = [rows[i - 1] for i in picked]
        _log(args, f"Demo: {len(y)} synthetic videos, {len(labels)} classes of sizes {sizes} "
                   f"(seed 000's 400..40 spread x {cfg['scale']}); InceptionV3 ({weights}) at "
                   f"{cfg['input_size']} px, {cfg['sequence_length']} frames; "
                   f"{cfg['folds']}-fold stratified CV; {len(rows)} models.")
        bar = _progress(total=len(rows) * len(splits), enabled=not args.quiet, unit="fit",
                        desc="demo")
        table, results = [], []
        scoring = ("accuracy", "f1_macro", "f1_weighted")
        for name, estimator in rows:
            fold_scores = {m: [] for m in scoring}
            oof = np.zeros((len(y), len(labels)))
            history = None
            t0 = time.perf_counter()
            for k, (train, test) in enumerate(splits):
                bar.set_postfix_str(f"{name}, fold {k + 1}/{len(splits)}")
                res = cross_validate(estimator, X, y, cv=[(train, test)], scoring=scoring,
                                     return_estimator=True, error_score="raise")
                for m in scoring:
                    fold_scores[m].append(float(res[f"test_{m}"][0]))
                fitted = res["estimator"][0]
                cols = np.searchsorted(labels, fitted.classes_)
                oof[np.ix_(test, cols)] = _scores(fitted, X[test])
                clf = fitted.steps[-1][1]
                if history is None and hasattr(clf, "history_"):
                    history = clf.history_
                bar.update(1)
            elapsed = time.perf_counter() - t0
            report = evaluate(y, y_score=oof, labels=labels)
            results.append((name, report, history))
            table.append({
                "model": name,
                **{m: f"{np.mean(v):.3f} ± {np.std(v):.3f}" for m, v in fold_scores.items()},
                "seconds": f"{elapsed:.1f}",
            })
            table[-1]["_raw"] = fold_scores
        bar.close()
    header = {"model": "model", "accuracy": "Acc", "f1_macro": "F1 (macro)",
              "f1_weighted": "weighted F1", "seconds": "time (s)"}
    shown = [{header[k]: v for k, v in row.items() if k in header} for row in table]
    print()
    print(format_table(shown))
    print()
    total = time.perf_counter() - start
    paths = _write_demo_report(args.out, cfg, sizes, weights, table, shown, results, total)
    print(f"Mean ± std over {cfg['folds']} folds. Report written to {args.out}/ "
          f"({len(paths)} files) in {total:.0f} s.")
    return EXIT_OK


def _write_demo_report(out, cfg, sizes, weights, table, shown, results, total):
    import numpy as np

    from .metrics import _new_figure, _save_figure, format_table

    os.makedirs(out, exist_ok=True)
    paths = []
    csv_rows = []
    for row in table:
        flat = {"model": row["model"]}
        for m, v in row["_raw"].items():
            flat[f"{m}_mean"] = float(np.mean(v))
            flat[f"{m}_std"] = float(np.std(v))
        flat["seconds"] = float(row["seconds"])
        csv_rows.append(flat)
    target = os.path.join(out, "comparison.csv")
    atomic_write_text(target, format_table(csv_rows, fmt="csv"))
    paths.append(target)

    recall_rows = []
    for name, report, _ in results:
        recall_rows.append({"model": name, **{str(c): report.per_class[c]["recall"]
                                               for c in report.labels}})
    paper = [{"model": k, "Acc": v[0], "F1 (macro)": v[1], "weighted F1": v[2]}
             for k, v in PAPER_TABLE_I.items()]
    md = [
        "# skvideo-clf demo: imbalance methods compared",
        "",
        f"Synthetic videos from `make_video_classification`: {sum(sizes)} videos, "
        f"{len(sizes)} classes of sizes {sizes} (seed 000's disaster set, 400..40 videos, "
        f"scaled by {cfg['scale']}). Features: InceptionV3 ({weights}) at "
        f"{cfg['input_size']} px on {cfg['sequence_length']} frames per video. "
        f"Stratified {cfg['folds']}-fold cross-validation; mean ± std over folds.",
        "",
        format_table(shown, fmt="markdown"),
        "",
        "## Recall per class (pooled out-of-fold predictions)",
        "",
        "Classes are listed largest first in the data; the last ones are the minority.",
        "",
        format_table(recall_rows, fmt="markdown"),
        "",
        "## For reference: seed 000, Table I (real disaster videos)",
        "",
        format_table(paper, fmt="markdown"),
        "",
        "The synthetic data is not the disaster set: compare the *ordering* of the methods, "
        "not the numbers.",
        "",
        "## Per-model reports",
        "",
    ]
    for name, report, history in results:
        slug = _slug(name)
        folder = os.path.join(out, slug)
        saved = report.save(folder, training_history=history)
        paths.extend(saved.values())
        md.append(f"- [{name}]({slug}/report.md): out-of-fold macro F1 "
                  f"{report.f1_macro:.3f}, mAP {report.mean_average_precision:.3f}; "
                  f"[confusion matrix]({slug}/confusion_matrix_normalized.png)")
    md += ["", f"Total time: {total:.0f} s.", ""]

    fig, ax = _new_figure((8, 0.5 * len(table) + 1.5))
    names = [row["model"] for row in table]
    ypos = np.arange(len(names))
    for j, (metric, label) in enumerate((("accuracy", "Acc"), ("f1_macro", "F1 (macro)"),
                                         ("f1_weighted", "weighted F1"))):
        means = [np.mean(row["_raw"][metric]) for row in table]
        stds = [np.std(row["_raw"][metric]) for row in table]
        ax.barh(ypos + (j - 1) * 0.27, means, height=0.27, xerr=stds, label=label)
    ax.set_yticks(ypos, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (mean ± std over folds)")
    ax.legend(loc="lower right", fontsize="small")
    target = os.path.join(out, "comparison.png")
    _save_figure(fig, target)
    paths.append(target)
    md.insert(8, "![comparison](comparison.png)\n")
    target = os.path.join(out, "README.md")
    atomic_write_text(target, "\n".join(md))
    paths.append(target)
    return paths


# ----------------------------------------------------------------------------- parser
def _add_model_options(p, *, classifier=True):
    g = p.add_argument_group("features")
    g.add_argument("--features", choices=FEATURES, default="inception",
                   help="frame featurizer (default: %(default)s)")
    g.add_argument("--weights", default="auto",
                   help="InceptionV3 weights: auto, imagenet, tf2015, a state-dict path, or "
                        "none (random, tests only) (default: %(default)s)")
    g.add_argument("--input-size", type=int, default=299, metavar="PX",
                   help="frames are resized to PX x PX, >= 75; smaller is faster "
                        "(default: %(default)s)")
    g.add_argument("--sequence-length", type=int, default=16, metavar="T",
                   help="frames per video (seed 000 uses 40) (default: %(default)s)")
    g.add_argument("--batch-size-frames", type=int, default=32, metavar="N",
                   help="frames per forward pass of the featurizer (default: %(default)s)")
    g.add_argument("--cache", metavar="DIR", default=None,
                   help="frame-feature cache folder, reused across runs (default: none)")
    g.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                   help="where networks run (default: %(default)s)")
    if classifier:
        g = p.add_argument_group("model")
        g.add_argument("--sampler", choices=SAMPLERS, default="oversample",
                       help="imbalance handling applied while fitting: the spatio-temporal "
                            "oversampler of seed 000, or none (default: %(default)s)")
        g.add_argument("--classifier", choices=CLASSIFIERS, default="resbilstm",
                       help="classifier on the feature sequences; chi2svc pools them over "
                            "time first (default: %(default)s)")
        g.add_argument("--class-weight", choices=("balanced", "none"), default="balanced",
                       help="class weighting of the loss (default: %(default)s)")
        g.add_argument("--epochs", type=int, default=30, help="training epochs "
                                                              "(default: %(default)s)")
        g.add_argument("--hidden-size", type=int, default=64,
                       help="recurrent / FC width of the neural classifiers "
                            "(default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")


def _add_split_options(p):
    p.add_argument("--split-dir", metavar="DIR", default=None,
                   help="folder with UCF101 split files (classInd.txt, trainlist0N.txt, "
                        "testlist0N.txt); without it every video under DATA_DIR is used")
    p.add_argument("--split", type=int, choices=(1, 2, 3), default=1,
                   help="which official split (default: %(default)s)")


def _positive(value):
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return n


EPILOG = """exit codes: 0 success, 1 unexpected failure (use --debug), 2 bad command line,
3 bad input data, 4 bad or incompatible model file, 5 no InceptionV3 weights, 130 interrupted.
Model files are pickles: load only those from a source you trust."""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skvideo-clf",
        description="Video classification on imbalanced data, scikit-learn style.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"skvideo-clf {skvideo_clf.__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # --debug also after the subcommand; SUPPRESS keeps a top-level --debug from being reset.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show full tracebacks on errors")

    p = sub.add_parser(
        "demo", help="compare imbalance methods on synthetic videos (seed 000's Table I)",
        description="Synthetic imbalanced videos (7 classes, 40..400 spread scaled down), "
                    "cross-validated comparison of CNN-LSTM with and without class "
                    "weighting and oversampling, ResBiLSTM with both, and kernel / fusion "
                    "baselines; prints the table and writes a report folder.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    p.add_argument("--out", default="skvideo_clf_report", metavar="DIR",
                   help="report folder (default: %(default)s)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true",
                      help="paper-sized configuration (input 299, 40 frames, paper widths, "
                           "full class sizes, 5 folds): meant for a GPU, hours on a CPU")
    size.add_argument("--quick", action="store_true",
                      help="the smallest configuration (a smoke test, about 30 s)")
    p.add_argument("--scale", type=float, default=None,
                   help="class sizes relative to the disaster set's 400..40 (default 0.1; "
                        "1.0 with --full)")
    p.add_argument("--folds", type=_positive, default=None, help="cross-validation folds")
    p.add_argument("--models", default=None, metavar="I,J,...",
                   help="run only these rows of the comparison (1-based, e.g. 1,4)")
    p.add_argument("--input-size", type=int, default=None, metavar="PX")
    p.add_argument("--sequence-length", type=int, default=None, metavar="T")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--weights", default="auto",
                   help="InceptionV3 weights (auto, imagenet, tf2015, path) "
                        "(default: %(default)s)")
    p.add_argument("--cache", metavar="DIR", default=None,
                   help="keep the frame-feature cache here (reruns are then fast); "
                        "default: a temporary folder")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress display")

    p = sub.add_parser(
        "fit", help="fit a pipeline on a class-folder dataset and save it",
        description="Fit featurizer -> [oversampler] -> classifier on DATA_DIR/<class>/<video> "
                    "and save the fitted pipeline (with the library version) to --output.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    p.add_argument("data_dir", metavar="DATA_DIR", help="folder of class folders of videos")
    p.add_argument("-o", "--output", default="model.skvc", metavar="MODEL",
                   help="where to save the fitted pipeline (default: %(default)s)")
    _add_split_options(p)
    _add_model_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress display")

    p = sub.add_parser(
        "predict", help="print the predicted label and its probability per video",
        description="Predict videos with a model saved by `skvideo-clf fit`.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    p.add_argument("model", metavar="MODEL", help="model file written by `skvideo-clf fit`")
    p.add_argument("videos", metavar="VIDEO", nargs="+", help="video files")
    p.add_argument("-o", "--output", metavar="CSV", default=None,
                   help="also write video,label,probability,p_<class>... as CSV")
    p.add_argument("--quiet", action="store_true", help="no progress display")

    p = sub.add_parser(
        "evaluate", help="score a saved model on a class-folder dataset",
        description="Predict every video under DATA_DIR (the test list with --split-dir) and "
                    "print accuracy, macro / weighted F1, balanced accuracy, hit@k, mAP and "
                    "per-class scores.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data_dir", metavar="DATA_DIR")
    _add_split_options(p)
    p.add_argument("-k", type=_positive, nargs="+", default=[1, 3],
                   help="the k of hit@k (default: 1 3)")
    p.add_argument("--report-dir", metavar="DIR", default=None,
                   help="also write Markdown, CSV, JSON and PNG plots here")
    p.add_argument("--quiet", action="store_true", help="no progress display")

    p = sub.add_parser(
        "extract", help="save frame features of a dataset (resumable)",
        description="Compute InceptionV3 frame features of every video under DATA_DIR and "
                    "save one OUT/<class>/<video>.npz per video plus OUT/index.csv. Videos "
                    "already extracted (same file size and time) are skipped, so an "
                    "interrupted run resumes; every file is written atomically.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    p.add_argument("data_dir", metavar="DATA_DIR")
    p.add_argument("out", metavar="OUT")
    _add_split_options(p)
    p.add_argument("--subset", choices=("train", "test"), default="train",
                   help="side of the split with --split-dir (default: %(default)s)")
    _add_model_options(p, classifier=False)
    p.add_argument("--chunk", type=_positive, default=16,
                   help="videos per batch written together (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true",
                   help="recompute every video, even those already extracted")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    return parser


def _check_args(args):
    for name in ("input_size", "sequence_length", "epochs", "hidden_size",
                 "batch_size_frames"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise CLIError(f"--{name.replace('_', '-')} must be positive, got {value}.",
                           EXIT_USAGE)
    size = getattr(args, "input_size", None)
    if size is not None and size < 75:
        raise CLIError(f"--input-size must be at least 75 (InceptionV3's smallest input), "
                       f"got {size}.", EXIT_USAGE)


def main(argv=None):
    """Run the ``skvideo-clf`` command; returns the exit code (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")  # reports are written to files; never open a window
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    handler = {"demo": cmd_demo, "fit": cmd_fit, "predict": cmd_predict,
               "evaluate": cmd_evaluate, "extract": cmd_extract}[args.command]
    try:
        _check_args(args)
        return handler(args)
    except CLIError as exc:
        print(f"skvideo-clf {args.command}: error: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return exc.code
    except KeyboardInterrupt:
        print("skvideo-clf: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a video that fails mid-run, or a bug
        from .video import VideoReadError

        if args.debug:
            raise
        if isinstance(exc, (VideoReadError, FileNotFoundError)):
            print(f"skvideo-clf {args.command}: error: {exc}", file=sys.stderr)
            return EXIT_DATA
        print(f"skvideo-clf {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
              "Run again with --debug for the traceback, and report it if it looks like a "
              "bug.", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
