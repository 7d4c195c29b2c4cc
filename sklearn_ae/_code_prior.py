"""The second stage of a codebook generator: a prior over each row's codebook indices."""

import numpy as np
import torch
from sklearn.utils import gen_batches

from ._base import BaseAutoencoder
from .nn._prior import CodePrior

#: Start token of every sequence of an unconditional prior.
UNCONDITIONAL_START = 0


class CodePriorFitter(BaseAutoencoder):
    """Fit a :class:`~sklearn_ae.nn._prior.CodePrior` on sequences of codebook indices.

    Not a public estimator: :class:`~sklearn_ae.AEGenerator` builds one in
    ``fit(model="vq")`` with its own training parameters (``batch_size``,
    ``max_iter``, early stopping, ``random_state``, ``device``...), so the
    prior trains, stops, persists and continues (``warm_start``) like every
    network of the package. Its rows are integer sequences: the start token
    (a class index, or 0), then the row's codebook indices; the network's
    settings come in ``architecture_params`` (``n_positions``,
    ``codebook_size``, ``n_classes`` and the transformer's size).
    """

    # About this many mini-batches, within these epochs; training stops
    # earlier when the held-out cross-entropy stops improving.
    _auto_step_budget = 5_000
    _auto_epoch_range = (1, 1_000)
    _name_in_warnings = "AEGenerator (the codebook prior)"

    def fit(self, sequences):
        """Train the prior on integer sequences of shape (n, 1 + n_positions)."""
        self._validate_params()
        sequences = self._validate_X(sequences, reset=True)
        return self._fit_autoencoder(sequences)

    def _validate_X(self, X, *, reset):
        X = np.asarray(X, dtype=np.int64)
        if reset:
            self.n_features_in_ = X.shape[1]
            self.image_shape_ = None
        return X

    def _module_class(self):
        return CodePrior

    def _network_class(self):
        return CodePrior

    def _shared_arguments(self, module_class, X):
        self.n_components_ = X.shape[1] - 1
        return {"dropout": self.dropout}

    def _check_missing_values(self, X, target):
        return False, False

    def _training_tensors(self, X, target, device, input_missing):
        X_t = torch.as_tensor(X, dtype=torch.long, device=device)
        return X_t, X_t

    def _auto_batch_size(self, module_class):
        return 64

    def _record_network_facts(self, X):
        pass

    def log_prob(self, sequences):
        """Log-probability of each sequence's codebook indices given its start token."""
        sequences = np.asarray(sequences, dtype=np.float32)
        return self._collect(
            "log_prob", sequences, None, np.float64, lambda _, v: v, scale_input=False
        )

    def sample(self, starts, generator, temperature=1.0, top_k=None, top_p=None, guidance=0.0):
        """Draw codebook indices for each start token, as a tensor on the net's device.

        Drawn in batches of bounded memory, one batch after the other from
        ``generator``.
        """
        module = self.net_.module_
        module.eval()
        device = torch.device(self.net_.device)
        starts = torch.as_tensor(starts, dtype=torch.long)
        batches = []
        with torch.inference_mode():
            for rows in gen_batches(len(starts), self._inference_rows()):
                batches.append(
                    module.sample(
                        starts[rows].to(device), generator, temperature, top_k, top_p, guidance
                    )
                )
        return torch.cat(batches)
