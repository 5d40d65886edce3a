"""Protocol files written back: ``compare --show`` prints a resolved protocol as TOML."""

from __future__ import annotations

import re

__all__ = ["dump_toml", "toml_value"]


def toml_value(value):
    """A parameter as TOML holds it: classes by name, tuples as arrays, None as "None"."""
    if value is None:
        return "None"
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, tuple):
        return [toml_value(v) for v in value]
    return value


def _toml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_scalar(v)}"
                               for k, v in value.items()) + "}"
    if value is None:
        raise TypeError("TOML has no null")
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _toml_key(key):
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_scalar(key)


def dump_toml(data, *, header=None):
    """``{"protocol": {...}, "settings": {...}, "rows": [...]}`` as TOML text.

    Examples
    --------
    >>> from skvideo_clf.protocols._config import dump_toml
    >>> print(dump_toml({"settings": {"folds": 2}, "rows": [{"name": "a", "params":
    ...     {"hidden_sizes": (4,)}}]}))
    [settings]
    folds = 2
    <BLANKLINE>
    [[rows]]
    name = "a"
    params = {hidden_sizes = [4]}
    <BLANKLINE>
    """
    out = [f"# {header}", ""] if header else []
    for table in ("protocol", "settings"):
        if data.get(table):
            out.append(f"[{table}]")
            out += [f"{_toml_key(k)} = {_toml_scalar(toml_value(v))}"
                    for k, v in data[table].items() if v is not None]
            out.append("")
    for row in data.get("rows", []):
        out.append("[[rows]]")
        out += [f"{_toml_key(k)} = {_toml_scalar(_clean(v))}" for k, v in row.items()
                if v is not None]
        out.append("")
    return "\n".join(out)


def _clean(value):
    """Nested values for TOML: classes by name, tuples as arrays, None dropped."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return toml_value(value)
