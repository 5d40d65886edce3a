"""The private name of torch the library relies on: ``torch.storage._load_from_bytes``.

A tensor pickled on a GPU (inside a pickled model) unpickles through
``torch.storage._load_from_bytes``, which ``torch.load``\\ s the bytes with no
``map_location``: on a machine without CUDA that fails. pickle looks the function up by
name at load time, so replacing the module attribute for the duration of a load is the
hook. Checked against torch 2.13 (pyproject allows >=2.1); ``tests/utils/test_compat.py``
checks it.
"""

from __future__ import annotations

import contextlib
import io

import torch
import torch.storage

__all__ = ["cuda_storages_on_cpu"]


@contextlib.contextmanager
def cuda_storages_on_cpu():
    """Tensors pickled on a GPU unpickle onto the CPU inside this context.

    Examples
    --------
    >>> import pickle, torch
    >>> from skvideo_clf.utils.compat.torch import cuda_storages_on_cpu
    >>> payload = pickle.dumps(torch.ones(2))  # (not inside: it loads, it does not save)
    >>> with cuda_storages_on_cpu():
    ...     t = pickle.loads(payload)
    >>> t.device.type
    'cpu'
    """
    original = torch.storage._load_from_bytes

    def on_cpu(b):
        return torch.load(io.BytesIO(b), map_location="cpu", weights_only=False)

    torch.storage._load_from_bytes = on_cpu
    try:
        yield
    finally:
        torch.storage._load_from_bytes = original
