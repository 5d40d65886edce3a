"""Internal helpers shared across the library: validation, devices, atomic writes, docs.

Public so that user-written featurizers and classifiers validate and write exactly as the
library's own do. :mod:`skvideo_clf.utils.discovery` (``all_estimators``) is a public module
of its own, not imported here: it imports every subpackage of the library.
"""

from ._arrays import object_array
from ._devices import available_memory, resolve_device
from ._docstring import Substitution, shared_docs
from ._io import atomic_open, atomic_path, atomic_write_text
from ._validation import (
    SEQUENCE_FORMS,
    check_sample_weight_length,
    check_sequences,
    is_ragged,
    unpadded_lengths,
)

__all__ = [
    "SEQUENCE_FORMS",
    "Substitution",
    "atomic_open",
    "atomic_path",
    "atomic_write_text",
    "available_memory",
    "check_sample_weight_length",
    "check_sequences",
    "is_ragged",
    "object_array",
    "resolve_device",
    "shared_docs",
    "unpadded_lengths",
]
