import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklearn_ae._cli import main

FAST_ARGS = ["--max-iter", "3", "--hidden-layer-sizes", "8", "-q"]


def test_detect_on_embedded_data_reports_auc(tmp_path, capsys):
    out = tmp_path / "scores.csv"
    assert main(["detect", "--max-iter", "3", "--hidden-layer-sizes", "8", "-o", str(out)]) == 0
    report = capsys.readouterr().err
    assert "378 rows x 30 features" in report
    assert "ROC-AUC" in report
    assert "top 5 outliers" in report
    result = pd.read_csv(out)
    assert list(result.columns) == ["row", "score", "label"]
    assert set(result["label"]) <= {-1, 1}


@pytest.mark.parametrize(("command", "n_columns"), [("reduce", 2), ("denoise", 3)])
def test_reduce_and_denoise_read_and_write_csv(tmp_path, command, n_columns):
    data = tmp_path / "in.csv"
    rng = np.random.RandomState(0)
    pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "c"]).assign(y=1).to_csv(
        data, index=False
    )
    out = tmp_path / "out.csv"
    args = [command, "-i", str(data), "-o", str(out), "--label-column", "y", *FAST_ARGS]
    assert main([*args, "--n-components", "2"] if command == "reduce" else args) == 0
    result = pd.read_csv(out, index_col="row")
    assert result.shape == (30, n_columns)
    if command == "denoise":
        assert list(result.columns) == ["a", "b", "c"]


def test_writes_csv_to_stdout_by_default(capsys):
    assert main(["reduce", *FAST_ARGS]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("row,aetransformer0")
    assert len(lines) == 379


def test_bad_input_is_an_error_message_not_a_traceback(tmp_path, capsys):
    data = tmp_path / "in.csv"
    pd.DataFrame({"a": [1.0, 2.0, np.inf], "b": [1.0, 0.0, 3.0]}).to_csv(data, index=False)
    assert main(["detect", "-i", str(data), *FAST_ARGS]) == 2
    assert "infinity" in capsys.readouterr().err


@pytest.fixture
def table_with_text(tmp_path):
    """Numbers plus a text column; rows 0-4 have a country no other row has."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "amount": rng.normal(100, 10, 200),
            "country": rng.choice(["FR", "DE", "IT"], 200),
            "hours": rng.normal(8, 1, 200),
            "is_fraud": 0,
        }
    )
    table.loc[:4, "country"] = "ZZ"
    table.loc[:4, "is_fraud"] = 1
    table.loc[10, "country"] = None  # an empty cell, left out like an empty number
    path = tmp_path / "table.csv"
    table.to_csv(path, index=False)
    return path


def test_detect_takes_text_columns_as_categories_and_names_them(table_with_text, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    args = ["detect", "-i", str(table_with_text), "--label-column", "is_fraud", "-o", str(out)]
    assert main([*args, "--max-iter", "30", "--hidden-layer-sizes", "16"]) == 0
    report = capsys.readouterr().err
    assert "200 rows x 3 features" in report
    assert "1 categorical column(s), one indicator per category" in report
    assert "cross-entropy error each: country" in report
    explanations = report.split("features reconstructed worst):")[1].splitlines()[1:6]
    features = {int(line.split(":")[0]): line.split("; ")[2] for line in explanations}
    # The rows with the rare country are among the top outliers, and the
    # explanations name the table's own columns, not indicators.
    rare = [row for row in features if row < 5]
    assert len(rare) >= 2
    assert all(set(features[row].split(", ")) == {"amount", "country", "hours"} for row in rare)
    assert "country_" not in report.split("features reconstructed worst):")[1]
    assert len(pd.read_csv(out)) == 200


def test_denoise_returns_the_table_columns_with_categories(table_with_text, tmp_path):
    out = tmp_path / "denoised.csv"
    args = ["denoise", "-i", str(table_with_text), "--label-column", "is_fraud", "-o", str(out)]
    assert main([*args, *FAST_ARGS]) == 0
    result = pd.read_csv(out, index_col="row", keep_default_na=False)
    assert list(result.columns) == ["amount", "country", "hours"]
    assert set(result["country"]) <= {"FR", "DE", "IT", "ZZ"}


def test_missing_label_column_is_reported(capsys):
    assert main(["detect", "--label-column", "nope", *FAST_ARGS]) == 2
    assert "'nope' is not a column" in capsys.readouterr().err


def test_module_entry_point_shows_help():
    done = subprocess.run(
        [sys.executable, "-m", "sklearn_ae", "detect", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "--contamination" in done.stdout


@pytest.mark.parametrize("command", ["detect", "reduce", "denoise"])
def test_options_left_out_keep_the_estimator_defaults(command):
    from sklearn_ae._cli import _build_parser, _estimator

    est = _estimator(_build_parser().parse_args([command]))
    defaults = type(est)().get_params()
    for name in ("max_iter", "hidden_layer_sizes", "n_components", "batch_size"):
        assert est.get_params()[name] == defaults[name]


@pytest.fixture
def table_with_gaps(table_with_text):
    """The table with text plus empty cells in its numeric columns."""
    table = pd.read_csv(table_with_text)
    table.loc[[20, 21, 22], "amount"] = np.nan
    table.loc[[22, 30], "hours"] = np.nan
    path = table_with_text.parent / "gaps.csv"
    table.to_csv(path, index=False)
    return path


def test_detect_on_a_table_with_empty_cells(table_with_gaps, tmp_path, capsys):
    out = tmp_path / "scores.csv"
    args = ["detect", "-i", str(table_with_gaps), "--label-column", "is_fraud", "-o", str(out)]
    assert main([*args, *FAST_ARGS[:-1]]) == 0
    report = capsys.readouterr().err
    assert "5 empty cell(s) in numeric columns (1.2%): left out of the loss" in report
    scores = pd.read_csv(out)
    assert len(scores) == 200
    assert scores["score"].notna().all()


def test_denoise_impute_fills_only_the_empty_cells(table_with_gaps, tmp_path):
    out = tmp_path / "filled.csv"
    args = ["denoise", "-i", str(table_with_gaps), "--label-column", "is_fraud", "-o", str(out)]
    assert main([*args, "--impute", *FAST_ARGS]) == 0
    table = pd.read_csv(table_with_gaps).drop(columns="is_fraud")
    filled = pd.read_csv(out, index_col="row").rename_axis(None)
    assert filled.notna().all().all()
    observed = table.notna()
    pd.testing.assert_frame_equal(filled[observed], table[observed], check_dtype=False)
    assert filled.loc[10, "country"] in {"FR", "DE", "IT", "ZZ"}


# ------------------------------------------------------------ segment
SEGMENT_ARGS = ["--max-iter", "1", "--hidden-layer-sizes", "4,8", "--crop-size", "32"]


def test_segment_on_embedded_membranes_writes_masks_and_reports(tmp_path, capsys):
    from PIL import Image

    assert main(["segment", *SEGMENT_ARGS, "-o", str(tmp_path)]) == 0
    report = capsys.readouterr().err
    assert "20 embedded membrane images for training, 10 to segment" in report
    assert re.search(r"against the masks of 10 of them: pixel error 0\.\d+, mean IoU", report)
    written = sorted(tmp_path.glob("*.png"))
    assert len(written) == 10
    mask = np.asarray(Image.open(written[0]))
    assert mask.shape == (192, 192)
    assert set(np.unique(mask)) <= {0, 1}


@pytest.fixture
def image_folders(tmp_path):
    """Training images with masks (bright squares are class 255) and a larger image."""
    from PIL import Image

    rng = np.random.RandomState(0)
    folders = {name: tmp_path / name for name in ("images", "masks", "new")}
    for folder in folders.values():
        folder.mkdir()
    for i in range(4):
        mask = np.zeros((24, 20), dtype=np.uint8)
        mask[4 + i : 12 + i, 6:14] = 255
        image = (rng.uniform(0, 60, mask.shape) + (mask > 0) * 150).astype(np.uint8)
        Image.fromarray(image).save(folders["images"] / f"cell{i}.png")
        Image.fromarray(mask).save(folders["masks"] / f"cell{i}.png")
    Image.fromarray(rng.randint(0, 255, (40, 33)).astype(np.uint8)).save(folders["new"] / "big.tif")
    return folders


def test_segment_folders_of_images_of_any_size(image_folders, tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "out"
    args = ["segment", "--images", str(image_folders["images"]), "--masks"]
    args += [str(image_folders["masks"]), "--predict", str(image_folders["new"]), "-o", str(out)]
    assert main([*args, *SEGMENT_ARGS]) == 0
    report = capsys.readouterr().err
    assert "4 training images of (1, 24, 20) (C, H, W)" in report
    assert "classes [0, 255]" in report
    mask = np.asarray(Image.open(out / "big.png"))
    assert mask.shape == (40, 33)
    assert set(np.unique(mask)) <= {0, 255}


def test_segment_reports_on_the_training_images_by_default(image_folders, capsys):
    args = ["segment", "--images", str(image_folders["images"]), "--masks"]
    assert main([*args, str(image_folders["masks"]), *SEGMENT_ARGS]) == 0
    report = capsys.readouterr().err
    assert "segmented 4 images (no --output: masks not written)" in report
    assert "against the masks of 4 of them" in report


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no masks", "--images needs --masks"),
        ("colour mask", "a mask must be one grey channel"),
        ("two sizes", "must share one size"),
        ("empty", "holds no image files"),
    ],
)
def test_segment_bad_folders_are_reported(image_folders, capsys, change, message):
    from PIL import Image

    images, masks = image_folders["images"], image_folders["masks"]
    args = ["segment", "--images", str(images), "--masks", str(masks), *SEGMENT_ARGS]
    if change == "no masks":
        args = ["segment", "--images", str(images), *SEGMENT_ARGS]
    elif change == "colour mask":
        Image.new("RGB", (20, 24)).save(masks / "cell0.png")
    elif change == "two sizes":
        Image.new("L", (21, 24)).save(images / "cell1.png")
        Image.new("L", (21, 24)).save(masks / "cell1.png")
    else:
        args[2] = str(image_folders["new"].parent / "masks" / "..")  # a folder of folders
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_segment_boundary_value_closes_the_gaps_of_that_class(image_folders, capsys):
    args = ["segment", "--images", str(image_folders["images"]), "--masks"]
    args += [str(image_folders["masks"]), *SEGMENT_ARGS]
    assert main([*args, "--boundary-value", "0"]) == 0
    assert main([*args, "--boundary-value", "7"]) == 2
    assert "--boundary-value 7 is not a value of the masks ([0, 255])" in capsys.readouterr().err


def test_detect_learns_from_a_column_of_known_anomalies(tmp_path, capsys):
    from sklearn_ae.datasets import load_breast_cancer_outliers

    frame = load_breast_cancer_outliers(as_frame=True)
    table = frame.data.assign(outlier=frame.target)
    known = np.full(len(table), np.nan)  # empty cells: unlabelled
    known[np.flatnonzero(frame.target == 1)[:5]] = 1
    data = tmp_path / "in.csv"
    table.assign(confirmed=known).to_csv(data, index=False)
    args = ["detect", "-i", str(data), "--label-column", "outlier", "--labels", "confirmed"]
    assert main([*args, "--max-iter", "3", "--hidden-layer-sizes", "8"]) == 0
    report = capsys.readouterr().err
    assert "378 rows x 30 features" in report  # both columns left out of training
    assert "learned from 5 known anomalies" in report
    assert "on the rows not given as known anomalies: ROC-AUC" in report
    assert "known_anomalies / classifier" in report

    table.assign(confirmed=np.where(frame.target == 1, 2, -1)).to_csv(data, index=False)
    assert main([*args, *FAST_ARGS]) == 2
    assert "y holds values [2.0] other than 1" in capsys.readouterr().err
