"""Transformer and vector-quantised networks in every estimator."""

import pickle

import numpy as np
import pytest
import torch
from conftest import main_output
from sklearn.datasets import load_digits

from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer
from sklearn_ae.nn import TransformerAutoencoder, VectorQuantizer, VQAutoencoder
from sklearn_ae.persistence import dump, load

TINY = {"hidden_layer_sizes": (8,), "max_iter": 2, "random_state": 0}
SETTINGS = {
    "transformer table": {"architecture": "transformer"},
    "transformer image": {
        "architecture": "transformer",
        "image_shape": (1, 8, 8),
        # Width 16: the CPU BLAS gives row-position-dependent rounding for
        # 9 -> 8 matrix products (3x3 patches to width 8), which would break
        # the split-invariance test below for reasons outside this package.
        "hidden_layer_sizes": (16,),
        "architecture_params": {"patch_size": 3, "mask_ratio": 0.25},
    },
    "vq table": {"architecture": "vq", "architecture_params": {"codebook_size": 8}},
    "vq image": {
        "architecture": "vq",
        "image_shape": (1, 8, 8),
        "hidden_layer_sizes": (4, 8),
        "n_components": 3,
    },
}
ESTIMATORS = [AETransformer, AEOutlierDetector, AEDenoiser]


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits(return_X_y=True)
    return X[:120]


def fit(Estimator, setting, X, **params):
    return Estimator(**{**TINY, **SETTINGS[setting], **params}).fit(X)


@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_tiny_fit_gives_the_right_shapes(Estimator, setting, digits):
    est = fit(Estimator, setting, digits)
    out = main_output(est, digits)
    if isinstance(est, AETransformer):
        assert out.shape == (len(digits), est.n_components_)
        assert len(est.get_feature_names_out()) == est.n_components_
        assert est.inverse_transform(out).shape == digits.shape
    elif isinstance(est, AEOutlierDetector):
        assert out.shape == (len(digits),)
    else:
        assert out.shape == digits.shape
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize("setting", SETTINGS)
def test_same_random_state_is_bit_identical(setting, digits):
    a = fit(AEOutlierDetector, setting, digits)
    b = fit(AEOutlierDetector, setting, digits)
    np.testing.assert_array_equal(a.score_samples(digits), b.score_samples(digits))


@pytest.mark.parametrize("setting", SETTINGS)
def test_results_do_not_depend_on_how_X_is_split(setting, digits):
    est = fit(AETransformer, setting, digits)
    whole = est.transform(digits)
    parts = np.concatenate([est.transform(digits[:37]), est.transform(digits[37:])])
    np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize("setting", SETTINGS)
def test_pickle_and_skops_round_trips(setting, digits, tmp_path):
    est = fit(AETransformer, setting, digits)
    expected = est.transform(digits)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(digits), expected)
    dump(est, tmp_path / "model.skops")
    restored = load(tmp_path / "model.skops")
    np.testing.assert_array_equal(restored.transform(digits), expected)
    if setting.startswith("vq"):
        np.testing.assert_array_equal(
            restored.codebook_indices(digits), est.codebook_indices(digits)
        )


# --- transformer -------------------------------------------------------------


def test_transformer_has_one_token_per_feature_or_patch():
    assert TransformerAutoencoder(7, hidden_layer_sizes=(8,)).tokens.n_tokens == 7
    # 8x8 in 3x3 patches: padded to 9x9, a 3x3 grid.
    module = TransformerAutoencoder(64, image_shape=(1, 8, 8), patch_size=3)
    assert module.tokens.n_tokens == 9
    # patch_size=None: the smallest patches giving at most 64 tokens.
    assert TransformerAutoencoder(784, image_shape=(1, 28, 28)).tokens.patch_size == 4


def test_masking_acts_in_training_only():
    torch.manual_seed(0)
    module = TransformerAutoencoder(6, hidden_layer_sizes=(8,), mask_ratio=0.5)
    x = torch.randn(4, 6)
    module.train()
    assert not torch.equal(module.encode(x), module.encode(x))
    module.eval()
    torch.testing.assert_close(module.encode(x), module.encode(x), rtol=0, atol=0)


def test_dropout_spares_the_attention_weights():
    # Attention-weight dropout would force the slow unfused attention kernel.
    module = TransformerAutoencoder(6, hidden_layer_sizes=(8, 8), dropout=0.2)
    for blocks in (module.encoder, module.decoder):
        for layer in blocks.layers:
            assert layer.self_attn.dropout == 0.0
            assert layer.dropout1.p == 0.2


def test_masked_training_differs_from_plain(digits):
    plain = fit(AETransformer, "transformer table", digits)
    masked = fit(
        AETransformer, "transformer table", digits, architecture_params={"mask_ratio": 0.3}
    )
    assert not np.array_equal(plain.transform(digits), masked.transform(digits))


def test_too_many_tokens_warn_then_are_refused():
    with pytest.warns(UserWarning, match=r"300 tokens \(features\).*slow past 256"):
        TransformerAutoencoder(300, hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match=r"2000 tokens \(features\).*more than the 1024"):
        TransformerAutoencoder(2000, hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match=r"larger architecture_params\['patch_size'\]"):
        TransformerAutoencoder(4096, image_shape=(1, 64, 64), patch_size=1)


@pytest.mark.parametrize(
    ("setting", "params", "message"),
    [
        ("transformer table", {"hidden_layer_sizes": (8, 16)}, "same for all blocks"),
        (
            "transformer table",
            {"architecture_params": {"n_heads": 3}},
            r"multiple of architecture_params\['n_heads'\]=3",
        ),
        ("transformer table", {"architecture_params": {"n_heads": 0}}, "n_heads"),
        ("transformer table", {"architecture_params": {"patch_size": 2}}, "needs image_shape"),
        ("transformer image", {"architecture_params": {"patch_size": 0}}, "patch_size"),
        ("transformer table", {"architecture_params": {"mask_ratio": 1.0}}, r"\[0, 1\)"),
        ("transformer table", {"architecture_params": {"heads": 2}}, r"accepts \['mask_ratio'"),
        ("vq table", {"architecture_params": {"codebook_size": 1}}, "codebook_size"),
        ("vq table", {"n_components": 6, "architecture_params": {"n_groups": 4}}, "divide"),
        ("vq image", {"architecture_params": {"n_groups": 2}}, "for tables"),
        ("vq table", {"architecture_params": {"decay": 1.0}}, "decay"),
        ("vq table", {"architecture_params": {"commitment": -1}}, "commitment"),
    ],
)
def test_clear_errors_for_bad_architecture_params(setting, params, message, digits):
    est = AEDenoiser(**{**TINY, **SETTINGS[setting], **params})
    with pytest.raises(ValueError, match=message):
        est.fit(digits)
    assert not hasattr(est, "net_")


# --- vector quantisation -----------------------------------------------------


@pytest.mark.parametrize("setting", ["vq table", "vq image"])
def test_transform_returns_codebook_entries(setting, digits):
    est = fit(AETransformer, setting, digits)
    module = est.net_.module_
    Z = est.transform(digits)
    indices = est.codebook_indices(digits)
    assert indices.shape == (len(digits), module.n_positions)
    assert indices.dtype == np.int64
    codebook = module.quantizer.codebook.numpy()
    dim = codebook.shape[1]
    if setting == "vq table":
        vectors = Z.reshape(len(digits), module.n_positions, dim)
    else:  # codes are (dim, height, width) maps, flattened
        vectors = Z.reshape(len(digits), dim, module.n_positions).transpose(0, 2, 1)
    np.testing.assert_allclose(vectors, codebook[indices], rtol=1e-6)


def test_vq_code_size_on_images(digits):
    est = fit(AETransformer, "vq image", digits)
    # Two stride-2 stages: 8x8 -> 2x2 positions of 3 values each.
    assert est.n_components_ == 12
    assert est.transform(digits).shape == (len(digits), 12)


def test_codebook_usage_is_recorded_and_reported(digits, capsys):
    est = fit(AETransformer, "vq table", digits, verbose=1)
    assert 0 < est.codebook_usage_ <= 1
    assert 1 <= est.codebook_perplexity_ <= 8
    used = len(np.unique(est.codebook_indices(digits)))
    assert est.codebook_usage_ == used / 8
    assert "entries used, perplexity" in capsys.readouterr().out


def test_codebook_indices_only_for_vq(digits):
    assert hasattr(AETransformer(architecture="vq"), "codebook_indices")
    assert not hasattr(AETransformer(), "codebook_indices")
    assert not hasattr(fit(AETransformer, "transformer table", digits), "codebook_indices")
    assert not hasattr(AETransformer(architecture="nope"), "codebook_indices")


def test_commitment_loss_is_added_in_training_only(digits):
    est = fit(AETransformer, "vq table", digits, early_stopping=True)
    net, module = est.net_, est.net_.module_
    X = torch.as_tensor(digits[:10] / 16, dtype=torch.float32)
    module.train()
    y_pred = net.infer(X)
    reconstruction = torch.nn.functional.mse_loss(y_pred, X)
    commitment = module.quantizer.loss.detach().clone()
    assert commitment > 0
    torch.testing.assert_close(net.get_loss(y_pred, X, training=True), reconstruction + commitment)
    module.eval()
    y_pred = net.infer(X)
    torch.testing.assert_close(
        net.get_loss(y_pred, X, training=False), torch.nn.functional.mse_loss(y_pred, X)
    )


def test_quantizer_moves_entries_to_the_mean_of_their_vectors():
    torch.manual_seed(0)
    quantizer = VectorQuantizer(2, 1, decay=0.0, restart_threshold=0.0)
    z = torch.tensor([[0.0], [1.0], [10.0], [12.0]])
    quantizer.train()
    quantizer(z)  # initialised at two of the rows, then one EMA step
    quantizer(z)
    np.testing.assert_allclose(sorted(quantizer.codebook.ravel().tolist()), [0.5, 11.0], atol=1e-4)


def test_quantizer_restarts_unused_entries():
    torch.manual_seed(0)
    quantizer = VectorQuantizer(4, 2, decay=0.5, restart_threshold=1.0)
    quantizer.train()
    quantizer(torch.randn(64, 2))
    quantizer.codebook[3] = 1e3  # far from every vector: never chosen
    far = quantizer.codebook[3].clone()
    for _ in range(5):
        quantizer(torch.randn(64, 2))
    assert not torch.equal(quantizer.codebook[3], far)
    assert quantizer.codebook.abs().max() < 10


def test_vq_module_gradients_reach_the_encoder():
    torch.manual_seed(0)
    module = VQAutoencoder(5, n_components=4, hidden_layer_sizes=(8,), n_groups=2)
    module.train()
    x = torch.randn(16, 5)
    loss = (module(x) - x).square().mean() + module.auxiliary_loss()
    loss.backward()
    first_layer = module.backbone.encoder[0].weight
    assert first_layer.grad is not None
    assert first_layer.grad.abs().sum() > 0
    assert not any(p is module.quantizer.codebook for p in module.parameters())


def test_vq_default_widths_and_batch_follow_the_data(digits):
    on_images = AETransformer(architecture="vq", image_shape=(1, 8, 8), max_iter=1).fit(digits)
    assert on_images.net_.module_.encoder[1][0].out_channels == 64  # (32, 64)
    assert on_images.batch_size_ == 32
    on_table = AETransformer(architecture="vq", max_iter=1).fit(digits)
    assert on_table.net_.module_.backbone.encoder[0].out_features == 128
    assert on_table.batch_size_ == len(digits)


def test_inference_batches_shrink_with_attention_cost():
    X = np.random.RandomState(0).normal(size=(40, 200))
    mlp = AETransformer(max_iter=1, hidden_layer_sizes=(8,)).fit(X)
    attention = AETransformer(architecture="transformer", max_iter=1, hidden_layer_sizes=(8,))
    attention.fit(X)
    per_row = attention.net_.module_.inference_values_per_row
    assert per_row >= 201 * 201 * 2  # tokens squared, per head
    assert attention._inference_rows() < mlp._inference_rows()
    whole = attention.transform(X)
    np.testing.assert_array_equal(
        np.concatenate([attention.transform(X[:7]), attention.transform(X[7:])]), whole
    )
