"""skorch callbacks used by the estimators."""

import math

import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from .exceptions import TrainingDivergedError


class NonFiniteLossGuard(Callback):
    """Stop training with a clear error as soon as the loss is NaN or inf.

    Checked once per epoch on the loss skorch already recorded, so it costs
    nothing per batch.

    Parameters
    ----------
    learning_rate : float
        The learning rate in use, quoted in the error message.
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def on_epoch_end(self, net, **kwargs):
        for key in ("train_loss", "valid_loss"):
            loss = net.history[-1].get(key, 0.0)
            if not math.isfinite(loss):
                raise TrainingDivergedError(
                    f"Training diverged: the {key.replace('_', ' ')} became {loss} "
                    f"at epoch {len(net.history)}. Try a lower learning_rate_init "
                    f"(now {self.learning_rate:g}) or scale the input features "
                    "(e.g. scaling='standard')."
                )


class EpochProgressBar(Callback):
    """A tqdm progress bar over epochs, showing the current training loss.

    Examples
    --------
    >>> from sklearn_ae import AETransformer
    >>> from sklearn_ae._callbacks import EpochProgressBar
    >>> est = AETransformer(net_params={"callbacks": [EpochProgressBar()]})
    """

    def __init__(self, disable=None):
        self.disable = disable

    def on_train_begin(self, net, **kwargs):
        self.bar_ = tqdm(total=net.max_epochs, unit="epoch", disable=self.disable)

    def on_epoch_end(self, net, **kwargs):
        self.bar_.set_postfix(loss=f"{net.history[-1, 'train_loss']:.4g}", refresh=False)
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("bar_", None)
        return state


class WeightAveraging(Callback):
    """Keep an exponential moving average of the weights; use it after training.

    Diffusion models sample markedly better from averaged weights than
    from the last ones (Ho et al., 2020; Nichol and Dhariwal, 2021). The
    average is updated after every training batch, with one fused
    ``lerp`` over all parameters, and copied into the module when training
    ends. The decay warms up as in TensorFlow's ``ExponentialMovingAverage``:
    at update ``n`` it is ``min(decay, (1 + n) / (10 + n))``, so that a
    short training run does not end with weights close to their initial
    values.

    Parameters
    ----------
    decay : float, default=0.999
        Weight of the running average at each step, once warmed up.

    Examples
    --------
    >>> from sklearn_ae import AETransformer
    >>> from sklearn_ae._callbacks import WeightAveraging
    >>> est = AETransformer(net_params={"callbacks": [WeightAveraging(0.99)]})
    """

    def __init__(self, decay=0.999):
        self.decay = decay

    def on_train_begin(self, net, **kwargs):
        self.parameters_ = list(net.module_.parameters())
        self.average_ = [p.detach().clone() for p in self.parameters_]
        self.n_updates_ = 0

    def on_batch_end(self, net, training=False, **kwargs):
        if not training:
            return
        n = self.n_updates_
        decay = min(self.decay, (1 + n) / (10 + n))
        with torch.no_grad():
            torch._foreach_lerp_(self.average_, self.parameters_, 1 - decay)
        self.n_updates_ = n + 1

    def on_train_end(self, net, **kwargs):
        with torch.no_grad():
            torch._foreach_copy_(self.parameters_, self.average_)
        del self.parameters_, self.average_

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("parameters_", None)
        state.pop("average_", None)
        return state
