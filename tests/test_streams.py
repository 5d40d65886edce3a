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
