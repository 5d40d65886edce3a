"""``fit``, ``predict`` and ``evaluate``: make a model file, then use it."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
import time

import numpy as np

from ..metrics import evaluate_estimator
from ..persistence import save_model
from ..protocols import fit_params, row_slug
from ..video import VideoReadError
from ._common import (
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    _resolve_weights,
    check_backbone,
    check_not_an_input,
    check_output_folder,
    check_output_path,
    check_rows_output,
    input_files,
    load_folder,
    log,
    open_model,
    write_error,
    write_rows,
)
from ._compare import comparison_setup, make_rows
from ._pipeline import (
    FIT_DEFAULTS,
    build_pipeline,
    cache_memory,
    check_featurizer_options,
    featurizer_params,
)
from ._timeline import check_timeline_options, cmd_predict_timeline


def _row_options(args):
    """Refuse a half-given row (exit 2); fill the classic defaults when there is none."""

    source = args.protocol is not None or args.config is not None
    if args.row is not None and not source:
        raise CLIError("--row needs --protocol NAME or --config FILE.toml: the comparison "
                       "the row belongs to.", EXIT_USAGE)
    if source and args.row is None:
        raise CLIError("--protocol / --config need --row NAME: the row to fit.", EXIT_USAGE)
    if args.row is None:
        if args.full or args.quick:
            raise CLIError("--full / --quick size a --row; without one, set --input-size, "
                           "--sequence-length and --epochs.", EXIT_USAGE)
        for key, value in FIT_DEFAULTS.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        return False
    given = [f"--{k.replace('_', '-')}" for k in ("sampler", "classifier", "class_weight",
                                                   "hidden_size") if getattr(args, k) is not None]
    if given:
        raise CLIError(f"{', '.join(given)}: the row defines its sampler and classifier; "
                       "drop the option(s), or fit without --row.", EXIT_USAGE)
    return True


def _pick_row(rows, wanted, source):
    """The ``(name, factory)`` named ``wanted`` (exact, any case, or 1-based number)."""

    names = [n for n, _ in rows]
    for match in (lambda n: n == wanted, lambda n: n.lower() == wanted.lower(),
                  lambda n: row_slug(n) == row_slug(wanted)):
        hits = [r for r in rows if match(r[0])]
        if len(hits) == 1:
            return hits[0]
    if wanted.isdigit() and 1 <= int(wanted) <= len(rows):
        return rows[int(wanted) - 1]
    listing = "\n".join(f"  {i}. {n}" for i, n in enumerate(names, 1))
    raise CLIError(f"--row {wanted!r} is not a row of {source}; its rows are:\n{listing}",
                   EXIT_USAGE)


def _row_pipeline(args):
    """``(pipeline, meta config, weights)`` of ``--protocol/--config`` ``--row``."""

    protocol, cfg, size, backbone = comparison_setup(args)
    rows, weights = make_rows(args, protocol, cfg, size, backbone, cache_memory(args))
    name, factory = _pick_row(rows, args.row, protocol.name)
    config = {"protocol": protocol.name, "row": name, "size": size, "backbone": backbone,
              "seed": args.seed, "config_digest": protocol.digest,
              **{k: v for k, v in cfg.items() if k != "size"}}
    return factory(), config, weights


def cmd_fit(args):
    if args.cache is not None:  # the model records it: a relative one would follow the cwd
        args.cache = os.path.abspath(args.cache)
    row = _row_options(args)
    check_backbone(args.backbone, lowlevel=row)  # descriptors: a comparison row's featurizer
    if not row:
        check_featurizer_options(backbone=args.backbone, **featurizer_params(args))
    check_output_path(args.output)
    videos, y, _ = load_folder(args.data_dir, args, "train", min_classes=2)
    check_not_an_input(args.output, files=input_files(args, videos))
    if row:
        pipe, config, weights = _row_pipeline(args)
    if not row:
        weights = _resolve_weights(args.weights, args.backbone)
        pipe = build_pipeline(args, weights=weights, verbose=0 if args.quiet else 1)
        config = {k: getattr(args, k) for k in ("features", "sampler", "classifier",
                                                "class_weight", "sequence_length",
                                                "input_size", "epochs", "seed")}
    classes, counts = np.unique(y, return_counts=True)
    what = f" the row {config['row']!r} of {config['protocol']}" if row else ""
    log(args, f"Fitting{what} on {len(videos)} videos of {len(classes)} classes "
              f"({', '.join(f'{c}: {n}' for c, n in zip(classes, counts, strict=True))}).")
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        # --class-weight balanced behind the oversampler counts the classes before it
        pipe.fit(videos, y, **fit_params(pipe, y))
    elapsed = time.perf_counter() - start
    if not row:  # the weights the featurizer actually loaded
        weights = getattr(pipe.named_steps["features"], "weights_", None)
    meta = {
        "command": "skvideo-clf " + " ".join(shlex.quote(a) for a in args.argv),
        "data_dir": os.path.abspath(args.data_dir),
        "n_videos": len(videos),
        "config": config,
        "weights": weights if weights is None or not row else str(weights),
    }
    try:
        save_model(args.output, pipe, meta)
    except OSError as exc:
        raise write_error(exc, args.output) from exc
    print(f"Saved the fitted pipeline to {args.output} ({elapsed:.1f} s).")
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


def _predict_each(model, videos):
    """``{position: probabilities}`` and ``{position: message}``: one bad video must not
    cost the good ones (the featurizer reports every bad video, so they are redone alone)."""
    try:
        proba = np.asarray(model.predict_proba(videos), dtype=float)
        return dict(enumerate(proba)), {}
    except VideoReadError:
        pass
    results, failed = {}, {}
    for i, video in enumerate(videos):
        try:
            results[i] = np.asarray(model.predict_proba([video]), dtype=float)[0]
        except VideoReadError as exc:
            failed[i] = str(exc).splitlines()[-1].strip(" -")
    return results, failed


def cmd_predict(args):
    missing = [v for v in args.videos if not os.path.isfile(v)]
    if missing:
        raise CLIError("Video file(s) not found: " + ", ".join(repr(m) for m in missing))
    if args.output:
        check_output_path(args.output)
    inputs = input_files(args, args.videos, model=args.model)
    check_not_an_input(args.output, files=inputs)
    if args.output:  # a place that may be written, then its format: before any video
        check_rows_output(args.output)
    check_not_an_input(getattr(args, "plot", None), files=inputs, option="--plot")
    check_timeline_options(args)
    model, _ = open_model(args.model)
    if args.window is not None:
        return cmd_predict_timeline(args, model, lambda: _quiet_featurizer(model, args.quiet))
    with _quiet_featurizer(model, args.quiet):
        results, failed = _predict_each(model, args.videos)
    classes = [str(c) for c in model.classes_]
    rows = []
    for i, video in enumerate(args.videos):
        if i not in results:
            continue
        p = results[i]
        j = int(p.argmax())
        rows.append({"video": video, "label": classes[j], "probability": float(p[j]),
                     **{f"p_{c}": float(pc) for c, pc in zip(classes, p, strict=True)}})
    width = max(len(v) for v in args.videos)
    for row in rows:
        print(f"{row['video']:<{width}}  {row['label']}  {row['probability']:.3f}")
    sys.stdout.flush()
    if args.output and rows:
        write_rows(args.output, rows)
        log(args, f"Wrote {args.output}")
    if failed:
        lines = "\n".join(f"  - {args.videos[i]}: {msg}" for i, msg in sorted(failed.items()))
        raise CLIError(f"{len(failed)} of {len(args.videos)} videos could not be read; the "
                       f"other {len(rows)} are predicted above. Fix or remove these:\n{lines}")
    return EXIT_OK


def cmd_evaluate(args):

    header = open_model(args.model, header_only=True)
    subset = "test" if args.split_dir else "train"
    videos, y, _ = load_folder(args.data_dir, args, subset)
    if args.report_dir:
        check_output_folder(args.report_dir, "--report-dir",
                            files=input_files(args, videos, model=args.model),
                            folders=[("the dataset folder", args.data_dir)])
    # Checked from the header, before the (slow) unpickling.
    known = set(header.get("classes") or [])
    unknown = sorted(set(y.tolist()) - known) if known else []
    if unknown:
        raise CLIError(f"Class folder(s) {unknown} under {args.data_dir!r} are not classes of "
                       f"the model (it knows {sorted(known)}).")
    model, _ = open_model(args.model)
    with _quiet_featurizer(model, args.quiet):
        report = evaluate_estimator(model, videos, y, k=tuple(args.k))
    print(report)
    if args.report_dir:
        clf = model.steps[-1][1] if hasattr(model, "steps") else model
        history = getattr(clf, "history_", None) or getattr(clf, "history", None)
        paths = report.save(args.report_dir, training_history=history or None)
        log(args, f"Wrote the report to {args.report_dir}/ ({len(paths)} files).")
    return EXIT_OK
