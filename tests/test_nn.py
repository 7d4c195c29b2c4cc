import numpy as np
import pytest
import torch

from sklearn_ae.nn import MLPAutoencoder, TransformerAutoencoder, TrimmedMSELoss


def test_no_trimming_is_mean_squared_error():
    output, target = torch.randn(10, 3), torch.randn(10, 3)
    expected = torch.nn.functional.mse_loss(output, target)
    torch.testing.assert_close(TrimmedMSELoss(0.0)(output, target), expected)


def test_the_worst_reconstructed_samples_are_left_out():
    target = torch.zeros(10, 2)
    output = torch.ones(10, 2)
    output[[3, 7]] = 100.0  # two badly reconstructed samples
    assert TrimmedMSELoss(0.2)(output, target).item() == pytest.approx(1.0)
    assert TrimmedMSELoss(0.1)(output, target).item() > 1000


def test_at_least_one_sample_is_kept():
    output, target = torch.tensor([[3.0]]), torch.tensor([[1.0]])
    assert TrimmedMSELoss(0.5)(output, target).item() == pytest.approx(4.0)


def test_gradient_flows_only_through_kept_samples():
    output = torch.tensor([[1.0], [2.0], [50.0], [3.0]], requires_grad=True)
    TrimmedMSELoss(0.25)(output, torch.zeros(4, 1)).backward()
    assert output.grad[2].item() == 0.0
    assert torch.all(output.grad[[0, 1, 3]] > 0)


@pytest.mark.parametrize("shape", [(1, 5, 7), (1, 28, 28), (3, 5, 7), (1, 1, 1), (2, 1, 9)])
@pytest.mark.parametrize("widths", [(4,), (4, 8, 16)])
def test_image_modules_map_rows_to_rows(shape, widths):
    from sklearn_ae.nn import ConvAutoencoder, UNet

    n_features = int(np.prod(shape))
    x = torch.randn(3, n_features)
    conv = ConvAutoencoder(n_features, shape, widths, n_components=5)
    assert conv.encode(x).shape == (3, 5)
    assert conv(x).shape == x.shape
    assert UNet(n_features, shape, widths)(x).shape == x.shape


@pytest.mark.parametrize("shape", [(1, 5, 7), (3, 8, 8), (1, 1, 1)])
def test_image_rows_round_trip(shape):
    from sklearn_ae.nn import ImageRows

    rows = ImageRows(shape, multiple=8)
    x = torch.randn(4, int(np.prod(shape)))
    images = rows.to_images(x)
    assert images.shape[2] % 8 == 0
    assert images.shape[3] % 8 == 0
    torch.testing.assert_close(rows.to_rows(images), x)


@pytest.mark.parametrize("kernel_size", [0, 2, 3.0])
def test_bad_kernel_size(kernel_size):
    from sklearn_ae.nn import ConvAutoencoder

    with pytest.raises(ValueError, match="kernel_size"):
        ConvAutoencoder(16, (1, 4, 4), (4,), kernel_size=kernel_size)


@pytest.mark.parametrize(
    ("shape", "message"),
    [((1, 4), "three positive"), ((1, -4, 4), "three positive"), ((1, 4, 5), "20 values")],
)
def test_check_image_shape(shape, message):
    from sklearn_ae.nn._image import check_image_shape

    with pytest.raises(ValueError, match=message):
        check_image_shape(shape, 16)


def test_get_architecture():
    from torch import nn

    from sklearn_ae.nn import ConvAutoencoder, get_architecture

    assert get_architecture("conv") is ConvAutoencoder
    with pytest.raises(ValueError, match="Unknown architecture 'nope'"):
        get_architecture("nope")
    with pytest.raises(TypeError, match=r"subclass of torch\.nn\.Module"):
        get_architecture(dict)

    class Forward(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="lacks encode and decode"):
        get_architecture(Forward)
    Forward.bypasses_code = True
    assert get_architecture(Forward) is Forward


@pytest.mark.parametrize(
    "make_module",
    [
        lambda: MLPAutoencoder(5, (4,), 2, dropout=0.1),
        lambda: TransformerAutoencoder(5, hidden_layer_sizes=(4,)),
    ],
)
def test_train_and_eval_still_switch_every_submodule(make_module):
    module = make_module()
    module.eval()
    assert not any(m.training for m in module.modules())
    module.train()
    assert all(m.training for m in module.modules())
    assert module.train() is module  # unchanged mode: a no-op
    assert all(m.training for m in module.modules())
