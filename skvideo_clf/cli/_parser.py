"""The command line: one parser, one sub-parser per command, shared options declared once."""

from __future__ import annotations

import argparse

import skvideo_clf

from ..protocols import PROTOCOLS, SAMPLERS
from ._common import EXIT_USAGE, CLIError, check_backbone
from ._pipeline import CLASSIFIERS, FEATURES, FIT_DEFAULTS

EPILOG = """exit codes: 0 success, 1 unexpected failure (use --debug), 2 bad command line
(also an unknown --backbone, or an output that would replace an input), 3 bad input data
or a full / read-only disk, 4 bad, damaged or incompatible model file, 5 the backbone's
weights or optional package missing (the message says how to get them), 130 interrupted
(Ctrl-C: nothing is saved; finished cache and extract entries are kept, so the same command
resumes).
Model files are pickles: load only those from a source you trust."""


def _positive(value):
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return n


def _common_options():
    """--debug and --quiet, accepted after every command."""
    p = argparse.ArgumentParser(add_help=False)
    # SUPPRESS keeps a top-level --debug from being reset by the sub-parser's default.
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show full tracebacks on errors")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    return p


def _model_options():
    """--weights, --device, --cache and --seed: every command that builds networks."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("networks")
    g.add_argument("--weights", default="auto",
                   help="the backbone's weights: auto (its pretrained weights; InceptionV3 "
                        "also imagenet or tf2015), a state-dict path, or none (random, tests "
                        "only) (default: %(default)s)")
    g.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto",
                   help="where networks run (default: %(default)s)")
    g.add_argument("--cache", metavar="DIR", default=None,
                   help="frame-feature cache folder, reused across runs, so that reruns are "
                        "fast (default: none; demo and compare: REPORT_DIR/frame_cache)")
    g.add_argument("--fingerprint", choices=("stat", "sample", "full"), default="stat",
                   help="how the cache and extract recognise a video file: stat (path, size, "
                        "mtime: free, but misses a same-size file whose mtime was restored, "
                        "as cp -p, rsync -t and tar do), sample (+ a digest of the first and "
                        "last MiB), full (a digest of every byte) (default: %(default)s)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    return p


def _add_featurizer_options(p, *, classifier=True):
    g = p.add_argument_group("features")
    g.add_argument("--backbone", default="inception_v3", metavar="NAME",
                   help="frame network: inception_v3, efficientnet_lite0 (about 15x fewer "
                        "FLOPs), or a model already in a local cache: torchvision:NAME, "
                        "timm:NAME, open_clip:NAME/TAG (default: %(default)s)")
    g.add_argument("--features", choices=FEATURES, default="inception",
                   help=argparse.SUPPRESS)  # kept for old scripts; --backbone replaces it
    g.add_argument("--input-size", type=int, default=None, metavar="PX",
                   help="frames are resized to PX x PX (InceptionV3: >= 75); smaller is "
                        "faster (default: the backbone's own, 299 for InceptionV3, 224 for "
                        "EfficientNet-Lite0)")
    # fit: None, so that an option left unset gives way to a --row's configuration
    g.add_argument("--sequence-length", type=int, default=None if classifier else 16,
                   metavar="T", help="frames per video (the CNN-ResBiLSTM paper uses 40) "
                                     "(default: 16; "
                                     "with --row: the row's configuration)")
    g.add_argument("--batch-size-frames", type=int, default=32, metavar="N",
                   help="frames per forward pass of the featurizer (default: %(default)s)")
    if classifier:
        g = p.add_argument_group("model")
        d = FIT_DEFAULTS
        g.add_argument("--sampler", choices=SAMPLERS, default=None,
                       help="imbalance handling applied while fitting: oversample (the "
                            "CNN-ResBiLSTM paper's spatio-temporal oversampler), bootstrap "
                            "(the bootstrapping CNN paper's balanced batches, redrawn every "
                            "epoch for a network, one balanced sample for chi2svc) or none "
                            f"(default: {d['sampler']})")
        g.add_argument("--classifier", choices=CLASSIFIERS, default=None,
                       help="classifier on the feature sequences; chi2svc pools them over "
                            f"time first (default: {d['classifier']})")
        g.add_argument("--class-weight", choices=("balanced", "none"), default=None,
                       help=f"class weighting of the loss (default: {d['class_weight']})")
        g.add_argument("--epochs", type=int, default=None,
                       help=f"training epochs (default: {d['epochs']}; with --row: the "
                            "row's configuration)")
        g.add_argument("--hidden-size", type=int, default=None,
                       help="recurrent / FC width of the neural classifiers "
                            f"(default: {d['hidden_size']})")
        _add_row_options(p)


def _protocol_help(protocols):
    """``id (paper, table)`` of every built-in protocol, for --help."""
    def source(proto):
        if proto.paper_title is None:
            return proto.title
        return f"{proto.paper_title}, {proto.table}"

    return "; ".join(f"{name} ({source(proto)})" for name, proto in protocols.items())


def _add_row_options(p):
    """fit --protocol NAME --row ROW / --config FILE --row ROW: any row of a comparison."""

    g = p.add_argument_group(
        "a row of a comparison", "fit exactly the pipeline a compare row builds (any "
        "featurizer, both streams, fusion, frame voting, either sampler); the row defines "
        "the sampler, featurizer and classifier, so --sampler, --classifier, --class-weight "
        "and --hidden-size do not apply; --backbone, --input-size, --sequence-length and "
        "--epochs override the configuration as in compare")
    what = g.add_mutually_exclusive_group()
    what.add_argument("--protocol", choices=sorted(PROTOCOLS), metavar="NAME", default=None,
                      help="a paper's comparison: " + _protocol_help(PROTOCOLS))
    what.add_argument("--config", metavar="FILE.toml", default=None,
                      help="a comparison config file (see compare --config)")
    g.add_argument("--row", metavar="NAME", default=None,
                   help="the row to fit, by name (e.g. \"Regularized fusion network\") or "
                        "1-based number")
    size = g.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true",
                      help="the row's paper-sized configuration (meant for a GPU)")
    size.add_argument("--quick", action="store_true",
                      help="the row's smallest configuration (a smoke test)")


def _add_timeline_options(p):
    """predict --window: a row per time window of each video instead of one per video."""
    g = p.add_argument_group(
        "timeline", "predict each time window of long videos: one row per window (start "
        "and end in seconds added), each window read as the model reads a video (its "
        "sequence length of frames, on one frame grid shared by overlapping windows)")
    g.add_argument("--window", type=float, default=None, metavar="SECONDS",
                   help="window length; a window that ends within one grid step of the "
                        "end of the video is added to cover its tail")
    g.add_argument("--stride", type=float, default=None, metavar="SECONDS",
                   help="distance between window starts (default: half the window)")
    g.add_argument("--smooth", type=int, default=None, metavar="K",
                   help="the mean of the probabilities over K windows centred on each "
                        "(fewer at the ends); labels are the top class of the mean")
    g.add_argument("--segments", action="store_true",
                   help="merge consecutive windows of one label into start,end,label rows "
                        "(segments meet halfway between windows' centres)")
    g.add_argument("--plot", metavar="FILE.png", default=None,
                   help="draw each video's timeline: class probabilities over time, the "
                        "top label as a colour band")


def _add_split_options(p):
    p.add_argument("--split-dir", metavar="DIR", default=None,
                   help="folder with UCF101 split files (classInd.txt, trainlist0N.txt, "
                        "testlist0N.txt); without it every video under DATA_DIR is used")
    p.add_argument("--split", type=int, choices=(1, 2, 3), default=1,
                   help="which official split (default: %(default)s)")


def _add_run_options(p, *, full_help, rows_flags=("--rows",)):
    """The options ``demo`` and ``compare`` share: the run's size and its rows."""
    size = p.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help=full_help)
    size.add_argument("--quick", action="store_true",
                      help="the smallest configuration (a smoke test)")
    p.add_argument("--folds", type=_positive, default=None,
                   help="cross-validation folds without split files")
    p.add_argument("--repeats", type=_positive, default=1, metavar="N",
                   help="repeat the cross-validation N times, each a different partition "
                        "of the groups (a group always stays on one side), so the "
                        "corrected t-test compares rows over folds x N fits "
                        "(default: %(default)s)")
    p.add_argument(*rows_flags, dest="rows", default=None, metavar="I,J,...",
                   help="run only these rows (1-based, e.g. 1,4); the baseline row always "
                        "runs")
    p.add_argument("--backbone", default="inception_v3", metavar="NAME",
                   help="frame network of the spatial stream (see fit --backbone) "
                        "(default: %(default)s)")
    p.add_argument("--input-size", type=int, default=None, metavar="PX")
    p.add_argument("--sequence-length", type=int, default=None, metavar="T")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--n-bootstrap", type=_positive, default=2000, metavar="B",
                   help="resamples of the paired bootstrap of the test videos (test-set "
                        "sampling only, models fixed; in comparison.csv) "
                        "(default: %(default)s)")


def _add_demo_options(p):
    p.add_argument("-o", "--out", default="skvideo_clf_report", metavar="DIR",
                   help="report folder; finished rows are kept there, so rerunning the "
                        "same command resumes (default: %(default)s)")
    _add_run_options(p, full_help="paper-sized configuration (input 299, 40 frames, paper "
                                  "widths, full class sizes, 5 folds): meant for a GPU, "
                                  "hours on a CPU", rows_flags=("--models", "--rows"))
    p.add_argument("--scale", type=float, default=None,
                   help="class sizes relative to the disaster set's 400..40 (default 0.1; "
                        "1.0 with --full)")


def _add_compare_options(p):

    p.add_argument("data_dir", metavar="DATA_DIR", nargs="?", default=None,
                   help="folder of class folders of videos (UCF101 / HMDB51 layout); "
                        "without it, --protocol demo runs on the embedded synthetic set")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--protocol", choices=sorted(PROTOCOLS), metavar="NAME",
                      help="a paper's comparison: " + _protocol_help(PROTOCOLS))
    what.add_argument("--config", metavar="FILE.toml", default=None,
                      help="your own rows (featurizer / sampler / classifier and their "
                           "parameters, or a grid search) from a TOML file, in the format "
                           "of the built-in protocols (see --show)")
    what.add_argument("--list", action="store_true",
                      help="list the built-in protocols (paper, table, rows) and exit")
    p.add_argument("--show", action="store_true",
                   help="print the protocol at the chosen size as a TOML file, every preset "
                        "resolved (exactly what would run), and exit; edit it and run it "
                        "with --config")
    p.add_argument("-o", "--out", default="skvideo_clf_compare", metavar="REPORT_DIR",
                   help="report folder; finished rows are kept there, so rerunning the "
                        "same command resumes (default: %(default)s)")
    p.add_argument("--split-dir", metavar="DIR", default=None,
                   help="folder with UCF101 split files (classInd.txt, trainlist0N.txt, "
                        "testlist0N.txt); without it, group-aware stratified "
                        "cross-validation on the gY groups of v_X_gY_cZ names (one group "
                        "across classes, as in UCF101's official splits)")
    p.add_argument("--split", type=int, choices=(1, 2, 3), nargs="+", default=[1],
                   metavar="K", help="official split(s), e.g. --split 1 2 3 for the mean of "
                                     "the three (default: 1)")
    _add_run_options(p, full_help="the papers' configuration (299 px, 40 frames, paper "
                                  "widths, 5 folds): meant for a GPU")


def build_parser():
    """The ``skvideo-clf`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="skvideo-clf",
        description="Video classification on imbalanced data, scikit-learn style.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version",
                        version=f"skvideo-clf {skvideo_clf.__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common, model = _common_options(), _model_options()

    def command(name, help, description, *, networks):
        return sub.add_parser(name, help=help, description=description, epilog=EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              parents=[common, model] if networks else [common])

    p = command(
        "demo", "compare imbalance methods on synthetic videos (the CNN-ResBiLSTM paper's "
        "Table I)",
        "`compare --protocol demo` on the embedded synthetic set: imbalanced videos (7 "
        "classes, 40..400 spread scaled down), cross-validated comparison of CNN-LSTM with "
        "and without class weighting and oversampling, ResBiLSTM with both, and kernel / "
        "fusion baselines; prints compare's table (the paper's numbers, paired comparisons "
        "with CNN-LSTM) and writes its report folder.", networks=True)
    _add_demo_options(p)

    p = command(
        "compare", "a paper's comparison (or your own grid) on your videos",
        "Run the rows of a paper's table (--protocol) or of your TOML file (--config) on "
        "DATA_DIR/<class>/<video> with the same splits for every row, resampling inside "
        "training folds only and one shared frame cache; print mean ± std per metric, the "
        "paper's numbers and a paired comparison of each row with the baseline, and write "
        "a report folder. Finished (row, fold) results are saved at once: rerunning a "
        "killed command resumes it.", networks=True)
    _add_compare_options(p)

    p = command(
        "fit", "fit a pipeline on a class-folder dataset and save it",
        "Fit featurizer -> [oversampler] -> classifier on DATA_DIR/<class>/<video> and save "
        "the fitted pipeline (with the library version) to --output; or, with --protocol "
        "NAME --row ROW (or --config FILE.toml --row ROW), the pipeline of one row of a "
        "comparison, built as compare builds it.", networks=True)
    p.add_argument("data_dir", metavar="DATA_DIR", help="folder of class folders of videos")
    p.add_argument("-o", "--output", default="model.skvc", metavar="MODEL",
                   help="where to save the fitted pipeline (default: %(default)s)")
    _add_split_options(p)
    _add_featurizer_options(p)

    p = command(
        "predict", "print the predicted label and its probability per video",
        "Predict videos with a model saved by `skvideo-clf fit`.", networks=False)
    p.add_argument("model", metavar="MODEL", help="model file written by `skvideo-clf fit`")
    p.add_argument("videos", metavar="VIDEO", nargs="+", help="video files")
    p.add_argument("-o", "--output", metavar="FILE", default=None,
                   help="also write video,label,probability,p_<class>... per video: CSV "
                        "for a .csv file, JSON for a .json file (with --window: per window, "
                        "start,end added)")
    _add_timeline_options(p)

    p = command(
        "evaluate", "score a saved model on a class-folder dataset",
        "Predict every video under DATA_DIR (the test list with --split-dir) and print "
        "accuracy, macro / weighted F1, balanced accuracy, hit@k, mAP and per-class scores.",
        networks=False)
    p.add_argument("model", metavar="MODEL")
    p.add_argument("data_dir", metavar="DATA_DIR")
    _add_split_options(p)
    p.add_argument("-k", type=_positive, nargs="+", default=[1, 3],
                   help="the k of hit@k (default: 1 3)")
    p.add_argument("--report-dir", metavar="DIR", default=None,
                   help="also write Markdown, CSV, JSON and PNG plots here")

    p = command(
        "extract", "save frame features of a dataset (resumable)",
        "Compute InceptionV3 frame features of every video under DATA_DIR and save one "
        "OUT/<class>/<video>.npz per video plus OUT/index.csv. Videos already extracted "
        "(same fingerprint: file size and time by default, see --fingerprint) are skipped, "
        "so an interrupted run resumes; every file is written atomically.", networks=True)
    p.add_argument("data_dir", metavar="DATA_DIR")
    p.add_argument("out", metavar="OUT")
    _add_split_options(p)
    p.add_argument("--subset", choices=("train", "test"), default="train",
                   help="side of the split with --split-dir (default: %(default)s)")
    _add_featurizer_options(p, classifier=False)
    p.add_argument("--chunk", type=_positive, default=16,
                   help="videos per batch written together (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true",
                   help="recompute every video, even those already extracted")
    return parser


def check_args(args):
    """Sizes and counts must be positive; the backbone must be one the command can build
    (:func:`~skvideo_clf.cli._common.check_backbone`); the featurizer judges the rest of
    its options."""
    backbone = getattr(args, "backbone", None)
    if backbone is not None and args.command != "fit":  # fit: once its --row is judged
        # the bootstrapping CNN paper's descriptors are a comparison row's featurizer
        # (compare, demo)
        check_backbone(backbone, lowlevel=args.command in ("compare", "demo"))
    for name in ("input_size", "sequence_length", "epochs", "hidden_size",
                 "batch_size_frames"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            raise CLIError(f"--{name.replace('_', '-')} must be positive, got {value}.",
                           EXIT_USAGE)
