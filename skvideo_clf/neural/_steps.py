"""Classifiers that learn from the steps of a video (frames, flow stacks) one at a time.

:class:`StepwiseMixin` gives a :class:`~skvideo_clf.neural.NeuralClassifierBase` subclass
the frame-voting scheme of the UCF101 thesis and of the two-stream networks: every step of
a video is a training sample with its video's label, a video's probabilities are its steps'
averaged, and ``transform`` returns a layer's activations per step, in the form of ``X``.
The validated data are ``(steps, lengths)``: a ``(n, T, ...)`` array or a list of
``(T_i, ...)`` arrays, and each video's number of real (unpadded) steps. Data of any other
form (one step per sample, such as single flow stacks) go to the base class unchanged.
"""

from __future__ import annotations

import numpy as np
import torch

from ..utils import object_array
from ..utils.compat.skorch import resolved_device

__all__ = ["StepwiseMixin", "real_steps"]


def real_steps(data):
    """The real steps of validated ``(steps, lengths)``, stacked: ``(sum(lengths), ...)``."""
    seqs, lengths = data
    if isinstance(seqs, np.ndarray):
        if bool((lengths == seqs.shape[1]).all()):
            return seqs.reshape(-1, *seqs.shape[2:])
        return seqs[np.arange(seqs.shape[1]) < lengths[:, None]]
    return np.concatenate([s[:n] for s, n in zip(seqs, lengths)])


def _per_video(data):
    return isinstance(data, tuple)


class StepwiseMixin:
    """Train on steps labelled by their video, average the steps' probabilities per video.

    Put before :class:`~skvideo_clf.neural.NeuralClassifierBase` in the bases; the
    subclass validates ``X`` into ``(steps, lengths)`` in its ``_prepare_X``.
    """

    def _training_data(self, data, y_enc):
        if not _per_video(data):
            return super()._training_data(data, y_enc)
        return real_steps(data), np.repeat(y_enc, data[1], axis=0)

    def _loss_labels(self, data, y):
        # the loss sums over steps: with videos of different lengths, "balanced" weighs
        # classes by their steps, not by their videos
        if not _per_video(data):
            return super()._loss_labels(data, y)
        return np.repeat(np.asarray(y), data[1], axis=0)

    def _step_proba(self, data):
        """``(probabilities of every real step, lengths)``."""
        return super()._forward_proba(real_steps(data)), data[1]

    def _forward_proba(self, data):
        if not _per_video(data):
            return super()._forward_proba(data)
        proba, lengths = self._step_proba(data)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        return np.add.reduceat(proba, starts, axis=0) / lengths[:, None]

    def _activations(self, layer, inputs):
        """The output of ``layer`` (a submodule of ``module_``) on ``inputs``, float32."""
        features = []
        # forward_iter runs the batches (eval mode: no dropout, no gradients, batch_size,
        # device); the layer's output is caught on its way to the next one.
        hook = layer.register_forward_hook(
            lambda module, args, out: features.append(out.cpu()))
        try:
            with resolved_device(self):
                for _ in self.forward_iter(inputs):
                    pass
        finally:
            hook.remove()
        return torch.cat(features).numpy().astype(np.float32, copy=False)

    def _step_activations(self, layer, data, *, ragged, flat):
        """``layer``'s activations of every step, in the form of the input.

        ``ragged``: a 1-D object array of ``(T_i, width)``; ``flat`` (one step per video):
        ``(n, width)``; otherwise ``(n, T, width)``. Padding steps stay all-zero steps.
        """
        acts = self._activations(layer, real_steps(data))
        seqs, lengths = data
        if ragged:
            ends = np.cumsum(lengths)
            out = []
            for s, n, end in zip(seqs, lengths, ends):
                seq = np.zeros((len(s), acts.shape[1]), np.float32)
                seq[:n] = acts[end - n:end]
                out.append(seq)
            return object_array(out)
        if flat:
            return acts
        out = np.zeros((len(lengths), seqs.shape[1], acts.shape[1]), np.float32)
        out[np.arange(seqs.shape[1]) < lengths[:, None]] = acts
        return out
