import numpy as np
import pytest

from sklearn_ae.datasets import load_breast_cancer_outliers


def test_wbc_construction():
    data = load_breast_cancer_outliers()
    assert data.data.shape == (378, 30)
    assert data.target.sum() == 21
    assert len(data.feature_names) == 30


def test_frame_output_and_reproducibility():
    X, y = load_breast_cancer_outliers(as_frame=True, return_X_y=True)
    X2, y2 = load_breast_cancer_outliers(return_X_y=True)
    np.testing.assert_array_equal(X.to_numpy(), X2)
    np.testing.assert_array_equal(y.to_numpy(), y2)
    assert y.name == "outlier"


def test_n_outliers_bounds():
    assert load_breast_cancer_outliers(n_outliers=0).target.sum() == 0
    with pytest.raises(ValueError, match="n_outliers must be in"):
        load_breast_cancer_outliers(n_outliers=500)
