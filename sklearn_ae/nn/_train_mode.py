"""A cheaper ``train()`` for the networks: skorch calls it before every batch."""


class LazyTrainMode:
    """Mixin: ``train(mode)`` is a no-op when the mode does not change.

    skorch calls ``train()`` before every batch, and torch's version sets
    the mode on every submodule each time: a measurable share of an epoch
    for small networks.
    """

    def train(self, mode=True):
        """Set the training mode, as :meth:`torch.nn.Module.train` does.

        Does nothing when the module and its submodules are in that mode already.

        Parameters
        ----------
        mode : bool, default=True
            Training (True) or evaluation (False) mode.

        Returns
        -------
        self : torch.nn.Module
            The module itself.
        """
        if mode == self.training and all(m.training == mode for m in self.modules()):
            return self
        return super().train(mode)
