"""The ``skvideo-clf`` command: demo, fit, predict, evaluate, extract.

Parsing and printing only: every command calls public library functions
(:mod:`skvideo_clf.persistence`, :mod:`skvideo_clf.metrics`, :mod:`skvideo_clf.protocols`,
:func:`skvideo_clf.datasets.load_extracted`). The model-file functions stay importable from
here for older code.

Exit codes (scripts can rely on them):

=====  ==============================================================================
0      success
1      an unexpected failure (a bug: please report it with the ``--debug`` traceback)
2      bad command line (argparse)
3      bad input data: missing folder or file, no videos, unreadable video, unknown class;
       or an output that cannot be written (full or read-only disk), naming the path
4      bad model file: not a skvideo-clf model, damaged (payload digest mismatch), not a
       fitted pipeline, or written by another skvideo-clf version
5      no InceptionV3 weights available (the message says exactly how to get them)
130    interrupted (Ctrl-C): training is aborted and no model file is written; cache and
       ``extract`` entries finished before the interrupt are kept, so a rerun resumes
=====  ==============================================================================
"""

from __future__ import annotations

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
            # a write the command did not anticipate (a report, a figure): name the file
            where = f" {exc.filename!r}" if exc.filename else ""
            print(f"skvideo-clf {args.command}: error: could not write{where}: "
                  f"{exc.strerror or exc}. Free space or choose another place.",
                  file=sys.stderr)
            return EXIT_DATA
        print(f"skvideo-clf {args.command}: unexpected error: {type(exc).__name__}: {exc}\n"
              "Run again with --debug for the traceback, and report it if it looks like a "
              "bug.", file=sys.stderr)
        return EXIT_FAILURE
