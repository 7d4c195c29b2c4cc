"""Missing values (NaN): left out of the loss and the scores, filled by the denoiser."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_ae import AEDenoiser, AEGenerator, AEOutlierDetector, AETransformer
from sklearn_ae.nn import MaskedMSELoss, TrimmedMSELoss

ESTIMATORS = [AETransformer, AEOutlierDetector, AEDenoiser]
TINY = {"hidden_layer_sizes": (4, 8), "max_iter": 2, "random_state": 0}
ARCHITECTURES = [
    (AETransformer, "mlp", {}),
    (AETransformer, "conv", {"image_shape": (1, 8, 8)}),
    (AETransformer, "transformer", {"hidden_layer_sizes": (8,)}),
    (AETransformer, "vq", {}),
    (AEOutlierDetector, "mlp", {}),
    (AEOutlierDetector, "conv", {"image_shape": (1, 8, 8)}),
    (AEOutlierDetector, "transformer", {"hidden_layer_sizes": (8,)}),
    (AEDenoiser, "mlp", {}),
    (AEDenoiser, "unet", {"image_shape": (1, 8, 8)}),
    (AEDenoiser, "vq", {}),
]


def with_missing(X, rate=0.2, seed=0):
    """X with about ``rate`` of its values replaced by NaN, every row keeping one."""
    X = np.array(X, dtype=np.float64)
    missing = np.random.RandomState(seed).rand(*X.shape) < rate
    missing[:, 0] &= ~missing[:, 1:].all(axis=1)
    X[missing] = np.nan
    return X


def correlated(n_samples=200, seed=0):
    """Six features that are noisy copies of two latent ones."""
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n_samples, 2))
    return latent @ rng.normal(size=(2, 6)) + 0.05 * rng.normal(size=(n_samples, 6))


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:120]


def fit_quietly(est, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


# ------------------------------------------------------------------ losses
def test_masked_mse_is_mse_on_complete_data_and_ignores_nan():
    output, target = torch.randn(5, 3), torch.randn(5, 3)
    torch.testing.assert_close(MaskedMSELoss()(output, target), torch.nn.MSELoss()(output, target))
    target[0, 1] = target[2, :2] = float("nan")
    output.requires_grad_(True)
    loss = MaskedMSELoss()(output, target)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.all(torch.isfinite(output.grad))
    assert output.grad[0, 1] == 0
    assert torch.all(output.grad[2, :2] == 0)
    # A row's error is its mean over observed values, not a sum.
    row_means = [(output[i] - target[i]).square().nanmean() for i in range(5)]
    torch.testing.assert_close(loss, torch.stack(row_means).mean())


def test_trimmed_mse_ignores_nan_when_asked():
    output = torch.zeros(4, 2)
    target = torch.tensor([[1.0, float("nan")], [0.0, 0.0], [0.0, 0.0], [9.0, 9.0]])
    loss = TrimmedMSELoss(trim_fraction=0.25, ignore_nan=True)(output, target)
    torch.testing.assert_close(loss, torch.tensor(1 / 3))


# ---------------------------------------------------------------- estimators
@pytest.mark.parametrize(("Estimator", "architecture", "params"), ARCHITECTURES)
def test_every_architecture_fits_and_scores_with_missing_values(
    Estimator, architecture, params, digits
):
    X = with_missing(digits)
    est = fit_quietly(Estimator(architecture=architecture, **{**TINY, **params}), X)
    assert np.all(np.isfinite(est.loss_curve_))
    if isinstance(est, AEOutlierDetector):
        outputs = [est.score_samples(X), est.decision_function(X), est.score_components(X)]
        assert set(est.predict(X)) <= {-1, 1}
    else:
        outputs = [est.transform(X)]
    assert all(np.all(np.isfinite(out)) for out in outputs)
    assert est.__sklearn_tags__().input_tags.allow_nan


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_missing_values_are_seen_as_the_feature_centre(Estimator):
    """Only what the network sees matters: a NaN is the training centre."""
    X = with_missing(correlated())
    est = fit_quietly(Estimator(**FAST), X)
    X_test = correlated(seed=1)[:10]
    X_test[:, 2] = np.nan
    X_centre = X_test.copy()
    X_centre[:, 2] = est._scaling()[0][2]  # the scaler's centre of feature 2
    if isinstance(est, AEOutlierDetector):  # the code part sees only the input
        outputs = [est.score_components(X)[:, 1] for X in (X_test, X_centre)]
    else:
        outputs = [est.transform(X) for X in (X_test, X_centre)]
    np.testing.assert_allclose(*outputs, rtol=1e-5, atol=1e-6)


def test_reconstruction_score_is_the_mean_over_observed_features():
    X = with_missing(correlated())
    detector = fit_quietly(AEOutlierDetector(**FAST), X)
    errors = detector.feature_errors(X)
    np.testing.assert_array_equal(np.isnan(errors), np.isnan(X))
    expected = np.nanmean(errors, axis=1) / detector.score_unit_[0]
    np.testing.assert_allclose(detector.score_components(X)[:, 0], expected, rtol=1e-5)


def test_scores_of_complete_rows_do_not_change_with_other_rows_missing():
    X = correlated()
    detector = fit_quietly(AEOutlierDetector(**FAST), with_missing(X))
    X_test = correlated(seed=1)[:20]
    partly = X_test.copy()
    partly[10:, :3] = np.nan
    np.testing.assert_array_equal(
        detector.score_samples(partly)[:10], detector.score_samples(X_test)[:10]
    )


def test_training_loss_counts_only_observed_values():
    """Values that are missing do not pull the network: arbitrary fills would."""
    X = correlated()
    X_missing = with_missing(X, rate=0.3)
    est = fit_quietly(AETransformer(**FAST), X_missing)
    twin = X_missing.copy()
    twin[np.isnan(X_missing)] = 1e3  # what a fill with a huge value would train on
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(
            est.loss_curve_, fit_quietly(AETransformer(**FAST), twin).loss_curve_
        )
    assert est.loss_curve_[-1] < 2


def test_rows_without_observed_values_are_refused_at_fit_and_scored_at_predict():
    X = with_missing(correlated())
    X[[3, 7]] = np.nan
    with pytest.raises(ValueError, match=r"2 row\(s\) with no observed value.*row 3, 7"):
        AETransformer(**FAST).fit(X)
    detector = fit_quietly(AEOutlierDetector(**FAST), np.delete(X, [3, 7], axis=0))
    components = detector.score_components(X[[3, 7]])
    assert np.all(components[:, 0] == 0)  # nothing to reconstruct badly
    assert np.all(np.isfinite(components[:, 1]))
    denoiser = fit_quietly(AEDenoiser(impute=True, **FAST), np.delete(X, [3, 7], axis=0))
    assert np.all(np.isfinite(denoiser.transform(X[[3, 7]])))


def test_features_without_observed_values_are_named():
    X = pd.DataFrame(correlated(), columns=list("abcdef"))
    X["d"] = np.nan
    with pytest.raises(ValueError, match=r"1 feature\(s\) with no observed value.*feature d"):
        AEOutlierDetector(**FAST).fit(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_infinity_is_still_refused(Estimator):
    X = with_missing(correlated())
    X[5, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        Estimator(**FAST).fit(X)
    est = fit_quietly(Estimator(**FAST), with_missing(correlated()))
    with pytest.raises(ValueError, match="infinity"):
        (est.transform if hasattr(est, "transform") else est.score_samples)(X)


@pytest.mark.parametrize(
    "est",
    [
        AEGenerator(model="vae", **FAST),
        AEGenerator(model="diffusion", **FAST),
        AEOutlierDetector(model="vae", **FAST),
        AEDenoiser(model="diffusion", **FAST),
    ],
    ids=["generator-vae", "generator-diffusion", "detector-vae", "denoiser-diffusion"],
)
def test_models_with_a_likelihood_refuse_missing_values_clearly(est):
    assert not est.__sklearn_tags__().input_tags.allow_nan
    X = with_missing(correlated())
    with pytest.raises(ValueError, match=r"model='\w+' does not accept missing values"):
        est.fit(X)
    with pytest.raises(ValueError, match="does not accept missing values"):
        AEDenoiser(model="diffusion", **FAST).fit(correlated(), y=X)
    fit_quietly(est, correlated())
    method = est.score_samples if hasattr(est, "score_samples") else est.transform
    with pytest.raises(ValueError, match="does not accept missing values"):
        method(X)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda c: c.__name__)
def test_same_random_state_same_result_with_missing_values(Estimator):
    X = with_missing(correlated())
    first, second = (fit_quietly(Estimator(**FAST), X) for _ in range(2))
    method = "score_samples" if Estimator is AEOutlierDetector else "transform"
    np.testing.assert_array_equal(getattr(first, method)(X), getattr(second, method)(X))


def test_results_with_missing_values_do_not_depend_on_the_batch(monkeypatch):
    X = with_missing(correlated(n_samples=300))
    detector = fit_quietly(AEOutlierDetector(**FAST), X)
    for method in ("score_components", "score_sources"):
        whole = getattr(detector, method)(X)
        parts = np.concatenate([getattr(detector, method)(rows) for rows in (X[:77], X[77:])])
        # The network runs in float32, whose rounding may differ with the batch.
        np.testing.assert_allclose(parts, whole, rtol=1e-5, atol=1e-5)


def test_warm_start_moves_from_complete_to_missing_data():
    X = correlated()
    est = fit_quietly(AEOutlierDetector(warm_start=True, **FAST), X)
    fit_quietly(est, with_missing(X))
    assert np.all(np.isfinite(est.loss_curve_))
    assert est.net_.criterion_.ignore_nan
    assert len(est.loss_curve_) == 2 * FAST["max_iter"]


def test_early_stopping_with_missing_values():
    est = fit_quietly(
        AETransformer(early_stopping=True, **FAST), with_missing(correlated(n_samples=300))
    )
    assert np.all(np.isfinite(est.validation_loss_curve_))


def test_float32_and_pandas_nullable_input_with_missing_values():
    X = with_missing(correlated()).astype(np.float32)
    assert AEDenoiser(**FAST).fit(X).transform(X).dtype == np.float32
    frame = pd.DataFrame(with_missing(correlated()), columns=list("abcdef")).astype("Float64")
    assert frame.isna().to_numpy().any()
    out = fit_quietly(AETransformer(**FAST).set_output(transform="pandas"), frame).transform(frame)
    assert np.all(np.isfinite(out.to_numpy()))


# ---------------------------------------------------------------- imputation
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_impute_fills_missing_values_and_keeps_the_observed_ones(dtype):
    X = with_missing(correlated(), rate=0.3).astype(dtype)
    imputer = fit_quietly(AEDenoiser(noise="masking", noise_level=0.3, impute=True, **FAST), X)
    X_filled = imputer.transform(X)
    observed = ~np.isnan(X)
    assert X_filled.dtype == dtype
    np.testing.assert_array_equal(X_filled[observed], X[observed])
    assert np.all(np.isfinite(X_filled))
    denoised = imputer.set_params(impute=False).transform(X)
    assert not np.array_equal(denoised[observed], X[observed])
    np.testing.assert_array_equal(denoised[~observed], X_filled[~observed])


def test_filled_values_do_not_depend_on_the_batch():
    X = with_missing(correlated(n_samples=300), rate=0.3)
    imputer = fit_quietly(AEDenoiser(noise="masking", noise_level=0.3, impute=True, **FAST), X)
    whole = imputer.transform(X)
    np.testing.assert_allclose(
        # A float32 ulp at most: the narrow network (width 8) lets the BLAS
        # round by a row's place in its batch (see _inference._run_module).
        np.vstack([imputer.transform(X[:101]), imputer.transform(X[101:])]),
        whole,
        rtol=1e-6,
        atol=1e-6,
    )
    np.testing.assert_array_equal(imputer.transform(X), whole)


def test_imputation_uses_the_other_features():
    """On features that copy each other, the filled values beat the mean."""
    X = correlated(n_samples=400)
    X_missing = with_missing(X, rate=0.2)
    missing = np.isnan(X_missing)
    imputer = AEDenoiser(noise="masking", noise_level=0.3, impute=True, random_state=0)
    X_filled = fit_quietly(imputer, X_missing).transform(X_missing)
    mean_fill = np.broadcast_to(np.nanmean(X_missing, axis=0), X.shape)
    error = np.sqrt(np.mean((X_filled[missing] - X[missing]) ** 2))
    assert error < 0.5 * np.sqrt(np.mean((mean_fill[missing] - X[missing]) ** 2))


def test_denoiser_takes_an_incomplete_clean_target():
    X = correlated()
    y = with_missing(X)
    denoiser = fit_quietly(AEDenoiser(**FAST), X + 0.1, y)
    assert np.isfinite(denoiser.score(X + 0.1, y))


def test_imputer_in_a_pipeline_before_a_classifier(digits):
    y = load_digits().target[:120]
    X = with_missing(digits, rate=0.2)
    model = make_pipeline(AEDenoiser(noise="masking", impute=True, **FAST), LogisticRegression())
    fit_quietly(model, X, y)
    assert model.score(X, y) > 0.5


def test_masking_noise_level_auto_is_a_rate_below_one():
    X = with_missing(correlated())
    assert AEDenoiser(noise="masking")._noise_level() == 0.3
    assert AEDenoiser()._noise_level() == 1.0
    fit_quietly(AEDenoiser(noise="masking", impute=True, **FAST), X)
    with pytest.raises(ValueError, match="masking probability below 1"):
        AEDenoiser(noise="masking", noise_level=1.0, **FAST).fit(X)
