"""Each private name of scikit-learn, imbalanced-learn and torch that skvideo_clf.utils.compat
lends the library, against the installed versions: an upgrade that changes one fails here,
by name. (skorch's: test_compat_skorch.py.)"""

import pickle
from numbers import Integral

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.base import BaseSampler
from sklearn.base import BaseEstimator

from skvideo_clf.utils.compat import imblearn as imblearn_compat
from skvideo_clf.utils.compat import sklearn as sklearn_compat
from skvideo_clf.utils.compat import torch as torch_compat


class _Counted(BaseEstimator):
    _parameter_constraints = {"a": [sklearn_compat.Interval(Integral, 0, None, closed="left")]}

    def __init__(self, a=1):
        self.a = a

    @sklearn_compat.fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        self.fitted_ = True
        return self


def test_fit_context_validates_the_parameter_constraints():
    assert _Counted(a=2).fit().fitted_
    with pytest.raises(sklearn_compat.InvalidParameterError, match="'a' parameter of _Counted"):
        _Counted(a=-1).fit()
    assert issubclass(sklearn_compat.InvalidParameterError, ValueError)


def test_constraint_classes_and_validators():
    c = sklearn_compat
    constraints = {"x": [c.StrOptions({"a"}), c.Options(Integral, {-1}), c.HasMethods("fit"),
                         c.Hidden(c.StrOptions({"h"})), c.Interval(c.RealNotInt, 0, 1,
                                                                    closed="neither")]}
    c.validate_parameter_constraints(constraints, {"x": "a"}, caller_name="f")
    c.validate_parameter_constraints(constraints, {"x": -1}, caller_name="f")
    c.validate_parameter_constraints(constraints, {"x": 0.5}, caller_name="f")
    with pytest.raises(c.InvalidParameterError):  # RealNotInt: 1 is no float in (0, 1)
        c.validate_parameter_constraints({"x": [c.Interval(c.RealNotInt, 0, 1, closed="both")]},
                                         {"x": 1}, caller_name="f")
    with pytest.raises(c.InvalidParameterError, match="must be a str among"):
        c.validate_parameter_constraints(constraints, {"x": "b"}, caller_name="f")

    @c.validate_params({"n": [c.Interval(Integral, 1, None, closed="left")]},
                       prefer_skip_nested_validation=True)
    def f(n):
        return n

    assert f(3) == 3
    with pytest.raises(c.InvalidParameterError):
        f(0)


def test_check_sample_weight_and_safe_indexing():
    w = sklearn_compat.check_sample_weight(None, np.empty((3, 0)), dtype=np.float32)
    assert w.dtype == np.float32 and w.tolist() == [1, 1, 1]
    with pytest.raises(ValueError, match="[Nn]egative"):
        sklearn_compat.check_sample_weight([1, -1], np.empty(2), ensure_non_negative=True)
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=[7, 8, 9])
    assert sklearn_compat.safe_indexing(frame, [2, 0]).index.tolist() == [9, 7]
    assert sklearn_compat.safe_indexing([[1], [2], [3]], np.array([1])) == [[2]]


def test_check_feature_names_in():
    est = _Counted().fit()
    with pytest.raises(ValueError, match="without n_features_in_"):
        sklearn_compat.check_feature_names_in(est, None)
    est.n_features_in_ = 2
    assert sklearn_compat.check_feature_names_in(est, None).tolist() == ["x0", "x1"]
    est.feature_names_in_ = np.array(["a", "b"], dtype=object)
    assert sklearn_compat.check_feature_names_in(est, None).tolist() == ["a", "b"]
    with pytest.raises(ValueError):
        sklearn_compat.check_feature_names_in(est, ["a", "c"])


def test_base_composition_params_over_named_estimators():
    class Members(sklearn_compat.BaseComposition):
        def __init__(self, members):
            self.members = members

        @property
        def _members(self):  # (name, estimator) pairs, as LateFusionClassifier gives them
            return [(n, e) for n, e, _ in self.members]

        @_members.setter
        def _members(self, value):
            self.members = [(n, e, s) for (n, e), (_, _, s) in zip(value, self.members)]

        def get_params(self, deep=True):
            return self._get_params("_members", deep=deep)

        def set_params(self, **params):
            self._set_params("_members", **params)
            return self

    m = Members([("one", _Counted(a=1), 0)])
    assert m.get_params()["one__a"] == 1
    m.set_params(one__a=5)
    assert m.members[0][1].a == 5


def test_imblearn_fit_resample_calls_check_X_y_then_fit_resample():
    calls = []

    class Sampler(BaseSampler):
        _sampling_type = "bypass"
        _parameter_constraints: dict = {}

        def _check_X_y(self, X, y):
            calls.append("check")
            return np.asarray(X), np.asarray(y), False

        def _fit_resample(self, X, y):
            calls.append("resample")
            return X[::-1], y[::-1]

    X_res, y_res = Sampler().fit_resample([[1], [2], [3]], [0, 1, 1])
    assert calls == ["check", "resample"]
    assert X_res == [[3], [2], [1]] and y_res == [1, 1, 0]  # lists in, lists out


def test_arrays_transformer_restores_the_input_containers():
    X = pd.DataFrame({"a": [1.0, 2.0]}, index=[5, 6])
    y = pd.Series([0, 1], name="label")
    X_res, y_res = imblearn_compat.ArraysTransformer(X, y).transform(
        np.array([[2.0], [1.0], [1.0]]), np.array([1, 0, 0]))
    assert list(X_res.columns) == ["a"] and y_res.name == "label"
    assert (y_res.index == X_res.index).all()
    X_res, y_res = imblearn_compat.ArraysTransformer([[1]], [0]).transform(
        np.array([[1]]), np.array([0]))
    assert X_res == [[1]] and y_res == [0]


def test_tensors_unpickle_through_load_from_bytes(monkeypatch):
    # pickle names the function, so the module attribute is what a load calls
    payload = pickle.dumps(torch.arange(3.0))
    assert b"_load_from_bytes" in payload
    original = torch.storage._load_from_bytes
    seen = []
    real_load = torch.load

    def load(*args, **kwargs):
        seen.append(kwargs.get("map_location"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", load)
    with torch_compat.cuda_storages_on_cpu():
        assert torch.storage._load_from_bytes is not original
        t = pickle.loads(payload)
    assert torch.storage._load_from_bytes is original
    assert t.tolist() == [0.0, 1.0, 2.0] and seen == ["cpu"]
