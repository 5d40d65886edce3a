"""Named column blocks shared by every multi-stream estimator."""

import numpy as np
import pytest

from skvideo_clf.streams import resolve_streams, streams_from_sizes


def test_slices_and_index_lists_resolve_to_columns():
    cols = resolve_streams({"spatial": slice(0, 3), "motion": [5, 3]}, n_features=6)
    assert list(cols) == ["spatial", "motion"]
    assert cols["spatial"].tolist() == [0, 1, 2] and cols["motion"].tolist() == [5, 3]
    assert resolve_streams(None, 4)["all"].tolist() == [0, 1, 2, 3]
    assert resolve_streams({"tail": slice(2, None)}, 4)["tail"].tolist() == [2, 3]


def test_sizes_make_consecutive_blocks():
    streams = streams_from_sizes(a=2, b=3)
    x = np.arange(5)
    cols = resolve_streams(streams, 5)
    assert x[cols["a"]].tolist() == [0, 1] and x[cols["b"]].tolist() == [2, 3, 4]
    with pytest.raises(ValueError, match="Stream 'b'"):
        streams_from_sizes(a=2, b=0)


@pytest.mark.parametrize("streams, match", [
    ({"a": slice(0, 9)}, "reaches past"),
    ({"a": [0, 7]}, "outside"),
    ({"a": slice(4, 4)}, "selects no columns"),
    ({"a": np.array([True, False])}, "not a mask"),
    ({1: slice(0, 2)}, "strings"),
    ({}, "non-empty dict"),
    ([slice(0, 2)], "non-empty dict"),
])
def test_bad_streams_name_the_problem(streams, match):
    with pytest.raises(ValueError, match=match):
        resolve_streams(streams, n_features=5)


def _two_branch_union():
    from sklearn.pipeline import FeatureUnion

    from skvideo_clf.features import TemporalPooling

    return FeatureUnion([("spatial", TemporalPooling()),
                         ("motion", TemporalPooling(method="mean_max"))])


def test_pooling_names_its_columns_and_sets_output():
    from skvideo_clf.features import TemporalPooling

    X = np.random.RandomState(0).rand(4, 3, 2).astype(np.float32)
    pool = TemporalPooling(method="mean_max").fit(X)
    assert pool.get_feature_names_out().tolist() == ["mean_x0", "mean_x1", "max_x0", "max_x1"]
    assert pool.get_feature_names_out(["r", "g"]).tolist() == [
        "mean_r", "mean_g", "max_r", "max_g"]
    df = pool.set_output(transform="pandas").transform(X)
    assert df.columns.tolist() == ["mean_x0", "mean_x1", "max_x0", "max_x1"]
    np.testing.assert_allclose(df.to_numpy()[:, :2], X.mean(axis=1), rtol=1e-6)


def test_streams_from_the_union_prefixes():
    from skvideo_clf.streams import streams_from_feature_names

    X = np.random.RandomState(0).rand(6, 3, 2).astype(np.float32)
    union = _two_branch_union().fit(X)
    cols = streams_from_feature_names(union.get_feature_names_out())
    assert {k: v.tolist() for k, v in cols.items()} == {
        "spatial": [0, 1], "motion": [2, 3, 4, 5]}
    with pytest.raises(ValueError, match="no.*prefix|have none"):
        streams_from_feature_names(["spatial__a", "b"])
    with pytest.raises(ValueError, match="DataFrame"):
        resolve_streams("prefix", 4)


def test_fusion_estimators_take_streams_from_prefixes():
    from sklearn.pipeline import make_pipeline

    from skvideo_clf.fusion import Chi2SVC, EarlyFusionSVC, LateFusionClassifier, MKLClassifier

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 10)
    X = rng.rand(20, 4, 2).astype(np.float32) + y[:, None, None] * [0.5, 0.0]
    union = _two_branch_union().set_output(transform="pandas")
    by_hand = {"spatial": slice(0, 2), "motion": slice(2, 6)}
    Xu = union.fit_transform(X).to_numpy()
    for named, manual in [
        (EarlyFusionSVC(streams="prefix"), EarlyFusionSVC(streams=by_hand)),
        (MKLClassifier(streams="prefix"), MKLClassifier(streams=by_hand)),
        (Chi2SVC(streams="prefix", stream="motion"), Chi2SVC(streams=by_hand, stream="motion")),
    ]:
        pipe = make_pipeline(union, named).fit(X, y)
        assert list(pipe[-1].stream_columns_) == ["spatial", "motion"][
            ("motion" == getattr(named, "stream", None)):]
        np.testing.assert_allclose(pipe.decision_function(X),
                                   manual.fit(Xu, y).decision_function(Xu), atol=1e-6)
    lf = LateFusionClassifier([("s", Chi2SVC(probability=True, random_state=0), "spatial"),
                               ("m", Chi2SVC(probability=True, random_state=0), "motion")],
                              streams="prefix")
    pipe = make_pipeline(union, lf).fit(X, y)
    assert pipe[-1].stream_columns_["motion"].tolist() == [2, 3, 4, 5]
    with pytest.raises(ValueError, match="DataFrame"):
        EarlyFusionSVC(streams="prefix").fit(Xu, y)


def test_make_stream_union_feeds_prefix_streams_to_fusion():
    from sklearn.pipeline import make_pipeline

    from skvideo_clf.fusion import EarlyFusionSVC
    from skvideo_clf.streams import make_stream_union

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 10)
    X = rng.rand(20, 4, 2).astype(np.float32) + y[:, None, None] * [0.5, 0.0]
    ref = _two_branch_union()
    union = make_stream_union(ref.transformer_list)
    pipe = make_pipeline(union, EarlyFusionSVC(streams="prefix")).fit(X, y)
    assert list(pipe[-1].stream_columns_) == [name for name, _ in ref.transformer_list]
    Xu = ref.fit_transform(X)
    manual = EarlyFusionSVC(streams={"spatial": slice(0, 2), "motion": slice(2, 6)})
    np.testing.assert_allclose(pipe.decision_function(X),
                               manual.fit(Xu, y).decision_function(Xu), atol=1e-6)
    with pytest.raises(ValueError, match="free of '__'"):
        make_stream_union([("a__b", ref.transformer_list[0][1])])
    with pytest.raises(ValueError, match="pairs"):
        make_stream_union([ref.transformer_list[0][1]])
