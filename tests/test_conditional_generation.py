"""AEGenerator: the codebook model's prior, sampling by class, and decoder outputs."""

import itertools
import pickle

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from sklearn_ae import AEGenerator
from sklearn_ae.nn import CodePrior, DiffusionModel, VariationalAutoencoder
from sklearn_ae.persistence import dump, load

PRIOR = {"width": 16, "n_blocks": 1, "n_heads": 2}
MODELS = {
    "vae": {"model": "vae", "n_components": 2, "hidden_layer_sizes": (32,), "batch_size": 32},
    "diffusion": {
        "model": "diffusion",
        "hidden_layer_sizes": (32, 32),
        "n_noise_levels": 100,
        "n_sampling_steps": 10,
        "batch_size": 32,
    },
    "vq": {
        "model": "vq",
        "n_components": 2,
        "hidden_layer_sizes": (32,),
        "architecture_params": {"codebook_size": 16},
        "prior_params": PRIOR,
        "batch_size": 32,
    },
}


@pytest.fixture(scope="module")
def blobs():
    """Two classes far apart: "left" rows around -3, "right" rows around +3."""
    rng = np.random.RandomState(0)
    y = np.repeat(["left", "right"], 150)
    X = rng.normal(size=(300, 4)) * 0.5 + np.where(y == "left", -3.0, 3.0)[:, np.newaxis]
    return X, y


@pytest.fixture(scope="module", params=list(MODELS))
def conditional(request, blobs):
    X, y = blobs
    return AEGenerator(**MODELS[request.param], max_iter=40, random_state=0).fit(X, y)


def test_samples_follow_the_class_they_are_asked_for(conditional):
    assert list(conditional.classes_) == ["left", "right"]
    np.testing.assert_allclose(conditional.class_prior_, [0.5, 0.5])
    left = conditional.sample(100, y="left")
    right = conditional.sample(100, y="right")
    assert np.mean(left.mean(axis=1) < 0) > 0.9
    assert np.mean(right.mean(axis=1) > 0) > 0.9
    labels = np.array(["left", "right"] * 50)
    mixed = conditional.sample(100, y=labels)
    assert np.mean((mixed.mean(axis=1) > 0) == (labels == "right")) > 0.9
    # Without y, classes are drawn in the training proportions.
    both = conditional.sample(200).mean(axis=1) > 0
    assert 0.3 < both.mean() < 0.7


def test_conditional_scores(conditional, blobs):
    X, y = blobs
    rows, labels = X[::30], y[::30]
    right_class = conditional.score_samples(rows, labels)
    wrong_class = conditional.score_samples(rows, np.where(labels == "left", "right", "left"))
    assert np.all(right_class > wrong_class)
    # Without y the classes are summed out: log sum_c pi_c p(x | c).
    by_class = [
        np.log(0.5) + conditional.score_samples(rows, np.full(len(rows), c))
        for c in ("left", "right")
    ]
    np.testing.assert_allclose(conditional.score_samples(rows), logsumexp(by_class, axis=0))
    assert conditional.score(rows, labels) == pytest.approx(right_class.mean())


def test_conditional_pickle_and_skops_round_trips(conditional, tmp_path):
    expected = conditional.sample(5, y="right")
    path = tmp_path / "generator.skops"
    dump(conditional, path)
    for restored in (pickle.loads(pickle.dumps(conditional)), load(path)):
        np.testing.assert_array_equal(restored.sample(5, y="right"), expected)
        np.testing.assert_array_equal(restored.classes_, conditional.classes_)


def test_labels_are_checked(conditional, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"not in the training classes .*'up'"):
        conditional.sample(3, y="up")
    with pytest.raises(ValueError, match=r"not in the training classes .*'rightmost'"):
        conditional.sample(3, y="rightmost")  # not cut to the classes' string length
    with pytest.raises(ValueError, match=r"not in the training classes .*\[1\]"):
        conditional.sample(3, y=1)
    with pytest.raises(ValueError, match="holds 2 labels for 3 rows"):
        conditional.sample(3, y=["left", "right"])
    with pytest.raises(ValueError, match="holds 2 labels for 3 rows"):
        conditional.score_samples(X[:3], ["left", "right"])
    unconditional = AEGenerator(**MODELS["vae"], max_iter=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="fitted without class labels"):
        unconditional.sample(3, y="left")
    with pytest.raises(ValueError, match="Unknown label type"):
        AEGenerator(**MODELS["vae"], max_iter=2).fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        AEGenerator(**MODELS["vae"], max_iter=2).fit(X, y[:10])


def test_refit_without_labels_forgets_the_classes(blobs):
    X, y = blobs
    generator = AEGenerator(**MODELS["vq"], max_iter=2, random_state=0).fit(X, y)
    generator.fit(X)
    assert not hasattr(generator, "classes_")
    assert generator.prior_.net_.module_.n_classes == 0
    assert generator.sample(3).shape == (3, 4)


def test_warm_start_keeps_the_classes(blobs):
    X, y = blobs
    generator = AEGenerator(**MODELS["vq"], max_iter=2, warm_start=True, random_state=0)
    generator.fit(X, y)
    prior = generator.prior_
    generator.fit(X, y)
    assert generator.prior_ is prior
    assert generator.prior_.n_iter_ == 4
    with pytest.raises(ValueError, match="classes of the first fit"):
        generator.fit(X, np.where(y == "left", "a", "b"))
    with pytest.raises(ValueError, match="give y to continue"):
        generator.fit(X)


def test_conditional_vae_has_no_inverse_transform_without_a_class(blobs):
    X, y = blobs
    vae = AEGenerator(**MODELS["vae"], max_iter=2, random_state=0).fit(X, y)
    assert vae.transform(X[:3]).shape == (3, 2)
    with pytest.raises(ValueError, match="needs its class"):
        vae.inverse_transform(np.zeros((3, 2)))


# ----------------------------------------------------------------------
# The codebook model
# ----------------------------------------------------------------------
def test_codebook_model_score_is_prior_plus_decoder_likelihood(blobs):
    X, _ = blobs
    generator = AEGenerator(**MODELS["vq"], max_iter=5, random_state=0).fit(X)
    rows = X[:6]
    codes = generator.codebook_indices(rows)
    assert codes.shape == (6, 2)
    sequences = torch.as_tensor(np.hstack([np.zeros((6, 1), dtype=int), codes]))
    with torch.no_grad():
        prior = generator.prior_.net_.module_.log_prob(sequences).double().numpy()
    center, scale = generator._scaling()
    scaled = (rows - center) / scale
    decoded = (generator.inverse_transform(generator.transform(rows)) - center) / scale
    sigma = generator.decoder_scale_
    likelihood = -0.5 * ((scaled - decoded) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi))
    expected = prior + likelihood.sum(axis=1) - np.log(scale).sum()
    np.testing.assert_allclose(generator.score_samples(rows), expected, rtol=1e-4)


def test_codebook_model_refuses_other_architectures(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="not architecture='transformer'"):
        AEGenerator(model="vq", architecture="transformer").fit(X)
    with pytest.raises(ValueError, match="works on images"):
        AEGenerator(model="vq", architecture="conv").fit(X)


def test_top_k_and_top_p_of_one_index_sample_the_most_likely_code(blobs):
    X, _ = blobs
    generator = AEGenerator(**MODELS["vq"], max_iter=5, random_state=0, top_k=1).fit(X)
    greedy = generator.sample(4, random_state=0)
    np.testing.assert_array_equal(generator.sample(4, random_state=1), greedy)
    assert np.all(greedy == greedy[0])
    generator.set_params(top_k=None, top_p=1e-6)
    np.testing.assert_array_equal(generator.sample(4, random_state=2), greedy)
    generator.set_params(top_p=None)
    assert not np.array_equal(generator.sample(4, random_state=2), greedy)


def test_prior_probabilities_sum_to_one_and_are_causal():
    torch.manual_seed(0)
    prior = CodePrior(n_positions=3, codebook_size=3, n_classes=1, width=8, n_heads=2)
    prior.eval()
    codes = torch.tensor(list(itertools.product(range(3), repeat=3)))
    for start in (0, 1):
        sequences = torch.cat([torch.full((len(codes), 1), start), codes], dim=1)
        with torch.no_grad():
            total = prior.log_prob(sequences).exp().sum()
        torch.testing.assert_close(total, torch.tensor(1.0))
    # Changing the last index leaves the predictions of the earlier ones alone.
    with torch.no_grad():
        a = prior(torch.tensor([[0, 1, 2, 0]]))
        b = prior(torch.tensor([[0, 1, 2, 2]]))
        c = prior(torch.tensor([[0, 1, 0, 0]]))
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a[0, 2], c[0, 2])


# ----------------------------------------------------------------------
# Decoder outputs and guidance
# ----------------------------------------------------------------------
@pytest.mark.parametrize("model", ["vae", "vq"])
def test_decoder_sampling(model, blobs):
    X, _ = blobs
    generator = AEGenerator(**MODELS[model], max_iter=5, random_state=0).fit(X)
    calibrated = generator.sample(200)
    assert np.all(calibrated >= X.min(axis=0))
    assert np.all(calibrated <= X.max(axis=0))
    means = generator.set_params(decoder_sampling="mean").sample(200)
    draws = generator.set_params(decoder_sampling="draw").sample(200)
    # Each feature's calibrated values are a monotone map of the means.
    for j in range(X.shape[1]):
        order = np.argsort(means[:, j])
        assert np.all(np.diff(calibrated[order, j]) >= -1e-9)
    assert not np.allclose(draws, means)


def test_classifier_free_guidance_combines_two_predictions():
    torch.manual_seed(0)
    model = DiffusionModel(3, hidden_layer_sizes=(8,), n_steps=50, n_classes=2).eval()
    x, t = torch.randn(4, 3), torch.full((4,), 10)
    labels = torch.tensor([0, 1, 1, 0])
    conditional = model.predict_noise(x, t, labels)
    unconditional = model.predict_noise(x, t, torch.full((4,), 2))
    torch.testing.assert_close(model.predict_noise(x, t), unconditional)
    guided = model.predict_noise(x, t, labels, guidance=2.0)
    torch.testing.assert_close(guided, 3 * conditional - 2 * unconditional)


def test_conditional_networks_read_the_class_from_the_last_column():
    torch.manual_seed(0)
    vae = VariationalAutoencoder(3, n_components=2, hidden_layer_sizes=(8,), n_classes=2).eval()
    x = torch.randn(4, 3)
    labels = torch.tensor([0, 1, 1, 0])
    with torch.no_grad():
        output = vae(torch.cat([x, labels[:, None].float()], dim=1))
        expected = vae.decode(vae.encode(x), labels)
    torch.testing.assert_close(output, expected)
    with pytest.raises(ValueError, match="give the class of each row"):
        vae.decode(vae.encode(x))
    diffusion = DiffusionModel(3, hidden_layer_sizes=(8,), n_steps=20, n_classes=2)
    rows = torch.cat([x, labels[:, None].float()], dim=1)
    assert diffusion(rows).shape == (4, 3)
