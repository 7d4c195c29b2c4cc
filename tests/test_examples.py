"""The scripts in examples/ run end to end."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_explain_outliers_example(capsys):
    runpy.run_path(str(EXAMPLES / "explain_outliers.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "ROC-AUC" in out
    assert out.count("sample ") == 5


@pytest.mark.slow
def test_pipeline_grid_search_example(capsys):
    runpy.run_path(str(EXAMPLES / "pipeline_grid_search.py"), run_name="__main__")
    assert "classification:" in capsys.readouterr().out


@pytest.mark.slow
def test_readme_python_blocks_run():
    import re

    readme = (EXAMPLES.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
