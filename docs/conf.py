"""Sphinx configuration of the sklearn-ae documentation.

Build with ``make docs`` (``sphinx-build -W --keep-going -b html docs
docs/_build/html``). The build is offline: no intersphinx inventories are
fetched, so references to scikit-learn, torch or skorch objects are shown as
code without links. Generated pages (API stubs, the example gallery, the
benchmark pages) go to git-ignored folders: ``generated/``,
``auto_examples/`` and ``gen_modules/``.
"""

import os
import sys
from pathlib import Path

# Examples draw with matplotlib off screen; set before anything imports it.
os.environ.setdefault("MPLBACKEND", "Agg")

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import torch  # noqa: E402

import sklearn_ae  # noqa: E402

# The gallery's small networks train faster on one thread than on several,
# and far faster when other work shares the cores (the build ran 10-30 times
# slower with torch's default of one thread per core on a busy 2-core machine).
torch.set_num_threads(1)

# -- Project ------------------------------------------------------------------
project = "sklearn-ae"
author = "sklearn-ae developers"
copyright = "sklearn-ae developers, BSD-3-Clause"
release = sklearn_ae.__version__
version = release

# -- General ------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sphinx_design",
    "benchmark_pages",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"
# The page outline lists methods as "fit()", not "AEOutlierDetector.fit()".
toc_object_entries_show_parents = "hide"
# Headings of the Markdown pages get anchors, so that pages can link to them.
myst_heading_anchors = 3

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    # Methods the estimators take over from scikit-learn's and torch's base
    # classes (get_params, set_output, nn.Module's train, to, ...) are
    # documented there, not here.
    "inherited-members": (
        "BaseEstimator,_MetadataRequester,_SetOutputMixin,ReprHTMLMixin,"
        "_HTMLDocumentationLinkMixin,Module,object,ValueError,ArithmeticError,Exception"
    ),
    "member-order": "bysource",
}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-ae {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": [], "install": []}
html_show_sourcelink = False

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only the plot_*.py scripts belong to the gallery, and all of them run;
    # the other scripts in examples/ are command-line examples tested by
    # tests/test_examples.py.
    "filename_pattern": r"/plot_",
    # (matched against the file name, or in some versions its path)
    "ignore_pattern": r"(^|[/\\])(?!plot_)[^/\\]+\.py$",
    "within_subsection_order": "FileNameSortKey",
    # A failing example fails the build.
    "only_warn_on_example_error": False,
    "abort_on_example_error": False,
    "expected_failing_examples": [],
    "doc_module": ("sklearn_ae",),
    "backreferences_dir": "gen_modules/backreferences",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
    "min_reported_time": 1,
}

# -- Benchmark pages (docs/_ext/benchmark_pages.py) ---------------------------
benchmark_results_dir = str(DOCS.parent / "benchmarks" / "results")
benchmark_pages_dir = "generated/benchmarks"


def _skip_member(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_{method}_request`` methods.

    scikit-learn adds them to estimators whose methods take metadata (for
    example a ``score`` with ``sample_weight``, inherited from dask-ml);
    they belong to scikit-learn's metadata routing, documented there.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
