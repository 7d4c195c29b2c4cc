"""Running a fitted network over large inputs in bounded-memory batches."""

import warnings

import numpy as np
import torch
from sklearn.utils import check_array, gen_batches
from sklearn.utils.validation import check_is_fitted

from ._scaling import scaling_arrays
from .nn._registry import accepts_image_shape

# Rows per inference batch are chosen so that one batch holds about this many
# activations: memory stays bounded whatever the number of rows in X.
INFERENCE_BATCH_ELEMENTS = 2**20


def _may_have_missing(X_batch):
    """Whether the batch may hold NaN: one sum, far cheaper than a mask.

    Infinite values are refused before, so a finite sum means no NaN (a sum
    that overflows only sends the batch down the exact, slower path).
    """
    return not torch.isfinite(X_batch.sum())


def fill_missing(X_batch, fill=None):
    """The batch with its missing values (NaN) at 0, each feature's scaled centre.

    ``fill`` (one value per feature) replaces the 0s where given: a table's
    category indicators are filled with the categories' frequencies.
    """
    if not _may_have_missing(X_batch):
        return X_batch
    if fill is None:
        return X_batch.nan_to_num(nan=0.0)
    return torch.where(torch.isnan(X_batch), fill.to(X_batch.device), X_batch)


def observed_row_mean(errors, feature_weights=None):
    """Mean of each row's ``errors`` over its observed features (times their weights).

    Errors of missing features (NaN) are left out, so that a row's mean
    stays comparable to a complete row's; a row with nothing observed gets 0.
    """
    n_observed = errors.shape[1]
    if _may_have_missing(errors):
        missing = torch.isnan(errors)
        errors = errors.masked_fill(missing, 0.0)
        n_observed = (~missing).sum(dim=1).clamp_(min=1)
    total = errors.sum(dim=1) if feature_weights is None else errors @ feature_weights
    return total / n_observed


class InferenceMixin:
    """Batched, bounded-memory, batch-invariant inference for every architecture.

    Every architecture maps rows to rows (and codes), so one loop serves
    them all. Needs the fitted ``net_``, ``scaler_``, ``n_features_in_``,
    ``n_components_`` and ``image_shape_``.
    """

    def _table_encoding(self):
        """The fitted ``table_encoding_``; None for numbers only (or a model saved before it)."""
        return getattr(self, "table_encoding_", None)

    def _scaling(self):
        """``(center, scale)`` of the fitted scaling per feature, as float32 arrays.

        A table's category indicators are not scaled: they stay 0 and 1.
        """
        center, scale = scaling_arrays(self.scaler_, self._n_values(), self.image_shape_)
        encoding = self._table_encoding()
        if encoding is not None:
            indicators = encoding.indicator_mask()
            center[indicators], scale[indicators] = 0.0, 1.0
        return center, scale

    def _scaling_tensors(self, device):
        return (torch.from_numpy(v).to(device) for v in self._scaling())

    def _scaled_tensor(self, X, device):
        """X as a scaled float32 tensor on ``device``, for training."""
        center, scale = self._scaling()
        return torch.from_numpy((np.asarray(X, dtype=np.float32) - center) / scale).to(device)

    def _net_tensor(self, values):
        """``values`` as a float32 tensor on the fitted network's device."""
        return torch.as_tensor(values, dtype=torch.float32, device=torch.device(self.net_.device))

    def _inference_rows(self):
        """Rows per inference batch: about ``INFERENCE_BATCH_ELEMENTS`` values.

        A multiple of 64 that depends only on the fitted network, so it is
        the same for every call on a fitted model. The values per row are
        the widest layer's, for image networks the widest stage's feature
        map (taken at full resolution, an upper bound), or what the module
        states as its ``inference_values_per_row`` (a transformer's
        attention).
        """
        module = self.net_.module_
        per_row = max(max(p.shape) for p in module.parameters())
        per_row = max(per_row, getattr(module, "inference_values_per_row", 0))
        if self.image_shape_ is not None and accepts_image_shape(type(module)):
            widest_stage = max(p.shape[0] for p in module.parameters())
            _, height, width = self.image_shape_
            per_row = max(per_row, 2 * widest_stage * height * width)
        return int(np.clip(INFERENCE_BATCH_ELEMENTS // per_row // 64, 1, 256)) * 64

    def _run_module(self, method, X, *, scale_input=True):
        """Yield ``(rows, X_batch, output)`` for ``method`` of the module over X.

        ``method`` is the name of a module method, or a callable taking the
        batch.

        ``X_batch`` is the float32 batch (scaled if ``scale_input``), NaN
        where X has missing values, and ``output`` the method's result for
        the batch with those values at their feature's centre (0 after
        scaling); both are tensors on the net's device with the batch's
        padded number of rows: slice them with ``[: rows.stop - rows.start]``
        only after computing on them.

        Memory is bounded by the batch size, not by ``len(X)``. Every batch
        is padded to the same number of rows, because float32 matrix products
        give results that depend on the number of rows in the product: with
        one fixed shape, each row's result is bit-identical however X is split
        (except that for very narrow layers the CPU's BLAS can round the last
        bit differently by a row's place in the batch).
        """
        module = self.net_.module_
        module.eval()
        forward = getattr(module, method) if isinstance(method, str) else method
        device = torch.device(self.net_.device)
        scale_input = scale_input and self.scaler_ is not None
        batch_rows = self._inference_rows()
        padded = torch.zeros((batch_rows, X.shape[1]), dtype=torch.float32)
        padded_array = padded.numpy()  # shares memory: numpy copies (and casts) rows in
        if scale_input:
            center, scale = self._scaling_tensors(device)
            shift, inverse_scale = -center / scale, 1 / scale
            scaled = torch.empty_like(padded, device=device)
        fill = self._missing_fill()
        X_float32 = None
        if X.dtype == np.float32 and X.flags.c_contiguous:
            with warnings.catch_warnings():
                # Read-only arrays (memmaps) are fine: inference never writes.
                warnings.simplefilter("ignore", UserWarning)
                X_float32 = torch.from_numpy(X)
        with torch.inference_mode():
            for rows in gen_batches(X.shape[0], batch_rows):
                if X_float32 is not None and rows.stop - rows.start == batch_rows:
                    X_batch = X_float32[rows]  # a full batch: no copy needed
                else:
                    padded_array[: rows.stop - rows.start] = X[rows]
                    X_batch = padded
                X_batch = X_batch.to(device)
                if scale_input:
                    # (x - center) / scale in one pass, into a reused buffer.
                    X_batch = torch.addcmul(shift, X_batch, inverse_scale, out=scaled)
                yield rows, X_batch, forward(fill_missing(X_batch, fill))

    def _collect(self, method, X, n_columns, dtype, result, *, scale_input=True):
        """Fill an (n_samples, n_columns) array with ``result(X_batch, output)``."""
        out = np.empty((X.shape[0], n_columns) if n_columns else X.shape[0], dtype=dtype)
        for rows, X_batch, output in self._run_module(method, X, scale_input=scale_input):
            n_rows = rows.stop - rows.start
            out[rows] = result(X_batch, output)[:n_rows].cpu().numpy()
        return out

    def _encode(self, X):
        """Codes z for X, shape (n_samples, n_components_), dtype of X."""
        return self._collect("encode", X, self.n_components_, X.dtype, lambda _, z: z)

    def _unscaled(self, output):
        """Network output in the data's units: categories' scores as probabilities."""
        center, scale = self._scaling_tensors(output.device)
        output = output * scale + center
        layout = self._table_layout()
        return output if layout is None else layout.to(output.device).probabilities(output)

    def _as_table(self, values, *, draw=None, index=None):
        """Network values as the training table: a DataFrame, or the array for numbers only.

        ``draw`` (a numpy generator) draws each category from its
        probabilities instead of taking the most probable one.
        """
        encoding = self._table_encoding()
        if encoding is None:
            return values
        table = encoding.decode(self._category_scores(values), draw=draw)
        if index is not None:
            table.index = index
        return table

    def _output_errors(self, values, target):
        """Errors of outputs ``values`` (data units) against ``target``, per feature.

        In the scaled space; for a table, per column with the categories'
        cross-entropies. NaN where the target is missing.
        """
        center, scale = self._scaling()
        layout = self._table_layout()
        if layout is None:
            return ((values - target) / scale) ** 2
        scores = self._category_scores(values)
        scaled = [torch.as_tensor((v - center) / scale) for v in (scores, target)]
        return layout.double()(*scaled).numpy()

    def _category_scores(self, values):
        """``values`` with a table's category probabilities back as scores (their log)."""
        indicators = self._table_encoding().indicator_mask()
        scores = np.array(values, dtype=np.float64)
        with np.errstate(divide="ignore"):
            scores[:, indicators] = np.log(scores[:, indicators])
        return scores

    def _missing_fill(self):
        """Scaled values that stand for missing ones, per feature, or None for 0s."""
        encoding = self._table_encoding()
        if encoding is None:
            return None
        return torch.as_tensor(encoding.fill_values_, dtype=torch.float32)

    def _errors(self, output, X_batch):
        """Each feature's error: squared, or a category's cross-entropy in a table.

        NaN where X is missing.
        """
        layout = self._table_layout()
        if layout is None:
            return (output - X_batch).square_()
        return layout.to(output.device)(output, X_batch)

    def _decode(self, Z, dtype):
        """Decoder output for codes Z, in the original feature units."""
        return self._collect(
            "decode",
            Z,
            self._n_values(),
            dtype,
            lambda _, out: self._unscaled(out),
            scale_input=False,
        )

    def _inverse_transform(self, Z):
        """Check codes Z, then decode them (``inverse_transform`` of a fitted model)."""
        check_is_fitted(self)
        Z = check_array(Z, dtype=[np.float64, np.float32])
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"inverse_transform expects codes with {self.n_components_} "
                f"columns (n_components_), got {Z.shape[1]}."
            )
        return self._decode(Z, Z.dtype)

    def _reconstruct(self, X):
        """Network output for X, in the original feature units, dtype of X."""
        return self._collect(
            "forward", X, self._n_values(), X.dtype, lambda _, out: self._unscaled(out)
        )

    def _squared_errors(self, X, *, per_feature=False, feature_weights=None):
        """Squared reconstruction errors in the scaled feature space.

        Computed batch by batch in float32 like the network (relative
        precision about 1e-7), returned as float64.

        Returns an array of shape (n_samples, n_features) if ``per_feature``
        (each feature's error multiplied by ``feature_weights``, if given;
        NaN where X is missing), else the mean over each row's observed
        features, shape (n_samples,): memory stays bounded by the output,
        never (n_samples, n_features) unless asked for.
        """
        if not per_feature:
            return self._collect(
                "forward",
                X,
                None,
                np.float64,
                lambda X_batch, out: observed_row_mean(self._errors(out, X_batch)),
            )
        weights = None if feature_weights is None else self._net_tensor(feature_weights)

        def squared(X_batch, out):
            errors = self._errors(out, X_batch)
            return errors if weights is None else errors.mul_(weights)

        return self._collect("forward", X, self.n_features_in_, np.float64, squared)

    def _mean_feature_errors(self, X):
        """Mean squared reconstruction error of each feature over X, in batches.

        Each feature's mean is over the rows where it is observed.
        """
        total = torch.zeros(self.n_features_in_, dtype=torch.float64)
        n_observed = torch.zeros(self.n_features_in_, dtype=torch.float64)
        for rows, X_batch, output in self._run_module("forward", X):
            n_rows = rows.stop - rows.start
            errors = self._errors(output[:n_rows], X_batch[:n_rows])
            missing = torch.isnan(errors)
            total += errors.masked_fill_(missing, 0.0).sum(dim=0).double().cpu()
            n_observed += (n_rows - missing.sum(dim=0)).double().cpu()
        return (total / n_observed.clamp_(min=1)).numpy()
