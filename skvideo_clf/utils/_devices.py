"""The machine's resources: where torch work runs (one resolution of ``device="auto"`` for
the whole library) and how much memory is free."""

from __future__ import annotations

import os

__all__ = ["available_memory", "resolve_device"]


def available_memory():
    """Bytes of memory a new allocation can take now without swapping, or None if unknown.

    Linux's ``MemAvailable`` (``/proc/meminfo``: free memory plus what the page cache
    would give back); elsewhere the physical memory, or None.

    Examples
    --------
    >>> from skvideo_clf.utils import available_memory
    >>> free = available_memory()
    >>> free is None or free > 0
    True
    """
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on this system
        return None


def resolve_device(device, *, name="device"):
    """The torch device a ``device`` parameter names, checked against this machine.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA when torch sees a GPU, else the CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:N"`` or any other torch device string.
    name : str, default="device"
        The parameter name errors use.

    Returns
    -------
    device : str
        A concrete device string, never ``"auto"``.

    Raises
    ------
    ValueError
        When a CUDA device is asked for and torch sees none.

    Examples
    --------
    >>> from skvideo_clf.utils import resolve_device
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in {"cpu", "cuda"}
    True
    """
    import torch

    device = str(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"{name}={device!r} but torch sees no CUDA GPU (torch {torch.__version__}); use "
            f"{name}='cpu', or {name}='auto' to take a GPU only when there is one."
        )
    return device
