"""Building the skorch net that trains an estimator's torch module."""

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping
from skorch.hf import AccelerateMixin
from torch import nn

from ._callbacks import EpochProgressBar, EpochTable, NonFiniteLossGuard, WeightAveraging
from .nn import MaskedMSELoss


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

    def trained_module(self):
        """The autoencoder itself, not a wrapper that distributes its training."""
        return self.module_

    def get_loss(self, y_pred, y_true, X=None, training=False):
        module = self.trained_module()
        module_loss = getattr(module, "loss", None)
        if module_loss is not None:
            # A network with a likelihood of its own (a VAE, a diffusion
            # model) defines its loss, in training and validation alike.
            loss = module_loss(y_pred, y_true)
        else:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        auxiliary_loss = getattr(module, "auxiliary_loss", None)
        if training and auxiliary_loss is not None:
            loss = loss + auxiliary_loss()
        return loss


class AcceleratedAutoencoderNet(AccelerateMixin, AutoencoderNet):
    """An :class:`AutoencoderNet` trained through Hugging Face ``accelerate``.

    Built when ``net_params`` holds an ``accelerator``. With several
    processes (one per GPU, started by ``accelerate launch``), each
    process trains on its share of every batch (see
    :class:`~sklearn_ae._batching.TensorBatchIterator`) and the module is
    wrapped for distributed data parallel training; the batch losses are
    averaged over the processes, so that every process records the same
    losses and takes the same decision to stop.
    """

    def trained_module(self):
        return self.accelerator.unwrap_model(self.module_)

    def _initialize_accelerator(self):
        # Distributed data parallel refuses modules without trainable
        # parameters, such as a plain MSELoss: leave those criteria as they are.
        criteria = self._criteria
        self._criteria = [
            name
            for name in criteria
            if any(p.requires_grad for p in getattr(self, f"{name}_").parameters())
        ]
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria = criteria

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        if self.accelerator.num_processes == 1:
            return
        # Each process saw its share of every batch: average the batch
        # losses over the processes (one collective call per epoch).
        key = f"{prefix}_loss"
        batches = [batch for batch in self.history[-1]["batches"] if key in batch]
        losses = torch.tensor([batch[key] for batch in batches], device=self.accelerator.device)
        averaged = self.accelerator.reduce(losses, "mean").tolist()
        for batch, loss in zip(batches, averaged, strict=True):
            batch[key] = loss


def build_net(
    estimator,
    module_class,
    module_arguments,
    device,
    valid_split,
    corruption,
    epochs,
    *,
    training=True,
    missing_values=False,
    n_train=None,
):
    """An :class:`AutoencoderNet` for ``module_class`` with the estimator's settings.

    Training reads batches through :class:`TensorBatchIterator` (slices of
    one pre-made tensor), uses fused Adam unless ``net_params`` names another
    optimizer, stops on a NaN/inf loss (:class:`NonFiniteLossGuard`) and
    when the monitored loss stops improving (skorch's ``EarlyStopping``),
    and for a diffusion model ends with averaged weights
    (:class:`WeightAveraging`).
    ``estimator.net_params`` are applied last; their callbacks are added.
    An ``accelerator`` among them makes an :class:`AcceleratedAutoencoderNet`,
    unless the net is not for ``training`` (a fitted model being unpickled).
    With ``missing_values`` the loss leaves the target's missing values out.
    The estimator's ``_iterator_params`` choose how batches are drawn and
    its ``_training_callbacks(epochs, n_train)`` add callbacks of its job
    (``n_train``: training samples, None when unpickling).
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
                sink=print if estimator.verbose >= 2 else _silent,
            ),
        ),
        *_progress_callbacks(estimator.verbose),
    ]
    if estimator._averages_weights():
        callbacks.append(("weight_averaging", WeightAveraging()))
    callbacks += estimator._training_callbacks(epochs, n_train)
    params = {
        "module": module_class,
        **{f"module__{name}": value for name, value in module_arguments.items()},
        **estimator._criterion_params(missing_values),
        "optimizer": torch.optim.Adam,
        "lr": estimator.learning_rate_init,
        "optimizer__weight_decay": estimator.alpha,
        "max_epochs": epochs,
        "batch_size": estimator.batch_size_,
        **estimator._iterator_params(corruption),
        "train_split": valid_split,
        "predict_nonlinearity": None,
        # skorch's own table colours the best losses, even in logs.
        "callbacks__print_log": EpochTable,
        "verbose": int(estimator.verbose >= 2),
        "device": device,
    }
    user_params = dict(estimator.net_params or {})
    user_callbacks = list(user_params.pop("callbacks", None) or [])
    if "optimizer" not in user_params:
        # Fused Adam does one kernel per step instead of a loop over
        # parameter tensors: markedly cheaper for small networks.
        params["optimizer__fused"] = True
    net_class = AutoencoderNet
    accelerator = user_params.get("accelerator")
    if not training:
        user_params.pop("accelerator", None)
    elif accelerator is not None:
        net_class = AcceleratedAutoencoderNet
        # accelerate places the module; the data already lie on its device.
        params["device"] = None
        if accelerator.num_processes > 1:
            params["iterator_train__shard"] = (
                accelerator.process_index,
                accelerator.num_processes,
            )
    params.update(user_params)
    params["callbacks"] = callbacks + user_callbacks
    return net_class(**params)


def _progress_callbacks(verbose):
    """``verbose=1``: a progress bar (2 prints the table of ``EpochTable``)."""
    return [("progress_bar", EpochProgressBar())] if verbose == 1 else []


def default_criterion(missing_values=False, layout=None):
    """The skorch ``criterion`` parameters of a plain autoencoder.

    With ``missing_values``, the mean squared error over the observed values;
    with a table ``layout``, the mean of the columns' errors (cross-entropy
    for the categorical ones), observed values only.
    """
    if layout is not None:
        return {"criterion": MaskedMSELoss, "criterion__layout": layout}
    return {"criterion": MaskedMSELoss if missing_values else nn.MSELoss}


def _silent(*args, **kwargs):
    """A sink that prints nothing (picklable, unlike a lambda)."""
