"""Training the class layer alone (the low-complexity RNN paper's transfer), a skorch callback.

:meth:`~skvideo_clf.neural.NeuralClassifierBase.refit_head` puts a new ``module_.head`` in
place and sets ``head_only_``; :class:`HeadOnlyTraining`, one of every classifier's default
callbacks, then keeps everything but the head as it is while the net trains.
"""

from __future__ import annotations

from skorch.callbacks import Freezer

__all__ = ["HeadOnlyTraining"]


def _outside_head(name):
    return not name.startswith("head.")


def _head_only(net):
    return getattr(net, "head_only_", False)


def _body_in_eval(module, args):
    # skorch switches the whole module to train mode before every training step; frozen
    # layers must keep their batch-norm statistics and run without dropout.
    for name, child in module.named_children():
        if name != "head":
            child.eval()


class HeadOnlyTraining(Freezer):
    """While ``net.head_only_`` is set, train nothing but ``net.module_.head``.

    skorch's :class:`~skorch.callbacks.Freezer` freezes every parameter outside the head
    at each epoch's start; on top of that, the frozen layers stay in eval mode during
    training (batch-norm statistics kept, no dropout).

    Parameters
    ----------
    patterns, at, **kwargs
        As for :class:`~skorch.callbacks.Freezer`; the defaults select every parameter
        outside ``head`` whenever ``net.head_only_`` is true.

    Examples
    --------
    >>> from skvideo_clf.neural import LSTMClassifier
    >>> type(dict(LSTMClassifier().get_default_callbacks())["head_only"]).__name__
    'HeadOnlyTraining'
    """

    def __init__(self, patterns=_outside_head, at=_head_only, **kwargs):
        super().__init__(patterns, at=at, **kwargs)

    def named_parameters(self, net):
        # Freezer looks among the learnable parameters, which in head-only training are
        # the head's alone: look at the whole module instead.
        return net.module_.named_parameters()

    def on_train_begin(self, net, **kwargs):
        self._remove_hook()
        if self.at(net):
            self.hook_ = net.module_.register_forward_pre_hook(_body_in_eval)

    def on_train_end(self, net, **kwargs):
        self._remove_hook()

    def _remove_hook(self):
        hook = vars(self).pop("hook_", None)
        if hook is not None:
            hook.remove()
