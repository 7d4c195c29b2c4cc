"""Building the skorch net that trains an estimator's torch module."""

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping
from torch import nn

from ._batching import TensorBatchIterator
from ._callbacks import NonFiniteLossGuard, WeightAveraging


class AutoencoderNet(NeuralNet):
    """A ``NeuralNet`` that adds the module's own loss terms in training.

    A module with extra loss terms (a vector quantiser's commitment loss,
    for example) computes them in its training forward pass and returns
    their sum from ``auxiliary_loss()``; they are added to the
    reconstruction loss here, the way skorch's documentation shows for
    regularised modules. Validation losses stay pure reconstruction.
    A module that defines ``loss(output, target)`` (a likelihood of its
    own) replaces the criterion with it.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        module_loss = getattr(self.module_, "loss", None)
        if module_loss is not None:
            # A network with a likelihood of its own (a VAE, a diffusion
            # model) defines its loss, in training and validation alike.
            loss = module_loss(y_pred, y_true)
        else:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        auxiliary_loss = getattr(self.module_, "auxiliary_loss", None)
        if training and auxiliary_loss is not None:
            loss = loss + auxiliary_loss()
        return loss


def build_net(estimator, module_class, module_arguments, device, valid_split, corruption, epochs):
    """An :class:`AutoencoderNet` for ``module_class`` with the estimator's settings.

    Training reads batches through :class:`TensorBatchIterator` (slices of
    one pre-made tensor), uses fused Adam unless ``net_params`` names another
    optimizer, stops on a NaN/inf loss (:class:`NonFiniteLossGuard`) and
    when the monitored loss stops improving (skorch's ``EarlyStopping``),
    and for a diffusion model ends with averaged weights
    (:class:`WeightAveraging`).
    ``estimator.net_params`` are applied last; their callbacks are added.
    """
    callbacks = [
        ("non_finite_loss", NonFiniteLossGuard(estimator.learning_rate_init)),
        (
            "stopper",
            EarlyStopping(
                monitor="valid_loss" if estimator.early_stopping_ else "train_loss",
                # Without a validation set, a noisy training loss (a
                # diffusion model's) is no reason to stop: train max_iter epochs.
                patience=(
                    estimator.n_iter_no_change
                    if estimator.early_stopping_ or estimator._stops_on_training_loss()
                    else math.inf
                ),
                threshold=estimator.tol,
                threshold_mode="abs",
                load_best=estimator.early_stopping_,
                sink=print if estimator.verbose else _silent,
            ),
        ),
    ]
    if estimator._averages_weights():
        callbacks.append(("weight_averaging", WeightAveraging()))
    params = {
        "module": module_class,
        **{f"module__{name}": value for name, value in module_arguments.items()},
        **estimator._criterion_params(),
        "optimizer": torch.optim.Adam,
        "lr": estimator.learning_rate_init,
        "optimizer__weight_decay": estimator.alpha,
        "max_epochs": epochs,
        "batch_size": estimator.batch_size_,
        "iterator_train": TensorBatchIterator,
        "iterator_train__shuffle": True,
        "iterator_train__corruption": corruption,
        "iterator_valid": TensorBatchIterator,
        "iterator_valid__corruption": corruption,
        "train_split": valid_split,
        "predict_nonlinearity": None,
        "verbose": estimator.verbose,
        "device": device,
    }
    user_params = dict(estimator.net_params or {})
    user_callbacks = list(user_params.pop("callbacks", None) or [])
    if "optimizer" not in user_params:
        # Fused Adam does one kernel per step instead of a loop over
        # parameter tensors: markedly cheaper for small networks.
        params["optimizer__fused"] = True
    params.update(user_params)
    params["callbacks"] = callbacks + user_callbacks
    return AutoencoderNet(**params)


def default_criterion():
    """The skorch ``criterion`` parameters of a plain autoencoder."""
    return {"criterion": nn.MSELoss}


def _silent(*args, **kwargs):
    """A sink that prints nothing (picklable, unlike a lambda)."""
