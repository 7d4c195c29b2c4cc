"""Fully connected (MLP) autoencoder."""

from itertools import pairwise

from torch import nn

from ._train_mode import LazyTrainMode

#: Activation names accepted by the estimators, mapped to torch modules.
#: The first four are scikit-learn's ``MLPRegressor`` vocabulary.
ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
}


def activation_layers(activation, dropout):
    """The activation, followed by dropout when ``dropout > 0``."""
    layers = [ACTIVATIONS[activation]()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return layers


def _stack(widths, activation, dropout):
    """Linear layers through ``widths``; the last layer has no activation."""
    layers = []
    for i, (n_in, n_out) in enumerate(pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            layers += activation_layers(activation, dropout)
    return nn.Sequential(*layers)


class MLPAutoencoder(LazyTrainMode, nn.Module):
    """Encoder and mirrored decoder made of fully connected layers.

    With ``hidden_layer_sizes=(64, 32)`` and ``n_components=8`` on ``d``
    features the network is ``d-64-32-8-32-64-d``. The code layer and the
    output layer are linear, so the model can represent PCA exactly.

    Parameters
    ----------
    n_features : int
        Number of input (and output) features.
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    n_components : int, default=8
        Size of the code ``z``.
    activation : str, default="relu"
        One of :data:`ACTIVATIONS`.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    Examples
    --------
    >>> import torch
    >>> from sklearn_ae.nn import MLPAutoencoder
    >>> module = MLPAutoencoder(5, hidden_layer_sizes=(4,), n_components=2)
    >>> module.encode(torch.zeros(3, 5)).shape
    torch.Size([3, 2])
    >>> module(torch.zeros(3, 5)).shape
    torch.Size([3, 5])
    """

    #: The estimators' default when their ``hidden_layer_sizes`` is None.
    default_hidden_layer_sizes = (128,)

    def __init__(
        self,
        n_features,
        hidden_layer_sizes=(64, 32),
        n_components=8,
        activation="relu",
        dropout=0.0,
    ):
        super().__init__()
        widths = [n_features, *hidden_layer_sizes, n_components]
        self.encoder = _stack(widths, activation, dropout)
        self.decoder = _stack(widths[::-1], activation, dropout)

    def encode(self, x):
        """Map rows to codes.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        z : torch.Tensor of shape (n, n_components)
            The codes.
        """
        return self.encoder(x)

    def decode(self, z):
        """Map codes back to rows.

        Parameters
        ----------
        z : torch.Tensor of shape (n, n_components)
            Codes, as returned by :meth:`encode`.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The decoded rows.
        """
        return self.decoder(z)

    def forward(self, x):
        """Reconstruct rows: ``decode(encode(x))``.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features)
            Rows of the (scaled) data.

        Returns
        -------
        x_hat : torch.Tensor of shape (n, n_features)
            The reconstructions.
        """
        return self.decoder(self.encoder(x))
