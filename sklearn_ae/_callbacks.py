"""skorch callbacks used by the estimators."""

import math

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
