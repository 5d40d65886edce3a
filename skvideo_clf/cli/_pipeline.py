"""The estimators the ``fit`` and ``extract`` options describe."""

from __future__ import annotations

from ..features import FrameMemory, InceptionFrameTransformer, make_frame_featurizer
from ..protocols import SAMPLERS, Protocol
from ..utils.compat.sklearn import Interval, InvalidParameterError
from ._common import EXIT_USAGE, CLIError, device

FEATURES = ("inception",)
CLASSIFIERS = ("lstm", "bilstm", "resbilstm", "chi2svc")
#: ``fit``'s options without --row; None in the parser, so a --row's configuration holds.
FIT_DEFAULTS = dict(sampler="oversample", classifier="resbilstm", class_weight="balanced",
                    epochs=30, hidden_size=64, sequence_length=16)

#: Featurizer parameter -> the option that sets it, for the featurizer's own errors.
_OPTIONS = {"input_size": "--input-size", "sequence_length": "--sequence-length",
            "batch_size": "--batch-size-frames", "memory": "--cache"}


def check_featurizer_options(backbone="inception_v3", **params):
    """Let the featurizer judge its options before any slow work; a refusal exits with 2.

    The featurizer's ``_parameter_constraints`` are the one statement of what it accepts;
    this only words its refusal in terms of the command-line option. InceptionV3's lower
    bound on the input size applies to it alone.
    """
    if backbone != "inception_v3":
        params.pop("input_size", None)

    try:
        InceptionFrameTransformer(weights=None, **params)._validate_params()
    except InvalidParameterError as exc:
        name = next((p for p in params if f"'{p}' parameter" in str(exc)), None)
        if name is None:
            raise CLIError(str(exc), EXIT_USAGE) from None
        option = _OPTIONS.get(name, "--" + name.replace("_", "-"))
        bounds = [c for c in InceptionFrameTransformer._parameter_constraints[name]
                  if isinstance(c, Interval) and c.left is not None and c.right is None]
        if bounds:
            raise CLIError(f"{option} must be at least {bounds[0].left} ({exc})",
                           EXIT_USAGE) from None
        raise CLIError(f"{option}: {exc}", EXIT_USAGE) from None


def cache_memory(args, cache=None):
    """``--cache`` (or ``cache``) as a featurizer's ``memory``, with ``--fingerprint``."""

    cache = args.cache if cache is None else cache
    mode = getattr(args, "fingerprint", "stat")
    if cache is None or mode == "stat":
        return cache
    return FrameMemory(cache, fingerprint=mode)


def featurizer_params(args):
    """The featurizer parameters set by options, less the weights and the device.

    An option left unset (``--input-size``) is left out: the backbone's own value holds.
    """
    params = dict(input_size=args.input_size, batch_size=args.batch_size_frames,
                  sequence_length=args.sequence_length, memory=cache_memory(args),
                  random_state=args.seed)
    return {k: v for k, v in params.items() if v is not None or k == "memory"}


def make_featurizer(args, *, weights=None, verbose=0):
    """The frame featurizer the command-line options describe (``--backbone``)."""

    return make_frame_featurizer(getattr(args, "backbone", "inception_v3"), weights=weights,
                                 device=device(args.device), verbose=verbose,
                                 **featurizer_params(args))


def fit_row(args):
    """The row ``fit``'s options describe, as a protocol file's ``[[rows]]`` table.

    ``fit`` without ``--row`` builds it with the same builder as every comparison row
    (:func:`skvideo_clf.protocols.Protocol.rows`), so the options and a config file that
    say the same thing build the same pipeline.
    """
    if args.sampler not in SAMPLERS:
        raise CLIError(f"Unknown sampler {args.sampler!r}; choose one of {SAMPLERS}.",
                       EXIT_USAGE)
    if args.classifier not in CLASSIFIERS:
        raise CLIError(f"Unknown classifier {args.classifier!r}; choose one of "
                       f"{CLASSIFIERS}.", EXIT_USAGE)
    class_weight = "None" if args.class_weight in (None, "none") else args.class_weight
    params = {"class_weight": class_weight}
    h = args.hidden_size
    if args.classifier in ("lstm", "bilstm"):
        params["hidden_sizes"] = [h]
    elif args.classifier == "resbilstm":
        params.update(hidden_size=h, fc_size=h)
    featurizer = {k: v for k, v in dict(input_size=args.input_size,
                                         batch_size=args.batch_size_frames).items()
                  if v is not None}
    return {"name": "fit", "features": "spatial", "featurizer": featurizer,
            "sampler": args.sampler, "classifier": args.classifier, "params": params}


def build_pipeline(args, *, weights, verbose=0):
    """[sampler] -> featurizer -> classifier, as an imblearn Pipeline (:func:`fit_row`).

    The sampler comes first: it turns videos into clips (frames + augmentation) that the
    featurizer reads, in ``fit`` only.
    """

    spec = fit_row(args)
    spec["featurizer"]["verbose"] = verbose
    settings = dict(size="fit", input_size=args.input_size,
                    sequence_length=args.sequence_length, epochs=args.epochs, grid_cv=3)
    return Protocol.build_row(spec, settings, backbone=getattr(args, "backbone",
                                                               "inception_v3"),
                              weights=weights, device=device(args.device),
                              memory=cache_memory(args), random_state=args.seed)
