"""The layers meet at public names only: no module imports another subpackage's private
module or name (imports inside functions included, docstrings not).

A subpackage's public names are what its ``__init__`` exports, and the public modules below
it (``skvideo_clf.utils.discovery``, ``skvideo_clf.utils.compat.sklearn``): a private module
(``_``-prefixed) is reached from its own subpackage only.
"""

import ast
from pathlib import Path

import pytest

import skvideo_clf

ROOT = Path(skvideo_clf.__file__).parent


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _imports(path, module=None):
    """``(line, module, names)`` of every import of the package's own modules in ``path``
    (read as the module ``module``, by default the one at ``path``)."""
    module = module or _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "skvideo_clf":
                    yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "skvideo_clf":
                yield node.lineno, target, [a.name for a in node.names]


def crossings(path, module=None):
    """Imports in ``path`` of another subpackage's private module or name."""
    own = (module or _module_name(path)).split(".")[1:2]
    found = []
    for line, target, names in sorted(_imports(path, module)):
        parts = target.split(".")[1:]  # below skvideo_clf
        if not parts or parts[:1] == own:
            continue
        # a name imported from a module may itself be a module: `from ..features import _maps`
        if any(_private(p) for p in parts) or any(_private(n) for n in names):
            found.append(f"line {line} imports "
                         f"{target} {names or ''}".rstrip())
    return found


SUBPACKAGES = sorted({p.relative_to(ROOT).parts[0].removesuffix(".py")
                      for p in ROOT.rglob("*.py")} - {"__init__"})

def test_crossings_finds_a_private_import(tmp_path):
    # the walker itself, on a probe read as if it were skvideo_clf/neural/probe.py
    probe = tmp_path / "probe.py"
    probe.write_text("from ..sampling._bootstrap import groups\n"
                     "def f():\n    from ..features import _maps\n"
                     "from ..utils import check_sequences\nfrom . import _batching\n"
                     "from ..utils.compat.sklearn import fit_context\n"
                     "import skvideo_clf.video._reader\n")
    found = crossings(probe, "skvideo_clf.neural.probe")
    assert [c.split(" imports ")[1] for c in found] == [
        "skvideo_clf.sampling._bootstrap ['groups']", "skvideo_clf.features ['_maps']",
        "skvideo_clf.video._reader"]


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_subpackage_imports_other_layers_public_names_only(subpackage):
    path = ROOT / subpackage
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]
    found = [f"{f.relative_to(ROOT)}: {c}" for f in files for c in crossings(f)]
    assert found == [], "\n".join(found)


def test_every_subpackage_is_checked():
    assert {"utils", "neural", "sampling", "features", "video", "cli", "protocols",
            "persistence", "augment"} <= set(SUBPACKAGES)
