"""Class-conditional networks: the class index rides along as a last column."""


class ClassColumnMixin:
    """``split_labels`` for a network with ``n_features`` and ``n_classes``.

    The estimators train a class-conditional network on rows followed by
    their class index (one tensor, so batches slice it like any data); a
    network without classes (``n_classes=0``) gets the rows alone.
    """

    def split_labels(self, x):
        """Split :meth:`forward`'s input into rows and their class indices.

        Parameters
        ----------
        x : torch.Tensor of shape (n, n_features) or (n, n_features + 1)
            Rows, followed by their class index when the model has classes.

        Returns
        -------
        rows : torch.Tensor of shape (n, n_features)
            The rows.
        labels : torch.Tensor of shape (n,), dtype int64, or None
            Their class indices; None for a model without classes.
        """
        if not self.n_classes:
            return x, None
        return x[:, : self.n_features], x[:, self.n_features].long()
