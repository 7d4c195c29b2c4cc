import torch
from skorch.dataset import Dataset

from sklearn_ae._batching import TensorBatchIterator


def test_batches_cover_every_row_once():
    X = torch.arange(20.0).reshape(10, 2)
    batches = list(TensorBatchIterator(Dataset(X, X), batch_size=4, shuffle=True))
    assert [len(Xb) for Xb, _ in batches] == [4, 4, 2]
    rows = torch.cat([Xb for Xb, _ in batches])
    assert sorted(rows[:, 0].tolist()) == X[:, 0].tolist()


def test_target_follows_input_rows_when_shuffled():
    X = torch.arange(10.0).reshape(10, 1)
    y = X * 100
    for Xb, yb in TensorBatchIterator(Dataset(X, y), batch_size=3, shuffle=True):
        assert torch.equal(yb, Xb * 100)


def test_autoencoder_target_is_the_same_batch():
    X = torch.randn(10, 3)
    for Xb, yb in TensorBatchIterator(Dataset(X, X), batch_size=4, shuffle=True):
        assert yb is Xb


def test_corruption_touches_inputs_only():
    X = torch.ones(6, 2)
    for Xb, yb in TensorBatchIterator(Dataset(X, X), batch_size=6, corruption=torch.zeros_like):
        assert torch.equal(Xb, torch.zeros(6, 2))
        assert torch.equal(yb, torch.ones(6, 2))
    assert torch.equal(X, torch.ones(6, 2))


def test_no_shuffle_keeps_order_and_len():
    X = torch.arange(7.0).reshape(7, 1)
    iterator = TensorBatchIterator(Dataset(X, None), batch_size=3)
    assert len(iterator) == 3
    assert torch.equal(torch.cat([Xb for Xb, yb in iterator]), X)
    assert all(yb is None for _, yb in iterator)
