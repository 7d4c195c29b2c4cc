"""Training through Hugging Face accelerate (``net_params={"accelerator": ...}``)."""

import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from conftest import FAST, main_output
from skorch.dataset import Dataset

from sklearn_ae import AEDenoiser, AEGenerator, AEOutlierDetector, AETransformer
from sklearn_ae._batching import TensorBatchIterator
from sklearn_ae._network import AcceleratedAutoencoderNet, AutoencoderNet

accelerate = pytest.importorskip("accelerate")

ESTIMATORS = [
    (AETransformer, {}),
    (AEOutlierDetector, {"early_stopping": True}),
    (AEDenoiser, {}),
    (AEGenerator, {}),
]


@pytest.fixture
def X():
    return np.random.RandomState(0).normal(size=(120, 6))


def accelerated(params):
    return {**params, "net_params": {"accelerator": accelerate.Accelerator(cpu=True)}}


@pytest.mark.parametrize(("Estimator", "params"), ESTIMATORS)
def test_one_process_gives_the_plain_results(Estimator, params, X):
    plain = Estimator(**FAST, **params).fit(X)
    fast = Estimator(**accelerated({**FAST, **params})).fit(X)
    assert type(plain.net_) is AutoencoderNet  # nothing changes for those who don't ask
    assert type(fast.net_) is AcceleratedAutoencoderNet
    np.testing.assert_array_equal(plain.loss_curve_, fast.loss_curve_)
    np.testing.assert_array_equal(main_output(plain, X), main_output(fast, X))


def test_fitted_model_pickles_without_the_accelerator(X):
    est = AETransformer(**accelerated(FAST)).fit(X)
    restored = pickle.loads(pickle.dumps(est))
    assert type(restored.net_) is AutoencoderNet
    np.testing.assert_array_equal(restored.transform(X), est.transform(X))


def test_warm_start_continues_training(X):
    est = AETransformer(**accelerated({**FAST, "warm_start": True})).fit(X)
    est.fit(X)
    assert est.n_iter_ == 2 * FAST["max_iter"]


@pytest.mark.parametrize("verbose", [0, 2])
def test_prints_only_when_verbose(X, capsys, verbose):
    AETransformer(**accelerated({**FAST, "verbose": verbose})).fit(X)
    out = capsys.readouterr().out
    assert ("train_loss" in out) is bool(verbose)


def test_shards_split_every_batch_between_processes():
    data = torch.arange(10.0).reshape(10, 1)
    torch.manual_seed(0)
    whole = [x.flatten().tolist() for x, _ in TensorBatchIterator(Dataset(data, data), 4, True)]
    shards = []
    for index in range(2):
        torch.manual_seed(0)  # every process draws the same permutation
        iterator = TensorBatchIterator(Dataset(data, data), 4, True, shard=(index, 2))
        shards.append([x.flatten().tolist() for x, _ in iterator])
    for batch, first, second in zip(whole, *shards, strict=True):
        if len(batch) >= 2:
            assert sorted(first + second) == sorted(batch)
            assert len(first) == len(batch) // 2
        else:  # too small to share
            assert first == second == batch


TWO_PROCESSES = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from accelerate import Accelerator
    from sklearn_ae import AETransformer

    accelerator = Accelerator(cpu=True)
    X = np.random.RandomState(0).normal(size=(200, 6))
    est = AETransformer(
        hidden_layer_sizes=(8,), max_iter=4, batch_size=32, random_state=0,
        net_params={"accelerator": accelerator},
    ).fit(X)
    if accelerator.is_main_process:
        print(json.dumps({
            "processes": accelerator.num_processes,
            "loss_curve": est.loss_curve_,
            "codes": est.transform(X[:5]).tolist(),
        }))
    # Tear the gloo group down before exit: left to the interpreter's exit,
    # its threads may abort ("terminate called without an active exception").
    import torch.distributed as dist
    accelerator.wait_for_everyone()
    dist.destroy_process_group()
    """
)


def test_two_processes_train_like_one(tmp_path):
    """``torchrun`` with two CPU processes (gloo): distributed data parallel.

    Each process trains on half of every batch; averaged gradients make
    the result that of one process on whole batches, up to rounding.
    """
    script = tmp_path / "train.py"
    script.write_text(TWO_PROCESSES)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [*torchrun, str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["processes"] == 2
    one = AETransformer(hidden_layer_sizes=(8,), max_iter=4, batch_size=32, random_state=0)
    one.fit(np.random.RandomState(0).normal(size=(200, 6)))
    np.testing.assert_allclose(report["loss_curve"], one.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(
        report["codes"],
        one.transform(np.random.RandomState(0).normal(size=(200, 6))[:5]),
        rtol=1e-4,
        atol=1e-5,
    )
