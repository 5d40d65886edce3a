"""all_estimators(): what it finds and how type_filter selects."""

import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from skvideo_clf.utils.discovery import all_estimators


def test_every_estimator_once_sorted_and_concrete():
    found = all_estimators()
    names = [name for name, _ in found]
    assert names == sorted(set(names))
    assert all(issubclass(cls, BaseEstimator) and cls.__name__ == name
               and cls.__module__.startswith("skvideo_clf.") for name, cls in found)
    # bases (NeuralClassifierBase, the private _Base* classes) are not estimators to check
    assert not [n for n in names if n.startswith("_") or "Base" in n]
    assert {"LSTMClassifier", "LateFusionClassifier", "TemporalPooling",
            "BootstrapSampler", "OpticalFlowTransformer"} <= set(names)


def test_type_filter():
    classifiers = dict(all_estimators("classifier"))
    assert classifiers and all(issubclass(cls, ClassifierMixin) for cls in classifiers.values())
    assert "Chi2SVC" in classifiers and "TemporalPooling" not in classifiers
    featurizers = dict(all_estimators("featurizer"))
    assert set(featurizers) == {"InceptionFrameTransformer", "LowLevelFrameTransformer",
                                "OpticalFlowTransformer", "FrameFeatureTransformer",
                                "FunctionFrameTransformer"}
    transformers = dict(all_estimators("transformer"))
    # MotionCNNClassifier and FrameVotingClassifier are both: they also map their input to
    # their hidden features (fc6 of the motion CNN, the UCF101 thesis's FC-1024 activations)
    assert set(featurizers) | {"TemporalPooling", "MotionCNNClassifier",
                               "FrameVotingClassifier"} == set(transformers)
    union = dict(all_estimators(["sampler", "featurizer"]))
    assert set(union) == set(featurizers) | {"BootstrapSampler", "MLROSSampler",
                                             "SpatioTemporalOversampler"}


@pytest.mark.parametrize("bad", ["regressor", ["classifier", "cluster"]])
def test_unknown_type_filter_is_refused(bad):
    with pytest.raises(ValueError, match="type_filter must be None or among"):
        all_estimators(bad)
