"""skorch callbacks used by the estimators."""

import math
import sys

import torch
from skorch.callbacks import Callback, PrintLog
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
    """A tqdm progress bar over epochs, with the latest losses.

    ``verbose=1`` adds one to the estimators' net. On a terminal, when an
    epoch takes longer than ``batch_delay`` seconds, a second bar follows
    its batches. tqdm writes to standard error, without colours; off a
    terminal (a log file, a notebook's saved output) there is one bar,
    drawn in ASCII and refreshed every ten seconds at most, since a second
    bar would need cursor-moving escape codes.

    Parameters
    ----------
    disable : bool or None, default=False
        Hide the bars; None hides them when standard error is not a terminal.
    delay : float, default=0.0
        Show the epoch bar only once training has run this many seconds
        (the command line waits a second, so that short fits print nothing).
    batch_delay : float, default=2.0
        Show the batch bar of an epoch once it has run this many seconds.

    Examples
    --------
    >>> from sklearn_ae import AETransformer
    >>> from sklearn_ae._callbacks import EpochProgressBar
    >>> est = AETransformer(net_params={"callbacks": [EpochProgressBar(delay=1.0)]})
    """

    def __init__(self, disable=False, delay=0.0, batch_delay=2.0):
        self.disable = disable
        self.delay = delay
        self.batch_delay = batch_delay

    def _bar(self, **kwargs):
        on_terminal = sys.stderr.isatty()
        return tqdm(
            disable=self.disable,
            dynamic_ncols=on_terminal,
            # Off a terminal every refresh stays in the log: few, plain ones.
            mininterval=0.1 if on_terminal else 10.0,
            ascii=not on_terminal,
            **kwargs,
        )

    def on_train_begin(self, net, **kwargs):
        self.bar_ = self._bar(total=net.max_epochs, unit="epoch", delay=self.delay)

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.batch_bar_ = None
        if sys.stderr.isatty() and dataset_train is not None:
            n_batches = math.ceil(len(dataset_train) / net.batch_size)
            self.batch_bar_ = self._bar(
                total=n_batches, unit="batch", leave=False, delay=self.batch_delay
            )

    def on_batch_end(self, net, training=False, **kwargs):
        if training and self.batch_bar_ is not None:
            self.batch_bar_.update()

    def on_epoch_end(self, net, **kwargs):
        if self.batch_bar_ is not None:
            self.batch_bar_.close()
        losses = {
            key.replace("_loss", ""): f"{net.history[-1, key]:.4g}"
            for key in ("train_loss", "valid_loss")
            if key in net.history[-1]
        }
        self.bar_.set_postfix(losses, refresh=False)
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_, self.batch_bar_

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("bar_", None)
        state.pop("batch_bar_", None)
        return state


class EpochTable(PrintLog):
    """skorch's per-epoch table, coloured only on a terminal.

    The estimators' nets print it when ``verbose=2``. skorch's ``PrintLog``
    marks each best loss with an ANSI colour code, which ends up as escape
    sequences in logs and notebooks' saved output; here the marks are kept
    only when the table goes to a terminal.

    Parameters
    ----------
    sink : callable, default=print
        Where the rows go.

    Examples
    --------
    >>> from sklearn_ae import AETransformer
    >>> from sklearn_ae._callbacks import EpochTable
    >>> est = AETransformer(net_params={"callbacks": [EpochTable()]})
    """

    def __init__(self, sink=print):
        super().__init__(sink=sink)

    def initialize(self):
        super().initialize()
        self.colours_ = self.sink is print and sys.stdout.isatty()
        return self

    def _sink(self, text, verbose):
        # skorch's PrintLog writes to any sink but print even when the net
        # is not verbose (accelerate's print, for one): here only if verbose.
        if verbose:
            self.sink(text)

    def format_row(self, row, key, color):
        if not self.colours_:
            row = {**row, f"{key}_best": False}
        return super().format_row(row, key, color)


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
