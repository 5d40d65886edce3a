"""The shared base of the neural classifiers: skorch made to behave like scikit-learn.

A bare :class:`skorch.NeuralNetClassifier` fails about a third of scikit-learn's estimator
checks: it sets attributes in ``__init__``, has no ``n_features_in_``, accepts NaN, inf,
empty input and continuous targets, learns integer targets only, splits off a validation
set by default, and reads its parameters from ``__dict__``. :class:`NeuralClassifierBase`
fixes each of these once for every classifier of the package, and keeps skorch's
``module__*`` / ``optimizer__*`` / ``iterator_train__*`` / ``callbacks__*`` parameters,
callbacks, ``warm_start`` and ``partial_fit`` as they are.

The pieces live one concept to a module: input validation in ``_validation``, datasets and
batch samplers in ``_batching``, head-only training in ``_head_only``, and what depends on
skorch's internals (parameter names, Ctrl-C, the output nonlinearity, scoring on labels) in
:mod:`skvideo_clf.utils.compat.skorch`; this module holds parameters, the training entry
points (one ``_fit`` behind ``fit``, ``partial_fit`` and ``refit_head``) and skorch's public
hooks. It passes 500 lines because the loss those entry points train with (class
weights counted before resampling, sample weights, multi-label targets) is one concept:
how each video counts in training, decided once for every classifier.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Mapping
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch import NeuralNetClassifier
from skorch.callbacks import EpochScoring
from skorch.dataset import Dataset as SkorchDataset
from skorch.utils import to_numpy, to_tensor
from torch import nn
from torch.utils.data import DataLoader

from ..sampling import class_balanced_sampler
from ..utils import check_sample_weight_length, resolve_device
from ..utils.compat import skorch as compat
from ..utils.compat.sklearn import (
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    check_sample_weight,
    validate_parameter_constraints,
)
from ._batching import SequenceDataset, WeightedDataset, make_iterator
from ._head_only import HeadOnlyTraining
from ._losses import LOSSES, DeferredReweighting, make_criterion
from ._validation import InputValidationMixin

__all__ = ["NeuralClassifierBase"]

#: The classifiers' docstrings point to NeuralClassifierBase for what they all share.
SHARED_DOCS = {
    "base_parameters": """class_weight, loss, focal_gamma, logit_adjustment_tau, \
ldam_max_margin, ldam_scale, reweight_start, effective_number_beta, posthoc_tau, \
retrain_head_epochs, optimizer, lr, max_epochs, batch_size, train_split, \
callbacks, warm_start, verbose, device, random_state, iterator_train, iterator_valid, **kwargs
        See :class:`NeuralClassifierBase`.""",
    "base_attributes": """classes_, n_features_in_, class_weight_, class_counts_, module_, \
history_
        See :class:`NeuralClassifierBase`.""",
}

class NeuralClassifierBase(InputValidationMixin, compat.InitParamsMixin,
                           compat.InterruptibleTrainingMixin, compat.OutputNonlinearityMixin,
                           NeuralNetClassifier):
    """Base of every neural classifier: a skorch ``NeuralNetClassifier`` that is a
    scikit-learn classifier.

    Subclasses give their architecture parameters in their own ``__init__`` and build the
    module in :meth:`_build_module`; the parameters below are shared.

    Multi-label videos: ``y`` as a binary indicator matrix of shape
    ``(n_videos, n_labels)`` (lists of label lists become one through
    ``sklearn.preprocessing.MultiLabelBinarizer``) trains one sigmoid per label with
    ``BCEWithLogitsLoss``; ``classes_`` is then ``arange(n_labels)``, ``predict_proba``
    gives each label's probability and ``predict`` the indicator matrix thresholded at
    0.5. ``class_weight="balanced"`` becomes each label's ``pos_weight``, ``n_neg / n_pos``
    (the ratio of scikit-learn's balanced weights of the label's two values), and 1 for a
    label on every video or on none (a dict maps column indices to positive weights).
    Classifiers with their own ``predict`` (frame voting) refuse such ``y``.

    Parameters
    ----------
    class_weight : None, "balanced", "effective_number" or dict, default=None
        Weights of the classes in the cross-entropy loss (the CNN-ResBiLSTM paper's class
        weighting: "the class weighting is added to automatically assign higher weights to
        the minority classes", Section V-B; the formula is not stated, ``"balanced"`` is
        scikit-learn's and Keras' usual one). ``"balanced"`` weights class ``c`` by
        ``n_samples / (n_classes * n_c)``, counted on ``y`` or, when ``fit`` is given
        ``y_before_resampling``, on those labels; a dict maps labels (as in ``y``) to
        weights, missing labels weigh 1.

        Behind an over-sampler the labels that reach ``fit`` are nearly balanced, so
        ``"balanced"`` alone weighs every class about 1 (0.83 to 1.16 for the CNN-ResBiLSTM paper's
        400..40 videos, against 0.42 to 4.18 before resampling). To weight by the counts
        *before* resampling, route the labels past the sampler as the fit parameter
        ``y_before_resampling``; imbalanced-learn's Pipeline hands a fit parameter to its
        last step as given, not resampled, and a cross-validation splits it with ``X``,
        so each training fold counts its own videos::

            pipe = Pipeline([("resample", SpatioTemporalOversampler()),
                             ("features", InceptionFrameTransformer()),
                             ("clf", ResBiLSTMClassifier(class_weight="balanced"))])
            pipe.fit(X, y, clf__y_before_resampling=y)
            GridSearchCV(pipe, grid).fit(X, y, clf__y_before_resampling=y)
            cross_validate(pipe, X, y, params={"clf__y_before_resampling": y})

        With ``sklearn.set_config(enable_metadata_routing=True)``, request it instead:
        ``ResBiLSTMClassifier(class_weight="balanced").set_fit_request(
        y_before_resampling=True)``, then ``pipe.fit(X, y, y_before_resampling=y)``.
        (A fit parameter rather than a sampler attribute: a Pipeline gives its last step
        nothing of the earlier steps but ``X`` and ``y``, and a routed array is split per
        fold by scikit-learn's own cross-validation, with no extra machinery.)

        ``fit(X, y, sample_weight=w)`` multiplies the two, as scikit-learn does: video
        ``i`` of class ``c`` weighs ``w[i] * class_weight_[c]`` in the loss, a weighted
        mean normalized by the sum of these weights (for ``sample_weight=None`` that is
        torch's own class-weighted mean).

        ``"effective_number"``: Cui et al.'s class-balanced weights (CVPR 2019),
        ``(1 - beta) / (1 - beta ** n_c)`` normalised to sum to the number of classes
        (:func:`effective_number_weights`, ``beta = effective_number_beta``), ``n_c``
        counted as for ``"balanced"``. With a multi-label ``y``, each label's term of the
        loss is weighted by the weight of its positive count (``BCEWithLogitsLoss``'s
        ``weight``), where ``"balanced"`` sets ``pos_weight``.
    loss : {"cross_entropy", "focal", "logit_adjusted", "ldam"}, default="cross_entropy"
        The training loss (module ``_losses``; the user guide's neural classifiers page
        has the table of which loss combines with what):

        - ``"cross_entropy"``: softmax cross-entropy (``BCEWithLogitsLoss`` for a
          multi-label ``y``);
        - ``"focal"``: the focal loss of Lin et al., "Focal Loss for Dense Object
          Detection", ICCV 2017 (:class:`FocalLoss`; :class:`SigmoidFocalLoss` for a
          multi-label ``y``); ``class_weight`` is its ``alpha_t`` (none by default: the
          paper's ``alpha = 0.25`` weighs its detector's foreground anchors, which classes
          have no counterpart of); with ``class_weight="effective_number"`` it is Cui et
          al.'s class-balanced focal loss;
        - ``"logit_adjusted"``: Menon et al., "Long-tail learning via logit adjustment",
          ICLR 2021 (:class:`LogitAdjustedLoss`): cross-entropy on ``logits + tau *
          log(prior)``;
        - ``"ldam"``: Cao et al., "Learning Imbalanced Datasets with Label-Distribution-
          Aware Margin Loss", NeurIPS 2019 (:class:`LDAMLoss`); LDAM-DRW is ``loss="ldam",
          class_weight="effective_number", reweight_start=0.8``.

        The priors and margins count the classes of ``y``, or of ``y_before_resampling``
        when given (the counts before an over-sampler; ``class_counts_``), each video
        counted by its ``sample_weight``. ``"logit_adjusted"`` and ``"ldam"`` are defined
        for one softmax over classes and refuse a multi-label ``y``.
    focal_gamma : float >= 0, default=2.0
        The focusing parameter of ``loss="focal"`` (the paper's best, 2; 0 is
        cross-entropy).
    logit_adjustment_tau : float, default=1.0
        ``tau`` of ``loss="logit_adjusted"`` (the paper's default 1; 0 is cross-entropy).
    ldam_max_margin : float > 0, default=0.5
        The largest LDAM margin, that of the rarest class: the paper's constant ``C`` is
        set so that it is 0.5; margins are ``proportional to n_j ** (-1/4)``.
    ldam_scale : float > 0, default=30.0
        LDAM's logit scale ``s`` (the paper's 30).
    reweight_start : int, float in (0, 1) or None, default=None
        Deferred re-weighting (DRW, Cao et al., 2019): the class weights of
        ``class_weight`` apply only from this epoch on (an int, 0-based epoch of each
        ``fit``) or from this fraction of ``max_epochs`` on (a float: the paper switches at
        epoch 160 of 200, ``0.8``); the epochs before train unweighted. None: the weights
        apply throughout. Any ``loss`` takes it.
    effective_number_beta : float in [0, 1), default=0.9999
        ``beta`` of ``class_weight="effective_number"`` (Cui et al., "Class-Balanced Loss
        Based on Effective Number of Samples", CVPR 2019; 0.9999 as in the paper and in
        LDAM-DRW).
    posthoc_tau : float, default=0.0
        Post-hoc logit adjustment (Menon et al., 2021): ``predict_proba`` is
        ``softmax(logits - posthoc_tau * log(prior))`` with the training prior
        (``class_counts_``); 0 leaves the network's softmax as it is, 1 is the paper's
        choice. It changes prediction only, so it can be set on a fitted classifier
        (``set_params(posthoc_tau=1.0)``) without retraining. Single-label ``y`` only.
    retrain_head_epochs : int or None, default=None
        Classifier re-training (cRT; Kang et al., "Decoupling Representation and
        Classifier for Long-Tailed Recognition", ICLR 2020): after ``fit`` has trained the
        network, a new class layer is trained for this many epochs on the same data with
        the rest frozen and class-balanced sampling: ``refit_head(X, y, epochs,
        sampling="class_balanced")``, as a parameter so that it composes in a Pipeline,
        a grid search and a cross-validation. None or 0: no re-training. Single-label
        ``y`` only.
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
    class_counts_ : ndarray
        Videos per class (summed sample weights; loss terms, e.g. frames, for frame
        voting) as the loss counts them: on ``y_before_resampling`` when given. The
        priors of logit adjustment and the LDAM margins come from it. Multi-label: the
        positives per label.
    module_, criterion_, optimizer_, history_ :
        skorch's fitted components.
    """

    # Class-level stand-ins for the state skorch's __init__ sets (see compat.INIT_STATE):
    # scikit-learn wants nothing but the parameters in __dict__ before fit.
    history_ = compat.INIT_STATE["history_"]
    initialized_ = compat.INIT_STATE["initialized_"]
    virtual_params_ = compat.INIT_STATE["virtual_params_"]

    _parameter_constraints: dict = {
        "class_weight": [StrOptions({"balanced", "effective_number"}), dict, None],
        "loss": [StrOptions(set(LOSSES))],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
        "logit_adjustment_tau": [Interval(Real, None, None, closed="neither")],
        "ldam_max_margin": [Interval(Real, 0, None, closed="neither")],
        "ldam_scale": [Interval(Real, 0, None, closed="neither")],
        "reweight_start": [Interval(Integral, 0, None, closed="left"),
                           Interval(RealNotInt, 0, 1, closed="neither"), None],
        "effective_number_beta": [Interval(Real, 0, 1, closed="left")],
        "posthoc_tau": [Interval(Real, None, None, closed="neither")],
        "retrain_head_epochs": [Interval(Integral, 0, None, closed="left"), None],
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

    def __init__(self, *, class_weight=None, loss="cross_entropy", focal_gamma=2.0,
                 logit_adjustment_tau=1.0, ldam_max_margin=0.5, ldam_scale=30.0,
                 reweight_start=None, effective_number_beta=0.9999, posthoc_tau=0.0,
                 retrain_head_epochs=None, optimizer=torch.optim.Adam, lr=1e-2,
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
        self.loss = loss
        self.focal_gamma = focal_gamma
        self.logit_adjustment_tau = logit_adjustment_tau
        self.ldam_max_margin = ldam_max_margin
        self.ldam_scale = ldam_scale
        self.reweight_start = reweight_start
        self.effective_number_beta = effective_number_beta
        self.posthoc_tau = posthoc_tau
        self.retrain_head_epochs = retrain_head_epochs
        self.random_state = random_state
        self.on_interrupt = on_interrupt
        compat.drop_init_state(self)

    # ------------------------------------------------------------------ parameters
    def set_params(self, **params):
        """Set parameters; see :meth:`sklearn.base.BaseEstimator.set_params`.

        Returns
        -------
        self
        """
        # skorch re-initializes components on dunder parameters of an initialized net and
        # raises for iterator options, which need no re-initialization: set those directly.
        for key in list(params):
            if "__" in key and key.split("__", 1)[0] in ("iterator_train", "iterator_valid"):
                setattr(self, key, params.pop(key))
        if "callbacks" in params and not self.initialized_:
            # skorch initializes callbacks inside set_params; scikit-learn validates in fit.
            self.callbacks = params.pop("callbacks")
        return super().set_params(**params) if params else self

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: getattr(self, k) for k in self._parameter_constraints if hasattr(self, k)},
            caller_name=type(self).__name__,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    # ------------------------------------------------------------------ contexts
    @contextmanager
    def _seed_context(self, continuing=False):
        """Seed torch from ``random_state`` (global RNG restored after), device resolved."""
        if self.random_state is None:
            with compat.resolved_device(self):
                yield
            return
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        if continuing and self.history is not None:
            # Each partial_fit call draws new batches and dropout masks, reproducibly.
            seed = (seed + len(self.history)) % np.iinfo(np.int32).max
        dev = resolve_device(self.device)
        devices = [torch.cuda.current_device()] if dev.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices), compat.resolved_device(self):
            torch.manual_seed(seed)
            yield

    def __setstate__(self, state):
        compat.setstate_resolving_auto(super().__setstate__, self, state)

    # ------------------------------------------------------------------ skorch hooks
    def _build_module(self, **module_kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def initialize_callbacks(self):
        super().initialize_callbacks()
        # Scoring callbacks on a validation split (skorch's train_split) see its targets as
        # batched: encoded labels, or {"y", "sample_weight"} when weighted. The labels are
        # taken out of the batch, and the scorer gets them decoded, as predict answers.
        for _, callback in self.callbacks_:
            if isinstance(callback, EpochScoring):
                if callback.target_extractor is to_numpy:
                    callback.target_extractor = _target_labels
                compat.score_on_labels(callback, _decode_targets)
        return self

    def get_default_callbacks(self):
        callbacks = []
        for name, callback in super().get_default_callbacks():
            if isinstance(callback, EpochScoring):
                callback.set_params(target_extractor=_target_labels)
            callbacks.append((name, callback))
        return [*callbacks, ("head_only", HeadOnlyTraining()),
                ("reweighting", DeferredReweighting())]

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
        # The loss (neural/_losses.py) from the class counts and weights _set_labels chose.
        # Multi-label: one sigmoid per label; class_weight_ is each label's pos_weight
        # ("balanced", dict) or the weight of its whole term ("effective_number").
        kwargs = self.get_params_for("criterion")
        multilabel = getattr(self, "multilabel_", False)
        if multilabel:
            kwargs.pop("weight" if self.class_weight != "effective_number" else "pos_weight",
                       None)
        params = {k: getattr(self, k) for k in (
            "focal_gamma", "logit_adjustment_tau", "ldam_max_margin", "ldam_scale")}
        self.criterion_ = make_criterion(
            self.loss, multilabel=multilabel, class_counts=self.class_counts_,
            class_weight=self.class_weight_, params=params,
            class_weight_as="weight" if self.class_weight == "effective_number"
            else "pos_weight", **kwargs)
        return self

    def _supports_multilabel(self):
        # A subclass with its own predict (frame voting's vote) decides one class per
        # video; the base's sigmoid outputs and 0.5 threshold would be silently bypassed.
        return type(self).predict is NeuralClassifierBase.predict

    def _output_nonlinearity(self):
        if getattr(self, "multilabel_", False):
            return torch.sigmoid  # skorch's "auto" turns a BCE output into 2 columns
        if self.predict_nonlinearity != "auto":
            return None  # the user's, as skorch resolves it
        if not self.posthoc_tau:
            return _softmax  # "auto" knows CrossEntropyLoss only, not the other losses
        # Menon et al.'s post-hoc logit adjustment: softmax(f(x) - tau * log(prior))
        counts = np.asarray(self.class_counts_, dtype=np.float64)
        if (counts <= 0).any():
            raise ValueError(
                f"posthoc_tau={self.posthoc_tau} needs the prior of every class; classes "
                f"{self.classes_[counts <= 0].tolist()} had no training videos.")
        shift = torch.as_tensor(self.posthoc_tau * np.log(counts / counts.sum()),
                                dtype=torch.float32)
        return lambda logits: _softmax(logits - shift.to(logits.device, logits.dtype))

    def get_all_learnable_params(self):
        for name, param in super().get_all_learnable_params():
            if param.requires_grad and not (self.head_only_ and not name.startswith("head.")):
                yield name, param

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if not isinstance(y_true, Mapping):
            return super().get_loss(y_pred, y_true, X=X, training=training)
        # Weighted training batch (WeightedDataset): one loss term per sample (per frame
        # for frame voting), weighted mean. Zero weights drop a sample exactly and integer
        # weights repeat it, since the normalizer counts them the same way.
        y = to_tensor(y_true["y"], device=self.device)
        w = to_tensor(y_true["sample_weight"], device=self.device).to(y_pred.dtype)
        reduction = self.criterion_.reduction
        if reduction != "mean":
            raise ValueError(
                f"{type(self).__name__} weighs samples in a mean loss; it got "
                f"criterion__reduction={reduction!r} with sample_weight.")
        self.criterion_.reduction = "none"
        try:
            terms = self.criterion_(y_pred, y)
        finally:
            self.criterion_.reduction = reduction
        if terms.ndim > 1:  # multi-label: one term per label, averaged as torch's mean does
            terms = terms.flatten(1).mean(dim=1)
        norm = w
        class_w = getattr(self.criterion_, "weight", None)
        if class_w is not None and y.ndim == 1:
            # CrossEntropyLoss already multiplied each term by its class weight
            norm = w * class_w.to(w.dtype)[y]
        return (w * terms).sum() / norm.sum().clamp_min(torch.finfo(w.dtype).tiny)

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
        if training and self.head_only_ and getattr(self, "head_sampling_", None) == \
                "class_balanced":
            # refit_head(sampling="class_balanced"): Kang et al.'s classifier re-training
            kwargs.update(sampler=class_balanced_sampler(dataset), shuffle=False)
        return make_iterator(
            self.iterator_train if training else self.iterator_valid, dataset,
            kwargs, batch_size=self.batch_size, training=training,
            sort_by_length=getattr(self, "sort_by_length", False))

    # ------------------------------------------------------------------ public API
    def fit(self, X, y, sample_weight=None, y_before_resampling=None, **fit_params):
        """Validate, (re-)initialize unless ``warm_start``, and train for ``max_epochs``.

        Parameters
        ----------
        X : array-like
            See the class docstring for the accepted shapes.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels of any type, or a multi-label indicator matrix (see the class
            docstring).
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Non-negative weight of each video in the loss, multiplied by its class weight
            (see ``class_weight``). A weight of 0 drops the video, an integer weight ``k``
            counts it ``k`` times (exactly so within a batch; with mini-batches the
            batches differ; batch normalization, as in ``ResBiLSTMClassifier``, still
            computes its statistics over every video of the batch). Frame voting gives
            each frame its video's weight. With
            ``train_split``, the validation loss is weighted too. Routed by metadata
            routing once requested (``set_fit_request(sample_weight=True)``).
        y_before_resampling : array-like of shape (n_original,) or None, default=None
            The training labels as they were before a sampler changed them: with
            ``class_weight="balanced"`` or ``"effective_number"``, the class weights count
            these instead of ``y`` (the CNN-ResBiLSTM paper's weighting behind its oversampler; see
            ``class_weight``), and so do the priors of logit adjustment and the LDAM
            margins (``class_counts_``). Every class of ``y`` must occur in it.
        **fit_params : dict
            Passed to skorch's ``fit_loop``.

        Returns
        -------
        self
        """
        warm = self.warm_start and self.initialized_
        return self._fit(X, y, start="continue" if warm else "new",
                         sample_weight=sample_weight,
                         y_before_resampling=y_before_resampling, **fit_params)

    def partial_fit(self, X, y, classes=None, sample_weight=None, y_before_resampling=None,
                    **fit_params):
        """One call of ``max_epochs`` epochs that keeps the current weights.

        Parameters
        ----------
        X, y : see :meth:`fit`
        classes : array-like or None
            Every label of the problem, needed on the first call when ``y`` lacks some.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            See :meth:`fit`.
        y_before_resampling : array-like or None, default=None
            See :meth:`fit`; read on the first call only (the class weights are set with
            the labels).
        **fit_params : dict

        Returns
        -------
        self
        """
        start = "continue" if self.initialized_ else "new"
        return self._fit(X, y, start=start, classes=classes, sample_weight=sample_weight,
                         y_before_resampling=y_before_resampling, **fit_params)

    def refit_head(self, X, y, max_epochs=None, *, keep_classes=False,
                   sampling="instance", sample_weight=None, y_before_resampling=None,
                   **fit_params):
        """Transfer learning (the low-complexity RNN paper): a new class layer, trained with
        every other layer frozen.

        The low-complexity RNN paper: "the network is initially trained using data from 5
        categories and then fine-tuned using the data from the remaining 5 categories. In the
        fine-tuning stage, the fully-connected layer is trained." (Section II-B), and "we
        performed transfer learning from 5 to 10 categories" (Section III): the refitted
        head scores the old five and the new five. ``keep_classes=True`` is that case;
        ``keep_classes=False`` (the default) gives a head over the labels of ``y`` only.

        The frozen layers keep their weights and batch-norm statistics. A later ``fit``
        (without ``warm_start``) trains everything again. The freezing is the ``head_only``
        default callback (:class:`HeadOnlyTraining`).

        Parameters
        ----------
        X, y : see :meth:`fit`
        max_epochs : int or None
            Epochs for the head; ``None`` uses ``self.max_epochs``.
        keep_classes : bool, default=False
            If False, ``classes_`` becomes the labels of ``y`` and the new class layer is
            initialized afresh. If True, ``classes_`` becomes the old classes and the labels
            of ``y`` together (sorted), the rows of the old classes start from the old
            class layer's weights and biases, and the rows of new classes afresh; ``y`` may
            hold new classes only (the paper's fine-tuning data), old ones, or both. Then
            ``class_weight="balanced"`` needs every class in ``y`` (or in
            ``y_before_resampling``): use a dict, or None, otherwise.
        sampling : {"instance", "class_balanced"}, default="instance"
            How the head's training batches are drawn. ``"instance"``: every video once
            per epoch, as ``fit`` does. ``"class_balanced"``: classifier re-training
            (cRT) of Kang et al., "Decoupling Representation and Classifier for
            Long-Tailed Recognition", ICLR 2020: refit a new head on the trained,
            frozen body, drawing each sample by picking a class uniformly and then one
            of its videos (with replacement; as many draws per epoch as videos). Call it
            with the training set the body was trained on. Single-label ``y`` only.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            See :meth:`fit`.
        y_before_resampling : array-like or None, default=None
            See :meth:`fit`.
        **fit_params : dict

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from skvideo_clf.neural import LSTMClassifier
        >>> rng = np.random.RandomState(0)
        >>> X = rng.randn(60, 4, 3).astype("float32")
        >>> y = np.array(list("abcdef"))[X[:, -1, 0].argsort().argsort() // 10]
        >>> old = np.isin(y, ["a", "b", "c"])
        >>> clf = LSTMClassifier(max_epochs=5, random_state=0).fit(X[old], y[old])
        >>> w_old = clf.module_.head.weight.detach().clone()
        >>> _ = clf.refit_head(X[~old], y[~old], max_epochs=0, keep_classes=True)
        >>> clf.classes_.tolist(), clf.predict_proba(X).shape
        (['a', 'b', 'c', 'd', 'e', 'f'], (60, 6))
        >>> bool((clf.module_.head.weight[:3] == w_old).all())
        True
        >>> _ = clf.refit_head(X[~old], y[~old], max_epochs=0, keep_classes=False)
        >>> clf.classes_.tolist()
        ['d', 'e', 'f']
        """
        self.check_is_fitted()
        if sampling not in ("instance", "class_balanced"):
            raise ValueError("refit_head's sampling must be 'instance' or 'class_balanced', "
                             f"got {sampling!r}.")
        if sampling == "class_balanced" and np.ndim(y) != 1:
            raise ValueError("refit_head(sampling='class_balanced') draws classes of a 1-D "
                             "y; class-balanced sampling of multi-label targets is not "
                             "defined.")
        self.head_sampling_ = sampling
        classes = None
        if keep_classes:
            classes = np.union1d(self.classes_, np.unique(self._check_y(y, len(y))))
        return self._fit(X, y, start="head", classes=classes, epochs=max_epochs,
                         keep_classes=keep_classes, sample_weight=sample_weight,
                         y_before_resampling=y_before_resampling, **fit_params)

    def _fit(self, X, y, *, start, classes=None, epochs=None, keep_classes=False,
             sample_weight=None, y_before_resampling=None, **fit_params):
        """Validate, start as ``start`` says, and train through skorch's ``partial_fit``.

        ``start`` is ``"new"`` (new labels, network initialized), ``"continue"`` (labels
        and weights kept) or ``"head"`` (new labels, new class layer, the rest frozen).
        """
        self._check_params()
        data = self._check_X(X, reset=start == "new")
        n_samples = self._n_samples(data)
        y = self._check_y(y, n_samples)
        if sample_weight is not None:
            check_sample_weight_length(self, sample_weight, n_samples)
            sample_weight = check_sample_weight(
                sample_weight, np.empty(n_samples), dtype=np.float32,
                ensure_non_negative=True)
        # one weight per loss term: _loss_labels spreads per-video values over the terms
        # (a video's frames, for frame voting) as it does the labels
        term_weight = None
        if sample_weight is not None:
            term_weight = self._loss_labels(data, sample_weight)
            term_weight = sample_weight if term_weight is None else term_weight
        if start != "continue":
            old_classes = self.classes_ if start == "head" and keep_classes else None
            if y_before_resampling is not None:
                # Count the classes as they were before resampling (see class_weight).
                loss_labels = self._check_y(y_before_resampling, len(y_before_resampling))
                self._set_labels(y, classes, loss_labels=loss_labels)
            else:
                # "balanced" counts weighted samples, so weights and repetition agree
                self._set_labels(y, classes, loss_labels=self._loss_labels(data, y),
                                 loss_weight=term_weight)
        Xt, yt = self._training_data(data, self._encode(y))
        if term_weight is not None:
            Xt = WeightedDataset(self.get_dataset(Xt, yt), term_weight)
        if epochs is not None:
            fit_params["epochs"] = epochs  # read by skorch's fit_loop
        with self._seed_context(continuing=start == "continue"), self._interruptible():
            if start == "new":
                self.initialize()
            elif start == "head":
                self._new_head(old_classes)
            super().partial_fit(Xt, yt, **fit_params)
        if start == "new" and self.retrain_head_epochs:
            # Kang et al.'s classifier re-training, as a parameter so that it composes in
            # a Pipeline and a cross-validation (see retrain_head_epochs)
            self.refit_head(X, y, self.retrain_head_epochs, sampling="class_balanced",
                            sample_weight=sample_weight,
                            y_before_resampling=y_before_resampling)
        return self

    def _new_head(self, old_classes):
        if not any(isinstance(cb, HeadOnlyTraining) for _, cb in self.callbacks_):
            raise ValueError(
                "refit_head freezes the network through the 'head_only' callback, which "
                "callbacks='disable' or callbacks__head_only=None removes.")
        old = self.module_.head
        head = nn.Linear(old.in_features, len(self.classes_)).to(old.weight.device)
        # A class the old head scored keeps its row (keep_classes=True): the head starts
        # from what the network already knows about it.
        kept = np.flatnonzero(np.isin(self.classes_, old_classes)) if (
            old_classes is not None) else []
        if len(kept):
            src = torch.as_tensor(np.searchsorted(old_classes, self.classes_[kept]))
            dst = torch.as_tensor(kept)
            with torch.no_grad():
                head.weight[dst] = old.weight[src.to(old.weight.device)]
                head.bias[dst] = old.bias[src.to(old.weight.device)]
        self.module_.head = head
        self.head_only_ = True
        # skorch's initialize() would also reset the history and callbacks: renew just these
        self.initialize_criterion()
        self.criterion_.to(old.weight.device)
        self.initialize_optimizer()

    def _training_data(self, data, y_enc):
        """What skorch trains on, from validated data (frame voting trains on frames)."""
        return data, y_enc

    def _loss_labels(self, data, y):
        """The label of each term of the training loss (one per sample here)."""
        return None

    def _forward_proba(self, data):
        with compat.resolved_device(self):
            return super().predict_proba(data)

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array-like or torch Dataset
            See the class docstring for the accepted shapes; a torch Dataset holds the
            module's own samples (skorch's validation split: frames, for frame voting).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Multi-label: the probability of each label (column ``j`` of ``y``),
            independent sigmoids that need not sum to 1.
        """
        if _held_out(X):
            return NeuralClassifierBase._forward_proba(self, X)
        return self._forward_proba(self._check_fitted_X(X))

    def predict(self, X):
        """Predicted labels (of the type of ``y`` in fit).

        Parameters
        ----------
        X : array-like or torch Dataset
            As for :meth:`predict_proba`. Labels come out whatever the input.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Multi-label: the indicator matrix of the labels of probability >= 0.5.
        """
        proba = self.predict_proba(X)
        if getattr(self, "multilabel_", False):
            return (proba >= 0.5).astype(np.int64)
        return self.classes_[proba.argmax(axis=1)]

    @classmethod
    def from_preset(cls, name, **overrides):
        """An instance configured as a paper configures it (see ``PRESETS``).

        The preset's callbacks are copied, so that two instances never share their state
        (a learning-rate schedule's step count, for instance).

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
        params = {**copy.deepcopy(presets[name]), **overrides}
        return cls(**params)

    def __repr__(self):
        # skorch's repr lists the modules; scikit-learn's lists the changed parameters.
        defaults = compat.init_signature(type(self))
        changed = []
        for k, v in self.get_params(deep=False).items():
            default = defaults.get(k, inspect.Parameter.empty)
            try:
                same = default is not inspect.Parameter.empty and bool(default == v)
            except Exception:  # arrays, tensors
                same = False
            if not same:
                changed.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _softmax(logits):
    return torch.softmax(logits, dim=-1)


def _target_labels(y):
    """The labels of a batch's target: the tensor, or its ``"y"`` when weighted."""
    return to_numpy(y["y"] if isinstance(y, Mapping) else y)


def _decode_targets(net, y):
    """The labels that encoded targets stand for (an indicator matrix stays as it is)."""
    if getattr(net, "multilabel_", False):
        return y
    return net.classes_[np.asarray(y, dtype=np.intp)]


def _held_out(X):
    """Whether ``X`` is a torch dataset of the module's own training samples (frames, for
    frame voting), such as the validation split skorch's scoring callbacks pass."""
    return isinstance(X, torch.utils.data.Dataset)
