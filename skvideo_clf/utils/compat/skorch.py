"""Every reliance on skorch internals, in one place.

:class:`~skvideo_clf.neural.NeuralClassifierBase` otherwise uses skorch's public extension
points (``initialize_module``, ``initialize_criterion``, ``get_dataset``, ``get_iterator``,
``get_default_callbacks``, ``forward_iter``, callbacks). What is left here depends on how
``skorch.NeuralNet`` behaves inside, not on what it documents:

- :data:`INIT_STATE`: the attributes ``NeuralNet.__init__`` sets besides its parameters.
- :func:`resolved_device` and :func:`setstate_resolving_auto`: skorch reads ``net.device``
  itself, at every call, and has no hook to map a device name.
- :class:`InitParamsMixin`: skorch's ``get_params`` reads the names from its private
  ``_get_param_names``, which lists ``__dict__``.
- :class:`OutputNonlinearityMixin`: ``predict_proba`` asks the private
  ``_get_predict_nonlinearity`` for the output's nonlinearity.
- :class:`InterruptibleTrainingMixin`: ``partial_fit`` catches ``KeyboardInterrupt``
  around ``fit_loop``.
- :func:`score_on_labels`: ``EpochScoring`` scores with the ``scoring_`` that its
  ``initialize`` sets.

Checked against skorch 1.4.0 (the installed version; pyproject allows skorch>=1.1).
``tests/utils/test_compat_skorch.py`` exercises each assumption against the installed
skorch, so an upgrade that breaks one fails there, by name.
"""

from __future__ import annotations

import contextlib
import inspect
import signal
import threading
from contextlib import contextmanager
from types import MappingProxyType

from sklearn.metrics import check_scoring
from skorch import NeuralNet, NeuralNetClassifier

from .._devices import resolve_device

__all__ = [
    "INIT_STATE",
    "InitParamsMixin",
    "InterruptibleTrainingMixin",
    "OutputNonlinearityMixin",
    "drop_init_state",
    "init_signature",
    "resolved_device",
    "score_on_labels",
    "setstate_resolving_auto",
]

#: What ``NeuralNet.__init__`` sets besides its parameters, with the values it sets.
#: scikit-learn wants nothing but the parameters in ``__dict__`` before fit, so the
#: classifiers keep these as class-level defaults and drop the instance copies.
INIT_STATE = MappingProxyType({
    "history_": None,
    "initialized_": False,
    "virtual_params_": MappingProxyType({}),
})


def drop_init_state(net):
    """Remove the :data:`INIT_STATE` attributes skorch's ``__init__`` set on ``net``."""
    for name in INIT_STATE:
        vars(net).pop(name, None)


@contextmanager
def resolved_device(net):
    """``net.device`` as a concrete device while skorch runs; ``"auto"`` again after.

    skorch reads ``self.device`` directly (``to_device`` when initializing, ``infer``,
    ``get_loss``), so the parameter itself must name a torch device while skorch runs.
    ``"auto"`` stays the parameter outside (``get_params`` must not change in fit).
    """
    if net.device != "auto":
        yield
        return
    vars(net)["device"] = resolve_device("auto")
    try:
        yield
    finally:
        vars(net)["device"] = "auto"


def setstate_resolving_auto(setstate, net, state):
    """Run skorch's ``__setstate__`` on ``state`` with ``device="auto"`` resolved.

    skorch's ``__setstate__`` maps the pickled tensors to ``torch.device(state["device"])``,
    which refuses ``"auto"``; the parameter is ``"auto"`` again once loaded.
    """
    auto = state.get("device") == "auto"
    if auto:
        state["device"] = resolve_device("auto")
    setstate(state)
    if auto:
        vars(net)["device"] = "auto"


# skorch's own arguments, which a net built on it sets itself (module, criterion) or leaves at
# skorch's defaults: never parameters of the net, unless its own __init__ lists them.
_SKORCH_PARAMS = frozenset(
    p.name for init in (NeuralNet.__init__, NeuralNetClassifier.__init__)
    for p in inspect.signature(init).parameters.values()
    if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))


def init_signature(cls):
    """Name -> default of the arguments of every ``__init__`` of ``cls`` above skorch's."""
    params = {}
    for klass in cls.__mro__:
        if klass.__module__.split(".")[0] == "skorch":
            break
        init = klass.__dict__.get("__init__")
        if init is not None:
            for p in inspect.signature(init).parameters.values():
                if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    params.setdefault(p.name, p.default)
    return params


class InitParamsMixin:
    """Parameters as scikit-learn has them: the arguments of the ``__init__`` methods.

    skorch's ``get_params`` takes the names from ``_get_param_names``, which skorch makes
    list ``__dict__`` (so ``module``, ``criterion`` and skorch's other arguments too). Mixed
    in before ``NeuralNet``, the names are the arguments of every ``__init__`` above skorch's
    (:func:`init_signature`), plus the extra keyword arguments set on the net: skorch's
    dunder parameters, or a typo that skorch's own check reports at fit; as parameters,
    ``clone()`` and ``set_params()`` keep them.
    """

    def _get_param_names(self):
        names = list(init_signature(type(self)))
        names += sorted(k for k in vars(self) if k not in names and k not in _SKORCH_PARAMS
                        and not k.startswith("_") and not k.endswith("_"))
        return names


class OutputNonlinearityMixin:
    """Lets a net choose the nonlinearity ``predict_proba`` applies to the module's output.

    skorch's ``predict_nonlinearity="auto"`` picks it in the private
    ``_get_predict_nonlinearity``: softmax after a cross-entropy criterion, and two columns
    for a ``BCEWithLogitsLoss`` (binary). A net mixing this in before
    ``NeuralNetClassifier`` returns its own from :meth:`_output_nonlinearity`, or None for
    skorch's choice.
    """

    def _output_nonlinearity(self):
        return None

    def _get_predict_nonlinearity(self):
        own = self._output_nonlinearity()
        return own if own is not None else super()._get_predict_nonlinearity()


class _Interrupted(BaseException):  # noqa: N818  (internal carrier of a KeyboardInterrupt)
    """A KeyboardInterrupt on its way past skorch's ``except KeyboardInterrupt``."""


@contextlib.contextmanager
def _noting_sigint():
    """Yield a list that receives the signal number when SIGINT arrives (main thread only)."""
    pressed = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed
        return
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):  # SIG_IGN / SIG_DFL: nothing raises KeyboardInterrupt
        yield pressed
        return

    def on_sigint(signum, frame):
        pressed.append(signum)
        previous(signum, frame)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


class InterruptibleTrainingMixin:
    """Makes a real Ctrl-C abort skorch training unless ``on_interrupt="stop"``.

    skorch's ``NeuralNet.partial_fit`` catches ``KeyboardInterrupt`` around ``fit_loop`` and
    returns normally, so a Ctrl-C would leave an under-trained model that a script, a grid
    search or ``skvideo-clf fit`` takes for a finished one. skorch's callbacks also end
    training by raising ``KeyboardInterrupt`` (``EarlyStopping``), and that must still just
    stop; so a real SIGINT is told apart by a handler that notes it, and carried past
    skorch's ``except`` in a type it does not catch.

    Mixed in before :class:`skorch.NeuralNet`; the estimator has an ``on_interrupt``
    parameter (``"raise"`` or ``"stop"``) and trains inside :meth:`_interruptible`.
    """

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        with _noting_sigint() as pressed:
            try:
                return super().fit_loop(X, y, epochs=epochs, **fit_params)
            except KeyboardInterrupt:
                if pressed and getattr(self, "on_interrupt", "raise") == "raise":
                    raise _Interrupted from None
                raise

    @contextlib.contextmanager
    def _interruptible(self):
        """Turn the carried interrupt back into a ``KeyboardInterrupt`` for the caller."""
        try:
            yield
        except _Interrupted:
            raise KeyboardInterrupt(
                f"{type(self).__name__}: training interrupted (on_interrupt='raise'); use "
                "on_interrupt='stop' to keep a model trained up to the interrupt.") from None


class _LabelScorer:
    """A scorer called with encoded targets that scores on the labels they encode."""

    def __init__(self, scoring, decode):
        self.scoring = scoring
        self.decode = decode

    def __call__(self, net, X, y=None):
        scorer = check_scoring(net, self.scoring)
        return scorer(net, X, None if y is None else self.decode(net, y))


def score_on_labels(callback, decode):
    """Make an initialized ``EpochScoring`` score on labels, not on encoded targets.

    On skorch's validation split the targets reach a scoring callback as the net batched
    them (encoded labels), while ``predict`` answers in labels. ``EpochScoring.initialize``
    sets ``scoring_`` from ``scoring``, and its scoring step calls
    ``check_scoring(net, scoring_)(net, X, y)``: wrapping ``scoring_`` after ``initialize``
    hands the scorer ``decode(net, y)`` instead, whatever the scoring (a name, a scorer, a
    ``(net, X, y)`` function or None for ``net.score``); ``initialize`` undoes it.

    Parameters
    ----------
    callback : skorch.callbacks.EpochScoring
        Initialized (``callback.initialize()`` was called).
    decode : callable
        ``decode(net, y_encoded) -> y``.

    Returns
    -------
    callback
    """
    if not isinstance(callback.scoring_, _LabelScorer):
        callback.scoring_ = _LabelScorer(callback.scoring_, decode)
    return callback
