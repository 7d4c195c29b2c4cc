import pytest
import torch

from sklearn_ae.nn import TrimmedMSELoss


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
