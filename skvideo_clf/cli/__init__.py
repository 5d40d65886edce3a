"""The ``skvideo-clf`` command: demo, fit, predict, evaluate, extract.

Parsing and printing only: every command calls public library functions
(:mod:`skvideo_clf.persistence`, :mod:`skvideo_clf.metrics`, :mod:`skvideo_clf.protocols`,
:func:`skvideo_clf.datasets.load_extracted`). The model-file functions stay importable from
here for older code.

Exit codes (scripts can rely on them):

=====  ==============================================================================
0      success
1      an unexpected failure (a bug: rerun with ``--debug`` for the traceback, and
       report it)
2      bad command line: a bad option value, an unknown ``--backbone`` (the message
       lists the known ones), or an output (``-o``, ``OUT``, ``--report-dir``) that is
       a folder, is not writable, or would replace an input (a video, the model) or lie
       inside ``DATA_DIR`` (named by its resolved path); all checked before any work
3      bad input data: missing folder or file, no videos, one class where ``fit`` needs
       two, one video reached by two paths (a linked class folder), an unreadable video,
       an unknown class; or an output that cannot be written (full or read-only disk),
       naming the path
4      bad model file: not a skvideo-clf model, written by a newer skvideo-clf (upgrade)
       or another version, a damaged header (not a JSON object, no payload digest) or
       payload (digest mismatch), not a fitted pipeline that reads videos
5      what the backbone needs is missing on this machine: no weights available, or its
       optional package (``torchvision``, ``timm``, ``open_clip``) is not installed; the
       message says exactly how to get them (the ``pip install`` command)
130    interrupted (Ctrl-C): training is aborted and no model file is written; cache and
       ``extract`` entries finished before the interrupt are kept, so a rerun resumes
=====  ==============================================================================
"""

from __future__ import annotations

import os
import sys

# Old import paths (``from skvideo_clf.cli import save_model``) of what moved into the library.
from ..datasets import load_extracted
from ..persistence import MODEL_MAGIC, ModelFileError, load_model, read_model_header, save_model
from ..protocols import PAPER_TABLE_I
from ._common import (  # noqa: F401  (exit codes: importable for scripts and tests)
    DISK_ERRNOS,
    EXIT_DATA,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_MODEL,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WEIGHTS,
    CLIError,
    output_of,
)
from ._compare import cmd_compare
from ._demo import cmd_demo
from ._extract import cmd_extract
from ._model_commands import cmd_evaluate, cmd_fit, cmd_predict
from ._parser import build_parser, check_args
from ._pipeline import build_pipeline, fit_row, make_featurizer  # noqa: F401

__all__ = [
    "MODEL_MAGIC",
    "PAPER_TABLE_I",
    "ModelFileError",
    "load_extracted",
    "load_model",
    "main",
    "read_model_header",
    "save_model",
]

def _where(exc, args):
    """The path a failed write names: its own file, else the command's output."""
    name = exc.filename if isinstance(exc.filename, str) else None
    if name and not os.path.basename(name).startswith(".tmp-"):
        return f" {name!r}"
    output = output_of(args)
    return f" under {output!r}" if output is not None else ""


_COMMANDS = {"compare": cmd_compare, "demo": cmd_demo, "fit": cmd_fit, "predict": cmd_predict,
             "evaluate": cmd_evaluate, "extract": cmd_extract}


def main(argv=None):
    """Run the ``skvideo-clf`` command; returns the exit code (see the module docstring).

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    code : int
        0 on success, else one of the exit codes above. ``--help``, ``--version`` and
        malformed command lines raise :class:`SystemExit` (argparse).

    Examples
    --------
    >>> from skvideo_clf.cli import main
    >>> main(["fit", "somewhere", "--epochs", "0"])  # doctest: +SKIP
    2
    """
    import matplotlib

    matplotlib.use("Agg")  # reports are written to files; never open a window
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        check_args(args)
        return _COMMANDS[args.command](args)
    except CLIError as exc:
        print(f"skvideo-clf {args.command}: error: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return exc.code
    except KeyboardInterrupt:
        print("skvideo-clf: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a video that fails mid-run, or a bug
        from ..video import VideoReadError

        if args.debug:
            raise
        if isinstance(exc, (VideoReadError, FileNotFoundError)):
            print(f"skvideo-clf {args.command}: error: {exc}", file=sys.stderr)
            return EXIT_DATA
        if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
            # a write the command did not anticipate (a report, a figure): name the file,
            # else (a failed write() names none) the output the command was writing
            print(f"skvideo-clf {args.command}: error: could not write"
                  f"{_where(exc, args)}: {exc.strerror or exc}. Free space or choose "
                  "another place.", file=sys.stderr)
            return EXIT_DATA
        print(f"skvideo-clf {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
              "Run again with --debug for the traceback, and report it if it looks like a "
              "bug.", file=sys.stderr)
        return EXIT_FAILURE
