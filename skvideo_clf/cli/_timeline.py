"""``predict --window``: a timeline of predictions per video (rows, segments, a plot)."""

from __future__ import annotations

import os
import sys

from ..inference import frames_per_clip, plot_timeline, predict_timeline
from ..metrics import new_figure, save_figure
from ..video import VideoReadError, sliding_windows
from ._common import (
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    check_output_path,
    log,
    write_error,
    write_rows,
)

#: The options that only mean something with --window.
_TIMELINE_ONLY = ("stride", "smooth", "segments", "plot")


def check_timeline_options(args):
    """Refuse timeline options without --window, and bad values (exit 2, no work done)."""
    if args.window is None:
        given = [f"--{k}" for k in _TIMELINE_ONLY if getattr(args, k) not in (None, False)]
        if given:
            raise CLIError(f"{', '.join(given)} need(s) --window SECONDS: the length of the "
                           "windows of the timeline.", EXIT_USAGE)
        return
    if not args.window > 0:
        raise CLIError(f"--window must be a positive number of seconds, got {args.window:g}.",
                       EXIT_USAGE)
    if args.stride is not None and not args.stride > 0:
        raise CLIError(f"--stride must be a positive number of seconds (at most --window "
                       f"for windows that cover the video), got {args.stride:g}.", EXIT_USAGE)
    if args.smooth is not None and args.smooth < 1:
        raise CLIError(f"--smooth must be a positive number of windows, got {args.smooth}.",
                       EXIT_USAGE)
    if args.plot is not None:
        check_output_path(args.plot, "--plot")
        formats = new_figure((1, 1))[0].canvas.get_supported_filetypes()
        ext = os.path.splitext(args.plot)[1].lstrip(".").lower()
        if ext not in formats:
            raise CLIError(f"--plot {args.plot!r}: give a file name ending in one of "
                           f"{', '.join('.' + f for f in sorted(formats))} (the image "
                           "format).", EXIT_USAGE)


def cmd_predict_timeline(args, model, featurizing):
    """One row per window (or per segment) of each video; exit 2 before any decoding when
    a window does not fit a video. ``featurizing()``: the context that predictions run in
    (progress display, featurizer notes on stderr)."""
    n_read = frames_per_clip(model)
    failed = {}
    for video in args.videos:  # every window checked before anything is decoded
        try:
            sliding_windows(video, args.window, args.stride, frames_per_window=n_read)
        except VideoReadError as exc:
            failed[video] = str(exc)
        except ValueError as exc:
            reads = (f"the model reads {n_read} frames per window; "
                     if n_read and "frames per window" in str(exc) else "")
            raise CLIError(f"--window {args.window:g} --stride "
                           f"{args.window / 2 if args.stride is None else args.stride:g}: "
                           f"{reads}{exc}", EXIT_USAGE) from None
    timelines = []
    with featurizing():
        for video in args.videos:
            if video in failed:
                continue
            try:
                tl = predict_timeline(model, video, args.window, args.stride,
                                      frames_per_window=n_read)
            except VideoReadError as exc:
                failed[video] = str(exc).splitlines()[-1].strip(" -")
                continue
            timelines.append(tl.smooth(args.smooth) if args.smooth else tl)
    rows = []
    for tl in timelines:
        items = tl.segments() if args.segments else tl.rows()
        rows += [{"video": tl.video, **row} for row in items]
    width = max(len(v) for v in args.videos)
    for row in rows:
        span = f"{row['start']:8.2f} {row['end']:8.2f}"
        print(f"{row['video']:<{width}}  {span}  {row['label']}  {row['probability']:.3f}")
    sys.stdout.flush()
    if args.output and rows:
        write_rows(args.output, rows)
        log(args, f"Wrote {args.output}")
    if args.plot and timelines:
        _plot(args.plot, timelines)
        log(args, f"Wrote {args.plot}")
    if failed:
        lines = "\n".join(f"  - {v}: {msg}" for v, msg in failed.items())
        raise CLIError(f"{len(failed)} of {len(args.videos)} videos could not be read; the "
                       f"others are predicted above. Fix or remove these:\n{lines}")
    return EXIT_OK


def _plot(path, timelines):
    fig, ax = new_figure((9, 2.6 * len(timelines)))
    ax.remove()
    axes = fig.subplots(len(timelines), 1, squeeze=False)[:, 0]
    for tl, ax in zip(timelines, axes, strict=True):
        plot_timeline(tl, ax)
    try:
        save_figure(fig, path)
    except OSError as exc:
        raise write_error(exc, path) from exc
