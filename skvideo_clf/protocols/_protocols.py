"""The built-in protocols: the TOML files of ``skvideo_clf/protocols/builtin/``.

Each file is one comparison of a paper (or the demo), in the format ``compare --config``
reads (:mod:`skvideo_clf.protocols._config`); its name, less ``.toml``, is the protocol id.
"""

from __future__ import annotations

import os
from importlib import resources

from ._config import SIZES, parse_protocol

__all__ = ["PROTOCOLS", "build_rows", "get_protocol", "list_protocols"]


def _builtin():
    folder = resources.files(__package__) / "builtin"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            name = entry.name[:-len(".toml")]
            found[name] = parse_protocol(entry.read_text(encoding="utf-8"),
                                         f"{name}.toml (built-in)", name=name)
    return found


#: ``{protocol id: Protocol}`` of every built-in file.
PROTOCOLS = _builtin()


def get_protocol(name_or_path):
    """A built-in :class:`~skvideo_clf.protocols.Protocol` by id, or a protocol file's.

    Examples
    --------
    >>> from skvideo_clf.protocols import get_protocol
    >>> proto = get_protocol("two-stream-table2")
    >>> proto.baseline, proto.metric, len(proto.paper)
    ('Spatial SVM', 'mAP', 10)
    """
    from ._config import load_config

    if name_or_path in PROTOCOLS:
        return PROTOCOLS[name_or_path]
    if str(name_or_path).endswith(".toml") or os.path.exists(name_or_path):
        return load_config(name_or_path)
    raise ValueError(f"Unknown protocol {name_or_path!r}; choose one of "
                     f"{sorted(PROTOCOLS)} or give a .toml file.")


def build_rows(name_or_path, size="default", **options):
    """The rows of a protocol as unfitted estimators.

    Parameters
    ----------
    name_or_path : str or path-like
        A built-in protocol id (:data:`PROTOCOLS`) or a protocol file.
    size : {"quick", "default", "full"}, default="default"
        ``"full"`` is the papers' configuration (meant for a GPU).
    **options
        ``backbone``, ``weights``, ``device``, ``memory``, ``random_state``, ``epochs``
        and ``chance`` of :meth:`Protocol.rows`.

    Returns
    -------
    rows : list of (str, estimator)
        ``(row name, unfitted estimator)``, the chance row last.

    Examples
    --------
    >>> from skvideo_clf.protocols import build_rows
    >>> rows = build_rows("resbilstm-table1", "full")
    >>> [name for name, _ in rows][-2:]
    ['ResBiLSTM + oversampling + weighting', 'Chance (majority class)']
    >>> clf = rows[0][1].named_steps["clf"]
    >>> clf.lr, clf.optimizer__weight_decay, clf.fc_size
    (1e-06, 0.0003, 1024)
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}.")
    return [(name, factory()) for name, factory
            in get_protocol(name_or_path).rows(size, **options)]


def list_protocols():
    """``[(id, title)]`` of the built-in protocols, for ``compare --list``.

    Examples
    --------
    >>> from skvideo_clf.protocols import list_protocols
    >>> dict(list_protocols())["resbilstm-table2"].split(",")[-1].strip()[:8]
    'Table II'
    """
    return [(name, proto.title) for name, proto in PROTOCOLS.items()]


def reproducing_rst():
    """The protocols' section of the *Reproducing the papers* page, from the files.

    Per protocol of a paper (``[protocol] paper``) its paper, table and baseline, then per
    row what the ``--full`` run is: the row's ``note`` ("as the paper ..." or "not as the
    paper: ..."), then the protocol's ``notes``. ``tests/protocols`` checks that the page
    holds exactly this text.

    Examples
    --------
    >>> from skvideo_clf.protocols._protocols import reproducing_rst
    >>> "Protocol ``two-stream-table2``" in reproducing_rst()
    True
    """
    out = []
    for name, proto in PROTOCOLS.items():
        if proto.paper_title is None:  # the library's own comparisons reproduce no paper
            continue
        title = f"Protocol ``{name}``"
        out += [title, "~" * len(title), "",
                f"{proto.paper_title}, {proto.table}. Baseline: {proto.baseline}.", "",
                ".. list-table::", "   :header-rows: 1", "   :widths: 35 65", "",
                "   * - Row", "     - At ``--full``"]
        for row in proto.data["rows"]:
            out += [f"   * - {row['name']}", f"     - {row.get('note', 'as the paper')}"]
        out += ["", " ".join(proto.notes.split()), ""]
    return "\n".join(out)
