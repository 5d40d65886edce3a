"""Every reliance on skorch internals, in one place.

:class:`~skvideo_clf.neural.NeuralClassifierBase` otherwise uses skorch's public extension
points (``initialize_module``, ``initialize_criterion``, ``get_dataset``, ``get_iterator``,
``get_default_callbacks``, ``forward_iter``, callbacks). What is left here depends on how
``skorch.NeuralNet`` behaves inside, not on what it documents:

- :data:`INIT_STATE`: the attributes ``NeuralNet.__init__`` sets besides its parameters.
- :func:`resolved_device` and :func:`setstate_resolving_auto`: skorch reads ``net.device``
  itself, at every call, and has no hook to map a device name.

Checked against skorch 1.4.0 (the installed version; pyproject allows skorch>=1.1).
``tests/neural/test_skorch_compat.py`` exercises each assumption against the installed
skorch, so an upgrade that breaks one fails there, by name.
"""

from __future__ import annotations

from contextlib import contextmanager
from types import MappingProxyType

from ..utils import resolve_device

__all__ = ["INIT_STATE", "drop_init_state", "resolved_device", "setstate_resolving_auto"]

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
