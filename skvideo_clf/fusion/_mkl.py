"""lp-norm multiple kernel learning over per-stream chi2 kernels (the hybrid framework's SVM-MKL).

Written here rather than taken from a library: the maintained Python MKL package (MKLpy)
is GPL-3, which a BSD library cannot depend on, and the alternating scheme of Kloft et
al. needs nothing beyond scikit-learn's SVC.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval

from ._chi2_svc import _BaseChi2KernelSVC

__all__ = ["MKLClassifier"]


def _ovo_squared_norms(svc, K):
    """``alpha^T Y K Y alpha`` for each one-vs-one sub-problem of a fitted precomputed SVC.

    ``svc`` was fitted on some kernel; ``K`` is any (n_train, n_train) kernel (here one
    stream's). For the pair of classes (i, j), the signed dual coefficients of class i's
    support vectors sit in row ``j - 1`` of ``dual_coef_`` and those of class j's in row
    ``i`` (the layout that :func:`sklearn.svm._base._one_vs_one_coef` reads), so the pair's
    weight vector is ``w = sum_s a_s phi(x_s)`` and ``||w||^2 = a^T K[s, s] a``.

    Returns
    -------
    norms : ndarray of shape (n_classes * (n_classes - 1) / 2,)
    """
    dual = svc.dual_coef_
    support = svc.support_
    starts = np.concatenate([[0], np.cumsum(svc.n_support_)])
    n_classes = len(svc.n_support_)
    out = []
    for i in range(n_classes):
        block_i = slice(starts[i], starts[i + 1])
        for j in range(i + 1, n_classes):
            block_j = slice(starts[j], starts[j + 1])
            a = np.concatenate([dual[j - 1, block_i], dual[i, block_j]])
            idx = np.concatenate([support[block_i], support[block_j]])
            out.append(a @ K[np.ix_(idx, idx)] @ a)
    return np.maximum(np.asarray(out, dtype=float), 0.0)


class MKLClassifier(_BaseChi2KernelSVC):
    """lp-norm multiple kernel learning SVM over per-stream chi2 kernels (SVM-MKL).

    Learns kernel weights ``beta`` (``||beta||_p = 1``, ``beta >= 0``) for the combined
    kernel ``K = sum_m beta_m K_m`` with the alternating scheme of Kloft, Brefeld,
    Sonnenburg and Zien, "lp-Norm Multiple Kernel Learning", JMLR 12 (2011), section 4:

    1. fit ``SVC(kernel="precomputed")`` on ``K`` with the current ``beta``;
    2. for each stream, ``||w_m||^2 = beta_m^2 * alpha^T Y K_m Y alpha`` from the SVC's
       dual coefficients; for multi-class (SVC's one-vs-one) summed over the binary
       sub-problems, which share the kernel weights;
    3. closed-form update ``beta_m ∝ ||w_m||^(2 / (p + 1))``, normalized to
       ``||beta||_p = 1``;

    until no weight moves by more than ``mkl_tol`` or ``mkl_max_iter`` rounds have run.
    ``p=2`` is the hybrid framework's setting (about ten rounds on small problems); ``p -> 1``
    gives
    sparser weights and needs more rounds, large ``p`` weights close to uniform. Each
    stream's kernel is an exponential chi2 kernel with its own ``gamma`` as in
    :class:`EarlyFusionSVC`.

    Parameters
    ----------
    streams : dict of str to slice or sequence of int, "prefix" or None, default=None
        ``"prefix"``: the ``<stream>__`` prefixes of the column names of a DataFrame ``X``
        (e.g. from ``FeatureUnion(...).set_output(transform="pandas")``), see
        :func:`skvideo_clf.streams.streams_from_feature_names`. Otherwise:
        Column blocks of ``X`` by name (see :func:`skvideo_clf.streams.resolve_streams`).
        ``None`` is a single stream (weight 1).
    p : float, default=2.0
        The norm on the kernel weights, ``p >= 1``.
    mkl_max_iter : int, default=100
        Most rounds of SVM fit + weight update.
    mkl_tol : float, default=1e-4
        Stop when the largest change of a kernel weight falls below this.
    C, gamma, negative, class_weight, probability, tol, max_iter, random_state
        As in :class:`Chi2SVC`.

    Attributes
    ----------
    kernel_weights_ : ndarray of shape (n_streams,)
        The learned ``beta``, in the order of ``streams``, ``||beta||_p = 1``.
    stream_weights_ : dict of str to float
        The same by stream name.
    n_iter_ : int
        Rounds run.
    converged_ : bool
        Whether the weights settled within ``mkl_tol`` before ``mkl_max_iter``.
    weight_history_ : ndarray of shape (n_iter_ + 1, n_streams)
        ``beta`` at the start and after every round.
    classes_, svc_, calibrator_, gammas_, stream_columns_, support_vectors_, shift_, n_train_, \
n_features_in_
        As in :class:`EarlyFusionSVC`; ``svc_`` is fitted on the final weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.fusion import MKLClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1], 30)
    >>> informative = rng.rand(60, 4) + y[:, None] * 0.5
    >>> noise = rng.rand(60, 4)
    >>> X = np.hstack([informative, noise])
    >>> mkl = MKLClassifier(streams={"good": slice(0, 4), "noise": slice(4, 8)}).fit(X, y)
    >>> bool(mkl.stream_weights_["good"] > mkl.stream_weights_["noise"])
    True
    >>> round(float(np.sum(mkl.kernel_weights_ ** 2)), 6)  # ||beta||_2 = 1
    1.0
    """

    _counts_own_iterations = True

    _parameter_constraints: dict = {
        **_BaseChi2KernelSVC._parameter_constraints,
        "p": [Interval(Real, 1, None, closed="left")],
        "mkl_max_iter": [Interval(Integral, 1, None, closed="left")],
        "mkl_tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        streams=None,
        p=2.0,
        *,
        mkl_max_iter=100,
        mkl_tol=1e-4,
        C=1.0,
        gamma="auto",
        negative="raise",
        class_weight=None,
        probability=False,
        tol=1e-3,
        max_iter=-1,
        random_state=None,
    ):
        self.streams = streams
        self.p = p
        self.mkl_max_iter = mkl_max_iter
        self.mkl_tol = mkl_tol
        self.C = C
        self.gamma = gamma
        self.negative = negative
        self.class_weight = class_weight
        self.probability = probability
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _selected_streams(self, n_features):
        return self._resolve_streams(n_features)

    def _fit_kernel_weights(self, kernels, y, sample_weight):
        p = float(self.p)
        n_kernels = len(kernels)
        beta = np.full(n_kernels, n_kernels ** (-1.0 / p))
        history = [beta.copy()]
        # Probability calibration (5 more fits) is only needed for the final SVC.
        svc = self._svc()
        self.converged_ = False
        for n_iter in range(1, self.mkl_max_iter + 1):
            self.n_iter_ = n_iter
            svc.fit(sum(b * K for b, K in zip(beta, kernels) if b > 0), y,
                    sample_weight=sample_weight)
            w_sq = np.array(
                [b**2 * _ovo_squared_norms(svc, K).sum() for b, K in zip(beta, kernels)]
            )
            if not np.any(w_sq > 0):
                # No support vector carries weight (degenerate data): keep beta.
                self.converged_ = True
                break
            new = w_sq ** (1.0 / (p + 1.0))
            new /= np.linalg.norm(new, ord=p)
            change = float(np.max(np.abs(new - beta)))
            beta = new
            history.append(beta.copy())
            if change < self.mkl_tol:
                self.converged_ = True
                break
        if not self.converged_:
            warnings.warn(
                f"MKLClassifier: the kernel weights did not settle within mkl_max_iter="
                f"{self.mkl_max_iter} rounds (last change {change:.2g} > mkl_tol="
                f"{self.mkl_tol}); raise mkl_max_iter or mkl_tol.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.weight_history_ = np.array(history)
        self.kernel_weights_ = beta
        return beta
