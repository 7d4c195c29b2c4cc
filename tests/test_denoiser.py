import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_ae import AEDenoiser


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:500], y[:500]


@pytest.mark.parametrize(
    ("noise", "level", "corrupt"),
    [
        ("gaussian", 0.5, lambda X, rng: X + 0.5 * X.std(axis=0) * rng.normal(size=X.shape)),
        ("masking", 0.3, lambda X, rng: X * (rng.uniform(size=X.shape) > 0.3)),
    ],
)
def test_removes_noise(digits, noise, level, corrupt):
    X, _ = digits
    X_noisy = corrupt(X, np.random.RandomState(1))
    den = AEDenoiser(noise=noise, noise_level=level, max_iter=60, random_state=0).fit(X)
    X_denoised = den.transform(X_noisy)
    assert np.mean((X_denoised - X) ** 2) < 0.9 * np.mean((X_noisy - X) ** 2)


def test_trains_on_given_pairs(digits):
    X, _ = digits
    X_noisy = X + 0.5 * X.std(axis=0) * np.random.RandomState(1).normal(size=X.shape)
    den = AEDenoiser(max_iter=60, random_state=0).fit(X_noisy, X)
    assert den.score(X_noisy, X) > den.score(X_noisy, X_noisy) - 1.0
    assert np.mean((den.transform(X_noisy) - X) ** 2) < np.mean((X_noisy - X) ** 2)


def test_target_must_match_X(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="y must be the clean version of X"):
        AEDenoiser(**FAST).fit(X, X[:, :5])


def test_class_labels_from_a_pipeline_are_ignored(digits):
    X, y = digits
    denoiser = AEDenoiser(hidden_layer_sizes=(32,), max_iter=30, random_state=0)
    pipe = make_pipeline(denoiser, LogisticRegression(max_iter=500)).fit(X, y)
    assert pipe.score(X, y) > 0.8
    unsupervised = clone(denoiser).fit(X)
    np.testing.assert_array_equal(pipe[0].transform(X), unsupervised.transform(X))


def test_keeps_shape_and_feature_names(digits):
    X, _ = digits
    frame = pd.DataFrame(X).add_prefix("px")
    den = AEDenoiser(**FAST).set_output(transform="pandas").fit(frame)
    out = den.transform(frame)
    assert out.shape == X.shape
    assert list(out.columns) == list(frame.columns)


def test_noise_is_drawn_afresh_and_reproducibly(digits):
    X, _ = digits
    a = AEDenoiser(**FAST).fit(X)
    b = AEDenoiser(**FAST).fit(X)
    assert a.loss_curve_ == b.loss_curve_
    clean = AEDenoiser(**{**FAST, "noise_level": 0.0}).fit(X)
    assert clean.loss_curve_ != a.loss_curve_


DIFFUSION = {"model": "diffusion", "hidden_layer_sizes": (64,), "random_state": 0}


def test_diffusion_denoiser_removes_noise_of_the_given_level(digits):
    X = digits[0] / 16
    rng = np.random.RandomState(0)
    X_noisy = X + 0.25 * rng.normal(size=X.shape)
    level = 0.25 / X.std()
    denoiser = AEDenoiser(**DIFFUSION, image_shape=(1, 8, 8), max_iter=150, noise_level=level)
    denoised = denoiser.fit(X).transform(X_noisy)
    assert np.mean((denoised - X) ** 2) < 0.6 * np.mean((X_noisy - X) ** 2)
    assert denoiser.score(X_noisy, X) == pytest.approx(
        -np.mean(((denoised - X) / X.std()) ** 2), rel=1e-5
    )


def test_diffusion_denoiser_is_reproducible_with_several_steps(digits):
    X = digits[0][:200]
    denoiser = AEDenoiser(**DIFFUSION, max_iter=2, n_sampling_steps=4, noise_level=0.3).fit(X)
    np.testing.assert_array_equal(denoiser.transform(X[:20]), denoiser.transform(X[:20]))
    assert np.all(denoiser.transform(X[:20]) >= denoiser.data_min_ - 1e-4)


def test_diffusion_denoiser_learns_the_clean_targets(digits):
    X = digits[0][:200]
    noisy = X + np.random.RandomState(0).normal(size=X.shape)
    denoiser = AEDenoiser(**DIFFUSION, max_iter=1).fit(noisy, X)
    np.testing.assert_array_equal(denoiser.data_max_, X.max(axis=0))


def test_diffusion_denoiser_needs_gaussian_noise(digits):
    with pytest.raises(ValueError, match="removes Gaussian noise"):
        AEDenoiser(**DIFFUSION, noise="masking", max_iter=1).fit(digits[0])


def test_diffusion_gets_the_generator_budget():
    diffusion, plain = AEDenoiser(model="diffusion"), AEDenoiser()
    diffusion.batch_size_ = plain.batch_size_ = 256
    assert diffusion._max_epochs(1_280) == 2_000  # 10,000 batches, at most 2,000 epochs
    assert diffusion._max_epochs(256_000) == 10
    assert plain._max_epochs(1_280) == 200  # 5,000 batches, at most 200 epochs
    assert diffusion.set_params(max_iter=7)._max_epochs(1_280) == 7
