"""Sphinx configuration: autodoc + numpydoc API reference and a sphinx-gallery of examples.

Built in CI with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (warnings are
errors). Offline: intersphinx is not used.
"""

import os
import re
import sys
import warnings

# The package is installed editable in CI; the path keeps a bare checkout working too.
sys.path.insert(0, os.path.abspath(".."))
# Examples draw with matplotlib; there is no screen on CI machines.
os.environ.setdefault("MPLBACKEND", "Agg")

import skvideo_clf

project = "skvideo-clf"
author = "skvideo-clf developers"
copyright = "2026, skvideo-clf developers"
release = skvideo_clf.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "py:obj"

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
# numpydoc builds the member tables itself; autosummary stubs for every member would
# otherwise be expected and reported missing.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"skvideo-clf {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"getting_started": [], "cli": []}

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    # No network in CI: no links to other projects' docs.
    "reference_url": {"skvideo_clf": None},
    "show_memory": False,
    "min_reported_time": 1,
}

# Third-party deprecation chatter raised while examples import torch/skorch is not ours to fix
# and would fail the -W build.
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning)


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn generates set_*_request methods on every estimator class (metadata
    # routing); their docstrings point into scikit-learn's own docs, which are not here.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


_TRAILING_UNDERSCORE = re.compile(r"(?<![\w`*\\])([A-Za-z]\w*)_(?=[\s,)+\]*/-])")


def _escape_shape_names(app, what, name, obj, options, lines):
    # "ndarray of shape (n_iter_ + 1, ...)": in reST a word ending in "_" is a link to a
    # target of that name; in shape descriptions it is a fitted attribute, so escape it.
    for i, line in enumerate(lines):
        if "shape (" in line:
            head, _, tail = line.partition("shape (")
            lines[i] = head + "shape (" + _TRAILING_UNDERSCORE.sub(r"\1\\_", tail)


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # After numpydoc (priority 500) has turned the docstring into reST.
    app.connect("autodoc-process-docstring", _escape_shape_names, priority=900)
