"""The architecture protocol: conv and U-Net networks in every estimator."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from torch import nn

from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer
from sklearn_ae.persistence import dump, load

TINY = {"hidden_layer_sizes": (4, 8), "max_iter": 2, "random_state": 0}
IMAGES = {"image_shape": (1, 8, 8)}
CASES = [
    (AETransformer, "mlp"),
    (AETransformer, "conv"),
    (AEOutlierDetector, "mlp"),
    (AEOutlierDetector, "conv"),
    (AEDenoiser, "mlp"),
    (AEDenoiser, "conv"),
    (AEDenoiser, "unet"),
]


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits(return_X_y=True)
    return X[:120]


def output(est, X):
    return est.score_samples(X) if isinstance(est, AEOutlierDetector) else est.transform(X)


@pytest.mark.parametrize(("Estimator", "architecture"), CASES)
def test_tiny_fit_gives_the_right_shapes(Estimator, architecture, digits):
    est = Estimator(architecture=architecture, **IMAGES, **TINY).fit(digits)
    out = output(est, digits)
    assert est.image_shape_ == (1, 8, 8)
    if isinstance(est, AETransformer):
        assert out.shape == (len(digits), est.n_components_)
        assert est.inverse_transform(out).shape == digits.shape
    elif isinstance(est, AEOutlierDetector):
        assert out.shape == (len(digits),)
        assert set(est.predict(digits)) <= {-1, 1}
    else:
        assert out.shape == digits.shape
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize(("Estimator", "architecture"), CASES)
def test_four_dimensional_X_is_the_flattened_X(Estimator, architecture, digits):
    flat = Estimator(architecture=architecture, **IMAGES, **TINY).fit(digits)
    four_d = Estimator(architecture=architecture, **TINY).fit(digits.reshape(-1, 1, 8, 8))
    assert four_d.image_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(output(four_d, digits.reshape(-1, 1, 8, 8)), output(flat, digits))


def test_four_dimensional_X_must_match_image_shape(digits):
    with pytest.raises(
        ValueError, match=r"images of shape \(1, 8, 8\).*image_shape is \(1, 4, 16\)"
    ):
        AEDenoiser(architecture="conv", image_shape=(1, 4, 16), **TINY).fit(
            digits.reshape(-1, 1, 8, 8)
        )


@pytest.mark.parametrize("architecture", ["conv", "unet"])
@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 1, 7), (2, 5, 1), (1, 1, 1)])
def test_rgb_odd_and_one_pixel_images(architecture, shape):
    X = np.random.RandomState(0).uniform(size=(40, int(np.prod(shape))))
    est = AEDenoiser(architecture=architecture, image_shape=shape, **TINY).fit(X)
    assert est.transform(X).shape == X.shape
    assert est.scaler_.mean_.shape == (shape[0],)


def test_images_are_scaled_per_channel():
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.normal(0, 1, (50, 4)), rng.normal(10, 5, (50, 4))], axis=1)
    est = AEDenoiser(architecture="conv", image_shape=(2, 2, 2), **TINY).fit(X)
    np.testing.assert_allclose(est.scaler_.mean_, [X[:, :4].mean(), X[:, 4:].mean()])
    center, scale = est._scaling()
    assert len(set(center[:4])) == 1
    assert len(set(scale[4:])) == 1


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"image_shape": (1, 8, 9)}, ValueError, r"describes 72 values .* 64 features"),
        ({"image_shape": (1, 0, 64)}, ValueError, "three positive integers"),
        ({"image_shape": (8, 8)}, ValueError, "three positive integers"),
        ({"image_shape": None}, ValueError, r"works on images: pass image_shape"),
        ({"architecture": "resnet"}, ValueError, "architecture"),
        (
            {"architecture_params": {"heads": 4}},
            ValueError,
            r"\['heads'\] are not parameters of ConvAutoencoder; it accepts \['kernel_size'\]",
        ),
        ({"architecture_params": {"n_components": 4}}, ValueError, "may not set"),
        ({"architecture_params": {"kernel_size": 4}}, ValueError, "kernel_size"),
    ],
)
def test_clear_errors(params, error, message, digits):
    est = AEDenoiser(**{"architecture": "conv", **IMAGES, **TINY, **params})
    with pytest.raises(error, match=message):
        est.fit(digits)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize("Estimator", [AETransformer, AEOutlierDetector])
def test_unet_is_refused_where_the_code_matters(Estimator, digits):
    with pytest.raises(ValueError, match=r"architecture='unet'.*AEDenoiser"):
        Estimator(architecture="unet", **IMAGES, **TINY).fit(digits)


class LinearAutoencoder(nn.Module):
    """A user's module that follows the protocol."""

    def __init__(self, n_features, n_components, scale=1.0):
        super().__init__()
        self.encoder = nn.Linear(n_features, n_components)
        self.decoder = nn.Linear(n_components, n_features)
        self.scale = scale

    def encode(self, x):
        return self.encoder(x) * self.scale

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))


class NoCode(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.layer = nn.Linear(n_features, n_features)

    def forward(self, x):
        return self.layer(x)


class NoCodeByDesign(NoCode):
    bypasses_code = True


def test_user_module_trains_and_transforms(digits):
    est = AETransformer(
        architecture=LinearAutoencoder,
        n_components=3,
        architecture_params={"scale": 2.0},
        max_iter=2,
        random_state=0,
    ).fit(digits)
    assert isinstance(est.net_.module_, LinearAutoencoder)
    assert est.net_.module_.scale == 2.0
    assert est.transform(digits).shape == (len(digits), 3)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(digits), est.transform(digits))


def test_user_module_without_encode_decode_is_refused(digits):
    with pytest.raises(TypeError, match=r"NoCode lacks encode and decode"):
        AEDenoiser(architecture=NoCode, max_iter=1).fit(digits)
    AEDenoiser(architecture=NoCodeByDesign, max_iter=1).fit(digits)
    with pytest.raises(ValueError, match="cannot use architecture='NoCodeByDesign'"):
        AETransformer(architecture=NoCodeByDesign, max_iter=1).fit(digits)


def test_not_a_module_is_refused(digits):
    with pytest.raises(TypeError, match=r"subclass of torch\.nn\.Module"):
        AETransformer(architecture=dict, max_iter=1).fit(digits)


@pytest.mark.parametrize(("Estimator", "architecture"), [*CASES[1::2], CASES[-1]])
def test_same_random_state_is_bit_identical(Estimator, architecture, digits):
    a = Estimator(architecture=architecture, **IMAGES, **TINY).fit(digits)
    b = Estimator(architecture=architecture, **IMAGES, **TINY).fit(digits)
    np.testing.assert_array_equal(output(a, digits), output(b, digits))


@pytest.mark.parametrize("architecture", ["conv", "unet"])
def test_results_do_not_depend_on_how_X_is_split(architecture, digits):
    est = AEDenoiser(architecture=architecture, **IMAGES, **TINY).fit(digits)
    whole = est.transform(digits)
    parts = np.concatenate([est.transform(digits[:37]), est.transform(digits[37:])])
    np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize(("Estimator", "architecture"), [*CASES[1::2], CASES[-1]])
def test_pickle_and_skops_round_trips(Estimator, architecture, digits, tmp_path):
    est = Estimator(
        architecture=architecture, architecture_params={"kernel_size": 5}, **IMAGES, **TINY
    ).fit(digits)
    expected = output(est, digits)
    np.testing.assert_array_equal(output(pickle.loads(pickle.dumps(est)), digits), expected)
    dump(est, tmp_path / "model.skops")
    restored = load(tmp_path / "model.skops")
    np.testing.assert_array_equal(output(restored, digits), expected)
    assert restored.get_params() == est.get_params()


def test_clone_keeps_the_architecture():
    est = AEDenoiser(
        architecture="unet", image_shape=(1, 8, 8), architecture_params={"residual": False}
    )
    params = clone(est).get_params()
    assert params["architecture"] == "unet"
    assert params["image_shape"] == (1, 8, 8)
    assert params["architecture_params"] == {"residual": False}


def test_default_widths_and_batch_come_from_the_architecture(digits):
    est = AEDenoiser(architecture="unet", **IMAGES, max_iter=1).fit(digits)
    assert est.net_.module_.down[-1][0].out_channels == 64  # (16, 32, 64)
    assert est.batch_size_ == 32
    mlp = AEDenoiser(max_iter=1).fit(digits)
    assert mlp.batch_size_ == len(digits)  # min(256, n_samples)


def test_unet_without_residual_is_not_the_identity_at_start():
    torch.manual_seed(0)
    from sklearn_ae.nn import UNet

    x = torch.randn(2, 64)
    assert not torch.allclose(UNet(64, (1, 8, 8), (4,), residual=False)(x), x)
    with pytest.raises(ValueError, match="residual"):
        UNet(64, (1, 8, 8), (4,), residual="yes")
