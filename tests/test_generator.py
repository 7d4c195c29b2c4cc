"""AEGenerator: sampling, densities, the latent code, persistence and bad input."""

import pickle
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AEGenerator
from sklearn_ae import _inference as inference
from sklearn_ae._callbacks import WeightAveraging
from sklearn_ae.nn import DiffusionModel, VariationalAutoencoder
from sklearn_ae.persistence import dump, load

TINY = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
MODELS = {
    "vae": {"model": "vae", "n_components": 3},
    "vae bernoulli": {"model": "vae", "likelihood": "bernoulli", "scaling": None},
    "vae conv": {
        "model": "vae",
        "architecture": "conv",
        "image_shape": (1, 8, 8),
        "hidden_layer_sizes": (4, 8),
    },
    "diffusion": {"model": "diffusion", "n_noise_levels": 50, "n_sampling_steps": 5},
    "diffusion unet": {
        "model": "diffusion",
        "architecture": "unet",
        "image_shape": (1, 8, 8),
        "hidden_layer_sizes": (4, 8),
        "n_sampling_steps": 3,
    },
    "vq": {
        "model": "vq",
        "n_components": 4,
        "architecture_params": {"codebook_size": 8},
        "prior_params": {"width": 16, "n_blocks": 1, "n_heads": 2},
    },
    "vq conv": {
        "model": "vq",
        "architecture": "conv",
        "image_shape": (1, 8, 8),
        "hidden_layer_sizes": (4, 8),
        "prior_params": {"width": 16, "n_blocks": 1, "n_heads": 2},
    },
}


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits(return_X_y=True)
    return X[:200] / 16


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request, digits):
    return AEGenerator(**{**TINY, **MODELS[request.param]}).fit(digits)


def test_sample_shape_units_and_reproducibility(fitted, digits):
    samples = fitted.sample(7)
    assert samples.shape == (7, 64)
    assert samples.dtype == np.float64
    assert np.all(np.isfinite(samples))
    np.testing.assert_array_equal(samples, fitted.sample(7))  # int random_state
    assert not np.array_equal(fitted.sample(7, random_state=1), samples)
    np.testing.assert_array_equal(
        fitted.sample(7, random_state=1), fitted.sample(7, random_state=1)
    )


def test_sampling_is_batched_with_bounded_memory(fitted, monkeypatch):
    monkeypatch.setattr(inference, "INFERENCE_BATCH_ELEMENTS", 1)  # 64 rows per batch
    samples = fitted.sample(150)
    assert samples.shape == (150, 64)
    assert np.all(np.isfinite(samples))
    assert len(np.unique(samples, axis=0)) > 100  # batches are not copies of each other


def test_score_samples_is_deterministic_and_split_invariant(fitted, digits):
    scores = fitted.score_samples(digits)
    assert scores.shape == (len(digits),)
    assert np.all(np.isfinite(scores))
    np.testing.assert_array_equal(scores, fitted.score_samples(digits))
    split = np.concatenate([fitted.score_samples(digits[:77]), fitted.score_samples(digits[77:])])
    # float32 sums over 64 features: rounding noise of about 1e-5 nats. The
    # CPU BLAS rounds some narrow matrix products differently by row position.
    np.testing.assert_allclose(split, scores, rtol=1e-5, atol=1e-4)
    assert fitted.score(digits) == pytest.approx(scores.mean())


@pytest.mark.parametrize("model", ["vae", "diffusion"])
def test_scores_are_densities_of_x_in_its_own_units(model, digits):
    """Rescaling X by 10 moves every log-density by -log(10) per varying feature.

    Constant features (pixels that are 0 in every image) keep their scale
    of 1 in the scaling, so their density does not change.
    """
    params = {**TINY, **MODELS[model]}
    small = AEGenerator(**params).fit(digits)
    large = AEGenerator(**params).fit(10 * digits)
    n_varying = int(np.sum(digits.std(axis=0) > 0))
    assert n_varying < 64
    np.testing.assert_allclose(
        large.score_samples(10 * digits),
        small.score_samples(digits) - n_varying * np.log(10),
        rtol=1e-5,
    )


@pytest.mark.parametrize("model", ["vae", "diffusion"])
def test_training_raises_the_density_of_the_data(model, digits):
    params = {**MODELS[model], "hidden_layer_sizes": (32,), "random_state": 0}
    short = AEGenerator(**params, max_iter=1).fit(digits)
    long = AEGenerator(**params, max_iter=60).fit(digits)
    assert long.score(digits) > short.score(digits) + 2
    # Real rows are likelier than rows whose pixels are shuffled.
    shuffled = np.random.RandomState(0).permutation(digits.T).T
    assert long.score(digits) > long.score(shuffled)


def test_vae_latent_code(digits):
    vae = AEGenerator(**TINY, n_components=3).fit(digits)
    Z = vae.transform(digits[:5])
    assert Z.shape == (5, 3)
    assert vae.inverse_transform(Z).shape == (5, 64)
    assert vae.n_components_ == 3
    assert list(vae.get_feature_names_out()) == ["aegenerator0", "aegenerator1", "aegenerator2"]
    frame = clone(vae).set_output(transform="pandas").fit_transform(digits)
    assert list(frame.columns) == ["aegenerator0", "aegenerator1", "aegenerator2"]
    with pytest.raises(ValueError, match="3 columns"):
        vae.inverse_transform(np.zeros((2, 4)))


def test_diffusion_has_no_latent_code(digits):
    diffusion = AEGenerator(**TINY, **MODELS["diffusion"]).fit(digits)
    for method in ("transform", "fit_transform", "inverse_transform"):
        assert not hasattr(diffusion, method)
    assert diffusion.n_components_ is None


def test_diffusion_samples_stay_in_the_training_range(digits):
    diffusion = AEGenerator(**TINY, **MODELS["diffusion"]).fit(digits)
    samples = diffusion.sample(50)
    assert np.all(samples >= diffusion.data_min_ - 1e-5)
    assert np.all(samples <= diffusion.data_max_ + 1e-5)


@pytest.mark.parametrize("model", list(MODELS))
def test_pickle_and_skops_round_trips(model, digits, tmp_path):
    generator = AEGenerator(**{**TINY, **MODELS[model]}).fit(digits)
    expected_samples = generator.sample(5)
    expected_scores = generator.score_samples(digits[:20])
    path = tmp_path / "generator.skops"
    dump(generator, path)
    for restored in (pickle.loads(pickle.dumps(generator)), load(path)):
        np.testing.assert_array_equal(restored.sample(5), expected_samples)
        np.testing.assert_array_equal(restored.score_samples(digits[:20]), expected_scores)


def test_bernoulli_likelihood_checks_its_data(digits):
    with pytest.raises(ValueError, match="scaling=None"):
        AEGenerator(**TINY, likelihood="bernoulli").fit(digits)
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        AEGenerator(**TINY, likelihood="bernoulli", scaling=None).fit(digits * 16)
    vae = AEGenerator(**TINY, likelihood="bernoulli", scaling=None).fit(digits)
    outside = digits[:3].copy()
    outside[0, 5] = 1.5
    scores = vae.score_samples(outside)
    assert scores[0] == -np.inf
    assert np.all(np.isfinite(scores[1:]))
    samples = vae.sample(20)
    assert samples.min() >= 0
    assert samples.max() <= 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"model": "vae", "architecture": "unet", "image_shape": (1, 8, 8)}, "continuous code"),
        ({"model": "vae", "architecture": "vq"}, "continuous code"),
        ({"model": "diffusion", "architecture": "vq"}, "'unet' for images"),
        ({"model": "gan"}, "'model' parameter"),
        ({"beta": -1.0}, "'beta' parameter"),
        ({"n_noise_levels": 1}, "'n_noise_levels' parameter"),
        ({"n_sampling_steps": 0}, "'n_sampling_steps' parameter"),
        ({"likelihood": "poisson"}, "'likelihood' parameter"),
    ],
)
def test_bad_parameters_get_clear_errors(params, message, digits):
    with pytest.raises(ValueError, match=message):
        AEGenerator(**{**TINY, **params}).fit(digits)


def test_bad_sample_arguments(fitted):
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(2.5)


def test_sampling_leaves_the_global_random_state_alone(fitted):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fitted.sample(4)
    fitted.score_samples(np.zeros((2, 64)))
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_diffusion_trains_for_max_iter_with_averaged_weights(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        diffusion = AEGenerator(
            **{**TINY, **MODELS["diffusion"], "max_iter": 12, "n_iter_no_change": 2}
        ).fit(digits)
    assert diffusion.n_iter_ == 12  # a noisy loss is no reason to stop
    assert not diffusion.early_stopping_
    assert "weight_averaging" in dict(diffusion.net_.callbacks_)
    vae = AEGenerator(**TINY).fit(digits)
    assert "weight_averaging" not in dict(vae.net_.callbacks_)


def test_weight_averaging_ends_with_the_moving_average():
    net = SimpleNamespace(module_=torch.nn.Linear(2, 1))
    with torch.no_grad():
        net.module_.weight.fill_(0.0)
    callback = WeightAveraging(decay=0.75)  # warmed up after 26 updates
    callback.on_train_begin(net)
    with torch.no_grad():
        net.module_.weight.fill_(1.0)
        callback.on_batch_end(net, training=True)  # decay min(0.75, 1 / 10)
        net.module_.weight.fill_(5.0)
        callback.on_batch_end(net, training=True)  # decay min(0.75, 2 / 11)
        callback.on_batch_end(net, training=False)  # validation batches do not count
    callback.on_train_end(net)
    first = 0.1 * 0.0 + 0.9 * 1.0
    expected = 2 / 11 * first + 9 / 11 * 5.0
    np.testing.assert_allclose(net.module_.weight.detach().numpy(), expected, rtol=1e-6)
    assert not hasattr(callback, "average_")


def test_vae_loss_is_the_negative_elbo_per_feature():
    torch.manual_seed(0)
    vae = VariationalAutoencoder(5, n_components=2, hidden_layer_sizes=(8,), beta=0.5).eval()
    x = torch.randn(4, 5)
    mean, log_var = vae.posterior(x)
    output = vae(x)  # evaluation: z is the posterior mean
    scale = vae.scale()
    log_likelihood = torch.distributions.Normal(output, scale).log_prob(x).sum(dim=1)
    kl = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, (0.5 * log_var).exp()), torch.distributions.Normal(0, 1)
    ).sum(dim=1)
    expected = (-log_likelihood + 0.5 * kl).mean() / 5
    torch.testing.assert_close(vae.loss(output, x), expected)


def test_diffusion_steps_and_noise_levels():
    torch.manual_seed(0)
    model = DiffusionModel(3, hidden_layer_sizes=(8,), n_steps=50).eval()
    x = torch.randn(4, 3)
    last = torch.full((4,), 49)
    # At pure noise the estimate of the noise is the input itself.
    torch.testing.assert_close(model.predict_noise(x, last), x, atol=1e-3, rtol=0)
    # One reverse step from t is the network's estimate of the clean data.
    t = 20
    alpha_bar = model.alpha_bar[t]
    noise = model.predict_noise(x, torch.full((4,), t))
    expected = (x - (1 - alpha_bar).sqrt() * noise) / alpha_bar.sqrt()
    torch.testing.assert_close(model.reverse(x, t, 1), expected)
    # Data with noise of std s is x_t at the step where alpha_bar = 1 / (1 + s^2).
    for noise_std in (0.1, 0.5, 2.0):
        step = model.step_for_noise(noise_std)
        best = np.argmin(np.abs(model.alpha_bar.numpy() - 1 / (1 + noise_std**2)))
        assert step == best


def test_bound_quadrature_covers_every_step():
    model = DiffusionModel(3, hidden_layer_sizes=(8,), n_steps=40)
    all_steps, all_weights = model.bound_quadrature(1000)
    np.testing.assert_array_equal(all_steps, np.arange(40))
    for n_points in (3, 10, 25):
        steps, weights = model.bound_quadrature(n_points)
        assert steps[0] == 0
        assert steps[-1] == 39
        assert len(steps) <= n_points
        np.testing.assert_allclose(weights.sum(), all_weights.sum())


@pytest.mark.parametrize("scaling", ["standard", "robust", None])
def test_vae_pins_features_constant_in_training(scaling):
    """A learned scale starts at 1: a short fit would scatter a constant feature."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.normal(size=(120, 3)), np.full(120, 2.5)])
    est = AEGenerator(**{**TINY, "model": "vae", "scaling": scaling}).fit(X)
    samples = est.sample(200, random_state=0)
    _, scale = est._scaling()
    # Within a few of the likelihood's smallest scale (MIN_SCALE, scaled units).
    assert np.abs(samples[:, 3] - 2.5).max() < 5e-3 * scale[3]
    assert samples[:, :3].std(axis=0).min() > 0.1  # the others stay random
    assert np.isfinite(est.score_samples(X)).all()
    with torch.no_grad():
        module_scale = est.net_.module_.scale()
    assert module_scale[3].item() == pytest.approx(1e-3)
