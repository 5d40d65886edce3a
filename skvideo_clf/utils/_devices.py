"""Where torch work runs: one resolution of ``device="auto"`` for the whole library."""

from __future__ import annotations

__all__ = ["resolve_device"]


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
