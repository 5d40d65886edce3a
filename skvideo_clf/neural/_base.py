"""The shared base of the neural classifiers: skorch made to behave like scikit-learn.

A bare :class:`skorch.NeuralNetClassifier` fails about a third of scikit-learn's estimator
checks: it sets attributes in ``__init__``, has no ``n_features_in_``, accepts NaN, inf,
empty input and continuous targets, learns integer targets only, splits off a validation
set by default, and reads its parameters from ``__dict__``. :class:`NeuralClassifierBase`
fixes each of these once for every classifier of the package, and keeps skorch's
``module__*`` / ``optimizer__*`` / ``iterator_train__*`` / ``callbacks__*`` parameters,
callbacks, ``warm_start`` and ``partial_fit`` as they are.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager
from numbers import Integral, Real
from types import MappingProxyType

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _assert_all_finite, check_array, column_or_1d
from skorch import NeuralNetClassifier
from skorch.dataset import Dataset as SkorchDataset
from torch import nn
from torch.utils.data import DataLoader, Sampler

from ..utils import check_sequences, resolve_device

__all__ = [
    "LengthBucketBatchSampler",
    "NeuralClassifierBase",
    "SequenceDataset",
    "check_sequences",
    "pad_collate",
]


# ----------------------------------------------------------------------------- input
def _writable(a):
    # torch.from_numpy warns on read-only arrays (memory maps, sklearn's readonly checks).
    return a if a.flags.writeable else a.copy()


class SequenceDataset(torch.utils.data.Dataset):
    """Feature sequences (fixed-length array or list of arrays) with optional targets."""

    def __init__(self, seqs, lengths, y=None):
        if isinstance(seqs, np.ndarray):
            self.seqs = torch.from_numpy(_writable(np.ascontiguousarray(seqs)))
        else:
            self.seqs = [torch.from_numpy(_writable(s)) for s in seqs]
        self.lengths = np.asarray(lengths)
        self.y = None if y is None else torch.as_tensor(np.asarray(y))

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        target = self.y[i] if self.y is not None else torch.tensor(0)
        return self.seqs[i], target


def pad_collate(batch):
    """Zero-pad a list of ``(x_i (T_i, D), y_i)`` into ``({"x", "lengths"}, y)``."""
    xs, ys = zip(*batch)
    lengths = torch.tensor([len(x) for x in xs], dtype=torch.long)
    if bool((lengths == lengths[0]).all()):
        x = torch.stack(xs)
    else:
        x = torch.nn.utils.rnn.pad_sequence(xs, batch_first=True)
    return {"x": x, "lengths": lengths}, torch.stack(ys)


class LengthBucketBatchSampler(Sampler):
    """Mini-batches of sequences of similar length (seed 003), in random order.

    Sequences are sorted by length (ties in random order) and cut into consecutive batches
    of ``batch_size``, so a batch pads only up to the longest of similar lengths; the order
    of the batches is shuffled every epoch.

    Parameters
    ----------
    lengths : array-like of int
    batch_size : int
    shuffle : bool, default=True
    generator : torch.Generator or None

    Examples
    --------
    >>> s = LengthBucketBatchSampler([5, 1, 4, 2, 3, 6], batch_size=2, shuffle=False)
    >>> [sorted(b) for b in s]
    [[1, 3], [2, 4], [0, 5]]
    """

    def __init__(self, lengths, batch_size, shuffle=True, generator=None):
        self.lengths = np.asarray(lengths)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        n = len(self.lengths)
        if self.shuffle:
            tie = torch.randperm(n, generator=self.generator).numpy()
            order = tie[np.argsort(self.lengths[tie], kind="stable")]
        else:
            order = np.argsort(self.lengths, kind="stable")
        batches = [order[i:i + self.batch_size].tolist() for i in range(0, n, self.batch_size)]
        if self.shuffle:
            perm = torch.randperm(len(batches), generator=self.generator).tolist()
            batches = [batches[i] for i in perm]
        yield from batches


# ----------------------------------------------------------------------------- base
class _Interrupted(BaseException):  # noqa: N818  (internal carrier of a KeyboardInterrupt)
    """A KeyboardInterrupt on its way past skorch's ``except KeyboardInterrupt``."""


class NeuralClassifierBase(NeuralNetClassifier):
    """Base of every neural classifier: a skorch ``NeuralNetClassifier`` that is a
    scikit-learn classifier.

    Subclasses give their architecture parameters in their own ``__init__`` and build the
    module in :meth:`_build_module`; the parameters below are shared.

    Parameters
    ----------
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes in the cross-entropy loss (seed 000's class weighting).
        ``"balanced"`` weights class ``c`` by ``n_samples / (n_classes * n_c)``; a dict maps
        labels (as in ``y``) to weights, missing labels weigh 1.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Its options as ``optimizer__momentum=0.9``, ``optimizer__weight_decay=3e-4`` (L2).
    lr : float
    max_epochs : int
    batch_size : int
    train_split : None or callable, default=None
        skorch's internal validation split. ``None``: after oversampling, synthetic copies of
        one training video would land on both sides of such a split.
    callbacks : list of (name, Callback) or None
        skorch callbacks (``EarlyStopping``, ``Checkpoint``, ``LRScheduler``, ...).
    warm_start : bool, default=False
        ``fit`` continues from the current weights instead of re-initializing.
    verbose : int, default=0
    device : {"cpu", "cuda", "auto"} or torch device string, default="cpu"
        ``"auto"`` uses CUDA when available. A pickled model loads on the CPU when the
        machine has no CUDA.
    random_state : int, RandomState or None, default=None
        Seeds torch (initialization, dropout, batch order) inside ``fit`` without touching
        the global RNG: two CPU fits with the same seed give the same predictions.
    on_interrupt : {"raise", "stop"}, default="raise"
        What Ctrl-C (``KeyboardInterrupt``) during training does. ``"raise"``: it propagates,
        so a script, a grid search or ``skvideo-clf fit`` stops instead of going on with
        (or saving) an under-trained model. ``"stop"``: skorch's behaviour, training ends
        at that point and ``fit`` returns the model as it is.
    iterator_train, iterator_valid : DataLoader class
        Options as ``iterator_train__batch_sampler=...``: a batch sampler replaces
        ``batch_size`` and ``shuffle`` for that iterator.
    **kwargs
        skorch's double-underscore parameters (``module__*``, ``optimizer__*``,
        ``criterion__*``, ``iterator_*__*``, ``callbacks__*``).

    Attributes
    ----------
    classes_ : ndarray
        The labels, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
        Features per step (sequences), per sample (2-D input), or per map (images).
    class_weight_ : ndarray or None
        The loss weights used, per class of ``classes_``.
    module_, criterion_, optimizer_, history_ :
        skorch's fitted components.
    """

    #: "sequence": (n, T, D) / ragged / (n, D); "tabular": (n, D); "image": see subclass.
    _input_kind = "sequence"

    # skorch's NeuralNet.__init__ sets these three; scikit-learn wants nothing but the
    # parameters in __dict__ before fit, so class-level defaults stand in until initialize().
    history_ = None
    initialized_ = False
    virtual_params_ = MappingProxyType({})

    _parameter_constraints: dict = {
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "lr": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "train_split": [callable, None],
        "callbacks": [list, None, StrOptions({"disable"})],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
        "optimizer": [callable],
        "on_interrupt": [StrOptions({"raise", "stop"})],
    }

    def __init__(self, *, class_weight=None, optimizer=torch.optim.Adam, lr=1e-2,
                 max_epochs=30, batch_size=32, train_split=None, callbacks=None,
                 warm_start=False, verbose=0, device="cpu", random_state=None,
                 on_interrupt="raise", iterator_train=DataLoader, iterator_valid=DataLoader,
                 **kwargs):
        super().__init__(
            module=nn.Identity, criterion=nn.CrossEntropyLoss, optimizer=optimizer, lr=lr,
            max_epochs=max_epochs, batch_size=batch_size, train_split=train_split,
            callbacks=callbacks, warm_start=warm_start, verbose=verbose, device=device,
            iterator_train=iterator_train, iterator_valid=iterator_valid, **kwargs,
        )
        self.class_weight = class_weight
        self.random_state = random_state
        self.on_interrupt = on_interrupt
        for name in ("history_", "initialized_", "virtual_params_"):
            vars(self).pop(name, None)

    # ------------------------------------------------------------------ parameters
    def _get_param_names(self):
        # The parameters are the arguments of every __init__ from the concrete class down to
        # this base (skorch reads them from __dict__ instead, which would also list
        # `module`, `criterion` and skorch's bookkeeping), plus the dunder parameters.
        names = []
        for klass in type(self).__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                for p in inspect.signature(init).parameters.values():
                    if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) \
                            and p.name not in names:
                        names.append(p.name)
            if klass is NeuralClassifierBase:
                break
        # Extra keyword arguments (skorch's dunder parameters, or a typo that skorch's own
        # check reports at fit) stay parameters, so clone() and set_params() keep them.
        extra = set(getattr(self, "_params_to_validate", ())) | {
            k for k in vars(self) if "__" in k and not k.startswith("_")}
        names += sorted(k for k in extra if k in vars(self) and not k.endswith("_")
                        and k not in names)
        return names

    def set_params(self, **params):
        """Set parameters; see :meth:`sklearn.base.BaseEstimator.set_params`.

        Returns
        -------
        self
        """
        # skorch re-initializes components on dunder parameters of an initialized net and
        # raises for iterator options, which need no re-initialization: set those directly.
        direct = {k: params.pop(k) for k in list(params)
                  if k.split("__", 1)[0] in ("iterator_train", "iterator_valid")
                  and "__" in k}
        for key, val in direct.items():
            setattr(self, key, val)
            self._params_to_validate.add(key)
        if "callbacks" in params and not self.initialized_:
            # skorch initializes callbacks inside set_params; scikit-learn validates in fit.
            vars(self)["callbacks"] = params.pop("callbacks")
        return super().set_params(**params) if params else self

    def _check_params(self):
        validate_parameter_constraints(
            {k: v for k, v in self._parameter_constraints.items()},
            {k: getattr(self, k) for k in self._parameter_constraints if hasattr(self, k)},
            caller_name=type(self).__name__,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    # ------------------------------------------------------------------ contexts
    def _resolved_device(self):
        return resolve_device(self.device)

    @contextmanager
    def _device_context(self):
        # skorch reads `self.device` directly; "auto" stays the parameter (get_params must
        # not change in fit) and is swapped for the resolved device while skorch runs.
        if self.device != "auto":
            yield
            return
        vars(self)["device"] = self._resolved_device()
        try:
            yield
        finally:
            vars(self)["device"] = "auto"

    @contextmanager
    def _seed_context(self, continuing=False):
        if self.random_state is None:
            with self._device_context():
                yield
            return
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if continuing and self.history_ is not None:
            # Each partial_fit call draws new batches and dropout masks, reproducibly.
            seed = (seed + len(self.history_)) % np.iinfo(np.int32).max
        dev = str(self._resolved_device())
        devices = [torch.cuda.current_device()] if dev.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices), self._device_context():
            torch.manual_seed(seed)
            yield

    def __setstate__(self, state):
        auto = state.get("device") == "auto"
        if auto:
            state["device"] = resolve_device("auto")
        super().__setstate__(state)
        if auto:
            vars(self)["device"] = "auto"

    # ------------------------------------------------------------------ validation
    def _check_X(self, X, reset):
        """Validate ``X`` into the internal form; record or check its feature size."""
        data = self._prepare_X(X)
        n_features, shape = self._input_signature(data)
        if reset:
            self.n_features_in_ = n_features
            self.input_shape_ = shape
        else:
            if n_features != self.n_features_in_ or shape != self.input_shape_:
                raise ValueError(
                    f"X has {n_features} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input (input shape {shape} vs "
                    f"{self.input_shape_} in fit)."
                )
        return data

    def _prepare_X(self, X):
        if self._input_kind == "sequence":
            return check_sequences(X)
        X = check_array(X, dtype=np.float32, accept_sparse=False)
        return _writable(X)

    def _input_signature(self, data):
        if self._input_kind == "sequence":
            seqs = data[0]
            d = seqs.shape[2] if isinstance(seqs, np.ndarray) else seqs[0].shape[1]
            return d, (d,)
        return int(np.prod(data.shape[1:])), tuple(data.shape[1:])

    def _n_samples(self, data):
        return len(data[1]) if self._input_kind == "sequence" else len(data)

    def _check_y(self, y, n_samples):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc":
            _assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        if len(y) != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {n_samples} videos in X, "
                f"{len(y)} labels in y."
            )
        return y

    def _set_labels(self, y, classes=None, loss_labels=None):
        # loss_labels: the label of every loss term, when the loss is not one per sample
        # (frame voting trains on frames): "balanced" must balance what the loss sums
        self.label_encoder_ = LabelEncoder().fit(y if classes is None else classes)
        if len(self.label_encoder_.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y has 1 class "
                f"({self.label_encoder_.classes_.tolist()[0]!r})."
            )
        if self.class_weight is None:
            self.class_weight_ = None
        else:
            self.class_weight_ = compute_class_weight(
                self.class_weight, classes=self.classes_,
                y=y if loss_labels is None else loss_labels).astype(np.float32)

    def _encode(self, y):
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y has labels {unseen.tolist()} unseen in the first fit (classes_ = "
                f"{self.classes_.tolist()}); fit from scratch, or use refit_head for new classes."
            )
        return self.label_encoder_.transform(y).astype(np.int64)

    @property
    def classes_(self):
        try:
            return self.label_encoder_.classes_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no classes_ before fit.") from None

    # ------------------------------------------------------------------ skorch hooks
    def _build_module(self, **module_kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def initialize_module(self):
        if not hasattr(self, "n_features_in_"):
            raise ValueError(
                f"{type(self).__name__} builds its network from the data: call fit(X, y) "
                "instead of initialize()."
            )
        self.module_ = self._build_module(**self.get_params_for("module"))
        self.head_only_ = False
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if self.class_weight_ is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_)
        self.criterion_ = self.criterion(**kwargs)
        return self

    def get_all_learnable_params(self):
        for name, param in super().get_all_learnable_params():
            if param.requires_grad:
                yield name, param

    def _set_training(self, training=True):
        super()._set_training(training)
        if training and getattr(self, "head_only_", False):
            # Frozen layers keep their batch-norm statistics and switch dropout off.
            for name, child in self.module_.named_children():
                if name != "head":
                    child.eval()

    def check_data(self, X, y=None):
        # Data were validated (and labels encoded) before skorch sees them.
        pass

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        if isinstance(X, tuple):  # validated sequences: (seqs, lengths)
            return SequenceDataset(X[0], X[1], y)
        return SkorchDataset(self._to_model_input(X), y)

    def _to_model_input(self, X):
        return X

    def get_iterator(self, dataset, training=False):
        prefix = "iterator_train" if training else "iterator_valid"
        kwargs = self.get_params_for(prefix)
        iterator = self.iterator_train if training else self.iterator_valid
        if isinstance(dataset, SequenceDataset):
            kwargs.setdefault("collate_fn", pad_collate)
        if training:
            kwargs.setdefault("shuffle", True)
        if kwargs.get("batch_sampler") is not None:
            # DataLoader refuses batch_size/shuffle/sampler/drop_last next to a batch sampler.
            for key in ("batch_size", "shuffle", "sampler", "drop_last"):
                kwargs.pop(key, None)
            return iterator(dataset, **kwargs)
        if "batch_size" not in kwargs:
            kwargs["batch_size"] = self.batch_size
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        lengths = getattr(dataset, "lengths", None)
        if training and iterator is DataLoader and lengths is not None \
                and self._sort_by_length() and "sampler" not in kwargs \
                and len(np.unique(lengths)) > 1:
            # Variable lengths: batches of similar length pad little (seed 003).
            kwargs["batch_sampler"] = LengthBucketBatchSampler(
                lengths, kwargs.pop("batch_size"), shuffle=kwargs.pop("shuffle"))
            kwargs.pop("drop_last", None)
        return iterator(dataset, **kwargs)

    def _sort_by_length(self):
        return getattr(self, "sort_by_length", False)

    # ------------------------------------------------------------------ public API
    def fit(self, X, y, **fit_params):
        """Validate, (re-)initialize unless ``warm_start``, and train for ``max_epochs``.

        Parameters
        ----------
        X : array-like
            See the class docstring for the accepted shapes.
        y : array-like of shape (n_samples,)
            Labels of any type.
        **fit_params : dict
            Passed to skorch's ``fit_loop``.

        Returns
        -------
        self
        """
        self._check_params()
        warm = self.warm_start and self.initialized_
        data = self._check_X(X, reset=not warm)
        y = self._check_y(y, self._n_samples(data))
        if not warm:
            self._set_labels(y, loss_labels=self._loss_labels(data, y))
        y_enc = self._encode(y)
        with self._seed_context(continuing=warm):
            if not warm:
                self.initialize()
            self._train(data, y_enc, **fit_params)
        return self

    def partial_fit(self, X, y, classes=None, **fit_params):
        """One call of ``max_epochs`` epochs that keeps the current weights.

        Parameters
        ----------
        X, y : see :meth:`fit`
        classes : array-like or None
            Every label of the problem, needed on the first call when ``y`` lacks some.
        **fit_params : dict

        Returns
        -------
        self
        """
        self._check_params()
        first = not self.initialized_
        data = self._check_X(X, reset=first)
        y = self._check_y(y, self._n_samples(data))
        if first:
            self._set_labels(y, classes, loss_labels=self._loss_labels(data, y))
        y_enc = self._encode(y)
        with self._seed_context(continuing=not first):
            if first:
                self.initialize()
            self._train(data, y_enc, **fit_params)
        return self

    def _training_data(self, data, y_enc):
        """What skorch trains on, from validated data (frame voting trains on frames)."""
        return data, y_enc

    def _loss_labels(self, data, y):
        """The label of each term of the training loss (one per sample here)."""
        return None

    def _train(self, data, y_enc, **fit_params):
        try:
            super().partial_fit(*self._training_data(data, y_enc), **fit_params)
        except _Interrupted:
            raise KeyboardInterrupt(
                f"{type(self).__name__}: training interrupted (on_interrupt='raise'); use "
                "on_interrupt='stop' to keep a model trained up to the interrupt.") from None

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        # skorch's partial_fit swallows KeyboardInterrupt around fit_loop, both a real Ctrl-C
        # and its callbacks' way to end training (EarlyStopping raises it). A real SIGINT is
        # told apart by a handler that notes it; carried past skorch in a type it does not
        # catch, it reaches the caller (see on_interrupt).
        import signal
        import threading

        pressed = []
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if callable(previous):
                def on_sigint(signum, frame):
                    pressed.append(signum)
                    previous(signum, frame)

                signal.signal(signal.SIGINT, on_sigint)
            else:
                previous = None
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            if pressed and getattr(self, "on_interrupt", "raise") == "raise":
                raise _Interrupted from None
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _forward_proba(self, data):
        with self._device_context():
            return super().predict_proba(data)

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        self.check_is_fitted()
        data = self._check_X(X, reset=False)
        return self._forward_proba(data)

    def predict(self, X):
        """Predicted labels (of the type of ``y`` in fit).

        Parameters
        ----------
        X : array-like

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def refit_head(self, X, y, max_epochs=None, **fit_params):
        """Transfer learning (seed 003): new class layer for the classes of ``y``, trained with
        every other layer frozen.

        The frozen layers keep their weights and batch-norm statistics; ``classes_`` becomes
        the labels of ``y``. A later ``fit`` (without ``warm_start``) trains everything again.

        Parameters
        ----------
        X, y : see :meth:`fit`
        max_epochs : int or None
            Epochs for the head; ``None`` uses ``self.max_epochs``.
        **fit_params : dict

        Returns
        -------
        self
        """
        self.check_is_fitted()
        data = self._check_X(X, reset=False)
        y = self._check_y(y, self._n_samples(data))
        self._set_labels(y, loss_labels=self._loss_labels(data, y))
        y_enc = self._encode(y)
        with self._seed_context():
            old = self.module_.head
            for p in self.module_.parameters():
                p.requires_grad_(False)
            self.module_.head = nn.Linear(old.in_features, len(self.classes_)).to(
                old.weight.device)
            self.head_only_ = True
            self._initialize_criterion()
            self._initialize_optimizer()
            epochs = self.max_epochs if max_epochs is None else max_epochs
            Xt, yt = self._training_data(data, y_enc)
            self.notify("on_train_begin", X=Xt, y=yt)
            self.fit_loop(Xt, yt, epochs=epochs, **fit_params)
            self.notify("on_train_end", X=Xt, y=yt)
        return self

    @classmethod
    def from_preset(cls, name, **overrides):
        """An instance configured as a paper configures it (see ``PRESETS``).

        Parameters
        ----------
        name : str
            A key of ``cls.PRESETS``.
        **overrides
            Parameters that replace the preset's.

        Returns
        -------
        estimator
        """
        presets = getattr(cls, "PRESETS", {})
        if name not in presets:
            raise ValueError(f"Unknown preset {name!r} for {cls.__name__}; "
                             f"choose one of {sorted(presets)}.")
        return cls(**{**presets[name], **overrides})

    def __repr__(self):
        # skorch's repr lists the modules; scikit-learn's lists the changed parameters.
        params = self.get_params(deep=False)
        sig = {}
        for klass in type(self).__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                for p in inspect.signature(init).parameters.values():
                    sig.setdefault(p.name, p.default)
            if klass is NeuralClassifierBase:
                break
        changed = []
        for k, v in params.items():
            default = sig.get(k, inspect.Parameter.empty)
            try:
                same = default is not inspect.Parameter.empty and bool(default == v)
            except Exception:  # arrays, tensors
                same = False
            if not same:
                changed.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(changed)})"
