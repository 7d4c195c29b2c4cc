"""Property-based tests: hostile inputs either work or fail with a clear error."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer

ESTIMATORS = [AETransformer, AEOutlierDetector, AEDenoiser]
# Derandomised and small so that CI is repeatable and fast; explore with e.g.
# `SKLEARN_AE_FUZZ_EXAMPLES=300 pytest tests/test_fuzz.py` (random examples).
EXPLORE = os.environ.get("SKLEARN_AE_FUZZ_EXAMPLES")
SETTINGS = settings(
    max_examples=int(EXPLORE or 25),
    derandomize=EXPLORE is None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

shapes = st.tuples(st.integers(1, 40), st.integers(1, 12))
magnitudes = st.sampled_from([1.0, 1e-30, 1e30, 1e-6])
dtypes = st.sampled_from(
    [np.float64, np.float32, np.float16, np.int64, np.int8, np.bool_, "object"]
)


def _run_all_methods(est, X):
    """Fit and call every method; return the outputs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    if isinstance(est, AEOutlierDetector):
        outputs = [est.score_samples(X), est.decision_function(X), est.predict(X)]
        outputs.append(est.feature_errors(X))
    else:
        outputs = [est.transform(X)]
    return outputs


def _check(Estimator, X, n_samples, n_features):
    original = X.copy()
    error = None
    try:
        outputs = _run_all_methods(Estimator(**FAST), X)
    except (ValueError, TypeError) as exc:
        error = str(exc)
    np.testing.assert_array_equal(X, original)  # never modified in place
    if error is not None:
        assert error, "errors must say what is wrong"
        return
    for output in outputs:
        assert output.shape[0] == n_samples
        assert np.all(np.isfinite(np.asarray(output, dtype=np.float64)))
    if not isinstance(Estimator(), AEOutlierDetector):
        expected = n_features if Estimator is AEDenoiser else Estimator(**FAST).fit(X).n_components_
        assert outputs[0].shape[1] == expected


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
@SETTINGS
@given(
    data=st.data(),
    shape=shapes,
    dtype=dtypes,
    magnitude=magnitudes,
    order=st.sampled_from("CF"),
    duplicate_rows=st.booleans(),
    constant_column=st.booleans(),
)
def test_any_numeric_array_works_or_raises_clearly(
    Estimator, data, shape, dtype, magnitude, order, duplicate_rows, constant_column
):
    n_samples, n_features = shape
    values = data.draw(
        arrays(np.float64, shape, elements=st.floats(-10, 10, allow_nan=False, width=32))
    )
    X = values * magnitude
    if duplicate_rows and n_samples > 1:
        X[n_samples // 2 :] = X[0]
    if constant_column:
        X[:, 0] = 3.0
    with np.errstate(invalid="ignore", over="ignore"):  # e.g. 1e30 cast to int8
        X = np.asarray(X, order=order).astype(dtype)
    _check(Estimator, X, n_samples, n_features)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_pandas_nullable_dtypes(Estimator):
    rng = np.random.RandomState(0)
    X = pd.DataFrame(
        {
            "a": pd.array(rng.randint(0, 9, 30), dtype="Int64"),
            "b": pd.array(rng.normal(size=30), dtype="Float64"),
            "c": pd.array(rng.rand(30) > 0.5, dtype="boolean"),
        }
    )
    _check(Estimator, X.to_numpy(dtype=float), 30, 3)  # reference path
    est = Estimator(**FAST).fit(X)
    assert est.n_features_in_ == 3
    X.loc[3, "b"] = pd.NA  # a missing value, left out of the loss and the scores
    outputs = _run_all_methods(Estimator(**FAST), X)
    assert np.all(np.isfinite(outputs[0]))


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_read_only_memmap_input(Estimator, tmp_path):
    X = np.random.RandomState(0).normal(size=(50, 4)).astype(np.float32)
    path = tmp_path / "X.npy"
    np.save(path, X)
    X_ro = np.load(path, mmap_mode="r")
    outputs = _run_all_methods(Estimator(**FAST), X_ro)
    assert all(np.all(np.isfinite(o)) for o in outputs)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_many_more_features_than_samples(Estimator):
    X = np.random.RandomState(0).normal(size=(5, 300))
    outputs = _run_all_methods(Estimator(**FAST), X)
    assert outputs[0].shape[0] == 5


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_object_array_with_text_is_a_clear_error(Estimator):
    X = np.array([[1.0, "x"], [2.0, "y"], [3.0, "z"]], dtype=object)
    with pytest.raises(ValueError, match="could not convert string to float"):
        Estimator(**FAST).fit(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_spread_below_float32_resolution(Estimator):
    # Found by hypothesis: a standard deviation of about 3e-39 made
    # 1 / scale overflow in float32 and the outputs NaN.
    X = np.full((15, 1), np.finfo(np.float32).tiny, dtype=np.float64)
    X[0] = 0.0
    _check(Estimator, X, 15, 1)
