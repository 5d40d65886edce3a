"""``extract``: frame features of a dataset, one atomic ``.npz`` per video, resumable.

:func:`skvideo_clf.datasets.load_extracted` reads the folder back.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np

import skvideo_clf

from ..utils import atomic_open, atomic_write_text
from ..video import VideoReadError, source_fingerprint
from ._common import (
    EXIT_OK,
    CLIError,
    _resolve_weights,
    check_output_folder,
    input_files,
    load_folder,
    log,
    progress,
    writing,
)
from ._pipeline import check_featurizer_options, featurizer_params, make_featurizer


def _extract_settings(args, weights):
    return {"features": args.backbone, "weights": str(weights),
            "input_size": args.input_size, "sequence_length": args.sequence_length,
            "skvideo_clf_version": skvideo_clf.__version__}


def cmd_extract(args):
    check_featurizer_options(backbone=args.backbone, **featurizer_params(args))
    videos, y, groups = load_folder(args.data_dir, args, args.subset)
    check_output_folder(args.out, "OUT", files=input_files(args, videos),
                        folders=[("the dataset folder", args.data_dir)])
    weights = _resolve_weights(args.weights, args.backbone)
    out = Path(args.out)
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
    settings = _extract_settings(args, weights)
    settings_path = out / "extract.json"
    if settings_path.exists():
        old = json.loads(settings_path.read_text())
        if old != settings and not args.overwrite:
            raise CLIError(
                f"{str(out)!r} holds features made with other settings ({old}); use another "
                "OUT folder, or --overwrite to recompute them all.")
    with writing(settings_path):
        atomic_write_text(settings_path, json.dumps(settings, indent=2, sort_keys=True))

    root = Path(args.data_dir)
    targets = []
    for video in videos:
        rel = Path(os.path.relpath(video, root)).with_suffix(".npz")
        targets.append(out / rel)
    mode = args.fingerprint  # --fingerprint: how a replaced video is recognised
    todo = []
    for i, (video, target) in enumerate(zip(videos, targets, strict=True)):
        if target.exists() and not args.overwrite:
            try:
                with np.load(target) as z:
                    if str(z["fingerprint"]) == source_fingerprint(video, mode):
                        continue
            except (OSError, KeyError, ValueError):
                pass  # unreadable entry: recompute it
        todo.append(i)
    log(args, f"{len(videos) - len(todo)} of {len(videos)} videos already extracted; "
               f"computing {len(todo)}.")
    if todo:
        featurizer = make_featurizer(args, weights=weights, verbose=0)
        featurizer.fit(videos[:1])
        bar = progress(total=len(todo), enabled=not args.quiet, unit="video",
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
                with writing(targets[i]):
                    targets[i].parent.mkdir(parents=True, exist_ok=True)
                    _atomic_save_npz(targets[i], features=np.asarray(f, dtype=np.float32),
                                     label=np.asarray(str(y[i])),
                                     source=np.asarray(os.path.abspath(videos[i])),
                                     fingerprint=np.asarray(source_fingerprint(videos[i],
                                                                               mode)))
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
    with writing(out / "index.csv"):
        atomic_write_text(out / "index.csv", buf.getvalue())
    print(f"Features of {len(videos)} videos in {out}/ (index.csv lists them; "
          f"{len(todo)} computed now).")
    return EXIT_OK


def _atomic_save_npz(path, **arrays):
    # a killed run never leaves a half file that a resumed run would trust
    with atomic_open(path, "wb") as f:
        np.savez(f, **arrays)
