"""What Ctrl-C does during training: abort (the default) or skorch's stop-and-keep.

skorch's ``NeuralNet.partial_fit`` catches ``KeyboardInterrupt`` around ``fit_loop`` and
returns normally, so a Ctrl-C would leave an under-trained model that a script, a grid
search or ``skvideo-clf fit`` takes for a finished one. skorch's callbacks also end training
by raising ``KeyboardInterrupt`` (``EarlyStopping``), and that must still just stop; so a real
SIGINT is told apart by a handler that notes it, and carried past skorch's ``except`` in a
type it does not catch.
"""

from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["InterruptibleTrainingMixin"]


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
