"""Sphinx configuration of the skgraphfeat documentation (``make docs``)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# the examples run in this process: TensorFlow's start-up lines off stderr
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import skgraphfeat  # noqa: E402

project = "skgraphfeat"
author = "the skgraphfeat developers"
copyright = "2026, the skgraphfeat developers"
release = skgraphfeat.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "examples/*.py", "examples/README.txt"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# scikit-learn's own docstrings (inherited methods) use cross-references of
# their documentation that do not resolve here
numpydoc_xref_param_type = False
suppress_warnings = ["myst.header"]
nitpicky = False

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    "abort_on_example_error": True,
}

html_theme = "pydata_sphinx_theme"
html_title = "skgraphfeat"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_sidebars = {"index": []}
templates_path = ["_templates"]


def _skip_inherited_from_sklearn(app, what, name, obj, skip, options):
    """Document our own members, inherited ones included (feature_graph,
    save, ...): scikit-learn's and Keras' (get_params, the metadata routing
    set_*_request methods, Layer's API) are documented by those projects."""
    module = getattr(getattr(obj, "fget", obj), "__module__", "") or ""
    if module.startswith(("sklearn", "keras", "tensorflow")) or name.endswith(
        "_request"
    ):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_inherited_from_sklearn)
