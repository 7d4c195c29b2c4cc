"""The gallery scripts in examples/ run end to end, and the README's code blocks run."""

import ast
import re
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GALLERY = sorted(EXAMPLES.glob("plot_*.py"))

# What each example must print, and whether it takes longer than about 10 s
# on 2 CPU cores (then it runs only with --runslow). An example not listed
# here is run as slow and checked for a figure only.
CHECKS = {
    "plot_column_transformer.py": (
        r"measurements__aetransformer0.*\n(.*accuracy 0\.\d+.*\n){3}",
        True,
    ),
    "plot_denoising_grid.py": (r"after denoising \(U-Net, 20 epochs\): 0\.0\d+", True),
    "plot_digits_embedding.py": (r"AETransformer: trustworthiness 0\.\d+, 5-NN accuracy", False),
    "plot_explain_outliers.py": (
        r"ROC-AUC against the malignant labels: 0\.\d+(.*\n)+(sample \d+: surprisal .*\n){3}",
        False,
    ),
    "plot_grid_search.py": (
        r"autoencoder: \{'aetransformer__n_components': \d+\} accuracy 0\.\d+",
        True,
    ),
    "plot_known_anomalies.py": (
        r"no known anomalies: test ROC-AUC 0\.\d+\n( ?\d+ known anomalies: test ROC-AUC 0\.\d+ "
        r"\(HistGradientBoosting 0\.\d+\)\n){4}sources: .*known_anomalies, classifier",
        True,
    ),
    "plot_loss_curve.py": (r"epochs run \(n_iter_\): \d+ of at most 300", False),
    "plot_roc_vs_isolation_forest.py": (
        r"AEOutlierDetector: ROC-AUC 0\.\d+\n\s*autoencoder alone: ROC-AUC 0\.\d+\n"
        r"\s*IsolationForest: ROC-AUC",
        False,
    ),
    "plot_sampling.py": (r"held-out log-likelihood per pixel, VAE \(lower bound\): -?\d", True),
    "plot_conditional_sampling.py": (
        r"classes: \[0 1 2 3 4 5 6 7 8 9\]\n(.*\n)*SVC accuracy on samples drawn by class: "
        r"0\.\d+\n(decoder_sampling='\w+' +two-sample accuracy 0\.\d+\n){3}",
        True,
    ),
    "plot_segmentation.py": (
        r"pixel error 0\.\d+\nmembrane F1 0\.\d+\nmean IoU 0\.\d+\n"
        r"adapted Rand error 0\.\d+\nwith boundary_class=0 0\.\d+",
        True,
    ),
    "plot_mixed_table.py": (
        r"ROC-AUC against the fraud labels: [01]\.\d+\n(.*\n)+ +real +synthetic\ncountry",
        True,
    ),
    "plot_dask_search.py": (r"torch threads per worker: \{.*: 1, .*: 1\}\nbest: ", True),
    "plot_out_of_core_scoring.py": (
        r"([\d, ]+ rows \(.*MiB on disk\): .* peak extra memory \d+ MiB\n){2}ROC-AUC",
        True,
    ),
}


def _gallery_params():
    for path in GALLERY:
        _, slow = CHECKS.get(path.name, (None, True))
        marks = [pytest.mark.slow] if slow else []
        yield pytest.param(path, id=path.stem, marks=marks)


@pytest.mark.parametrize("path", GALLERY, ids=[path.stem for path in GALLERY])
def test_gallery_example_format(path):
    """Each example is a sphinx-gallery script: a titled docstring, then cells."""
    source = path.read_text()
    docstring = ast.get_docstring(ast.parse(source), clean=False)
    assert docstring is not None, f"{path.name} has no module docstring"
    lines = docstring.strip("\n").splitlines()
    # An RST title over- and underlined with "=", then a paragraph.
    assert set(lines[0]) == {"="}, path.name
    assert lines[2] == lines[0], path.name
    assert len(lines[0]) >= len(lines[1].strip()), path.name
    assert any(line.strip() for line in lines[3:]), f"{path.name}: no paragraph under the title"
    assert "\n# %%\n" in source, f"{path.name} has no '# %%' cells"


@pytest.mark.parametrize("path", list(_gallery_params()))
def test_gallery_example_runs(path, capsys, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(EXAMPLES)  # as sphinx-gallery runs them: data/ is beside them
    # plt.show() under Agg warns that it cannot show; the figures stay open.
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    plt.close("all")
    try:
        runpy.run_path(str(path), run_name="__main__")
        assert plt.get_fignums(), f"{path.name} drew no figure"
    finally:
        plt.close("all")
    expected, _ = CHECKS.get(path.name, (None, True))
    if expected is not None:
        out = capsys.readouterr().out
        assert re.search(expected, out), f"{path.name} printed:\n{out}"


@pytest.mark.slow
def test_readme_python_blocks_run():
    readme = (EXAMPLES.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
