"""What all autoencoder estimators share: parameters, the skorch net, batching."""

import warnings
from abc import ABCMeta
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import RobustScaler, StandardScaler
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from torch import nn

from ._batching import TensorBatchIterator
from ._callbacks import NonFiniteLossGuard
from .nn import ACTIVATIONS, MLPAutoencoder

_SCALERS = {"standard": StandardScaler, "robust": RobustScaler}

# Robust scaling estimates its quantiles on at most this many random rows.
_QUANTILE_SUBSAMPLE = 20_000

# Rows per inference batch are chosen so that one batch holds about this many
# activations: memory stays bounded whatever the number of rows in X.
_INFERENCE_BATCH_ELEMENTS = 2**20


def _non_numeric_columns(X):
    """Names of the DataFrame columns that cannot be read as numbers."""
    if not hasattr(X, "columns"):
        return []
    bad = []
    for name in X.columns:
        try:
            pd.to_numeric(X[name])
        except (TypeError, ValueError):
            bad.append(str(name))
    return bad


class BaseAutoencoder(BaseEstimator, metaclass=ABCMeta):
    """Base class for the autoencoder estimators.

    It validates parameters and data, scales the features, builds and trains
    a ``skorch.NeuralNet`` (stored as ``net_``) around a torch autoencoder,
    and runs the fitted network over large inputs in bounded-memory batches.
    Subclasses add their own job (transform, outlier scores, denoising).

    Warning: this class should not be used directly. Use derived classes.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "scaling": [StrOptions(set(_SCALERS)), None],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "net_params": [dict, None],
    }

    def __init__(
        self,
        *,
        n_components=None,
        hidden_layer_sizes=(128,),
        activation="relu",
        dropout=0.0,
        scaling="standard",
        batch_size="auto",
        max_iter=200,
        learning_rate_init=1e-3,
        alpha=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        net_params=None,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.scaling = scaling
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.device = device
        self.net_params = net_params

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------
    def _validate_X(self, X, *, reset):
        """Check X before any torch code sees it; keep float32/float64 as is."""
        try:
            return validate_data(
                self,
                X,
                reset=reset,
                dtype=[np.float64, np.float32],
                ensure_min_samples=2 if reset else 1,
            )
        except ValueError as exc:
            columns = _non_numeric_columns(X) if "convert" in str(exc) else []
            if columns:
                raise TypeError(
                    f"{type(self).__name__} needs numeric input, but column(s) "
                    f"{columns} are not numeric. Encode them first (e.g. with "
                    "OneHotEncoder in a ColumnTransformer) or drop them."
                ) from exc
            raise

    def _check_hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _check_device(self):
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(f"device={self.device!r} is not a valid torch device.") from exc
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but CUDA is not available "
                "on this machine; use device='cpu'."
            )
        return device

    @staticmethod
    def _default_n_components(n_features):
        """About sqrt(n_features) codes, at least 2 and at most n_features."""
        return int(min(n_features, max(2, round(np.sqrt(n_features)))))

    # ------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------
    def _fit_autoencoder(self, X, target=None, corruption=None):
        """Scale X (and target), then build or continue the skorch net.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Validated network input.
        target : ndarray of shape (n_samples, n_features) or None
            What the network should output; None means X itself.
        corruption : callable or None
            Applied to each (scaled) training input batch, e.g. noise.
        """
        hidden_layer_sizes = self._check_hidden_layer_sizes()
        device = self._check_device()
        rng = check_random_state(self.random_state)
        continue_training = self.warm_start and hasattr(self, "net_")

        if not continue_training:
            self.scaler_ = _SCALERS[self.scaling]() if self.scaling else None
            if self.scaler_ is not None:
                self.scaler_.fit(self._scaling_sample(X, rng))
            n_features = X.shape[1]
            self.n_components_ = (
                self.n_components
                if self.n_components is not None
                else self._default_n_components(n_features)
            )
        X_t = self._scaled_tensor(X, device)
        y_t = X_t if target is None else self._scaled_tensor(target, device)
        self.batch_size_ = min(256, X.shape[0]) if self.batch_size == "auto" else self.batch_size

        valid_split = None
        if self.early_stopping:
            n_samples = X.shape[0]
            n_valid = n_samples * self.validation_fraction
            if n_valid < 1 or n_samples - n_valid < 1:
                raise ValueError(
                    f"early_stopping=True needs at least one sample for training and "
                    f"one for validation, but validation_fraction="
                    f"{self.validation_fraction} of {n_samples} samples leaves "
                    "less than one sample for one of them."
                )
            idx_train, idx_valid = train_test_split(
                np.arange(n_samples),
                test_size=self.validation_fraction,
                random_state=rng,
            )
            idx_train = torch.as_tensor(idx_train, device=device)
            idx_valid = torch.as_tensor(idx_valid, device=device)
            valid_y = X_t[idx_valid] if y_t is X_t else y_t[idx_valid]
            valid_split = predefined_split(Dataset(X_t[idx_valid], valid_y))
            X_train = X_t[idx_train]
            y_train = X_train if y_t is X_t else y_t[idx_train]
        else:
            X_train, y_train = X_t, y_t

        seed = int(rng.randint(np.iinfo(np.int32).max))
        max_epochs = self._max_epochs(X.shape[0])
        if continue_training:
            net = self.net_
            net.set_params(
                max_epochs=max_epochs,
                batch_size=self.batch_size_,
                lr=self.learning_rate_init,
                train_split=valid_split,
            )
            # skorch's set_params refuses iterator parameters on an
            # initialised net; they are plain attributes read at each epoch.
            net.iterator_train__corruption = corruption
            net.iterator_valid__corruption = corruption
        else:
            net = self._build_net(
                X.shape[1], hidden_layer_sizes, device, valid_split, corruption, max_epochs
            )
        n_epochs_before = len(net.history) if continue_training else 0

        # Seed torch's generators inside fork_rng: initialisation, shuffling,
        # dropout and noise are reproducible, and the caller's global RNG
        # state is restored afterwards.
        fork_devices = [device.index or 0] if device.type == "cuda" else []
        with self._unfitted_on_failure(), torch.random.fork_rng(devices=fork_devices):
            torch.default_generator.manual_seed(seed)
            if device.type == "cuda":
                torch.cuda.manual_seed(seed)
            if continue_training:
                net.partial_fit(X_train, y_train)
            else:
                net.fit(X_train, y_train)
        net.module_.eval()

        self.net_ = net
        new_epochs = net.history[n_epochs_before:]
        previous = self.loss_curve_ if continue_training else []
        self.loss_curve_ = previous + [epoch["train_loss"] for epoch in new_epochs]
        previous = (self.validation_loss_curve_ or []) if continue_training else []
        self.validation_loss_curve_ = (
            previous + [epoch["valid_loss"] for epoch in new_epochs]
            if self.early_stopping
            else None
        )
        self.n_iter_ = len(self.loss_curve_)
        self._warn_if_not_converged(net, len(new_epochs), max_epochs)
        return self

    @contextmanager
    def _unfitted_on_failure(self):
        """Any exception inside leaves the estimator unfitted, then propagates.

        A failed fit must not leave a half-updated model that looks fitted
        (e.g. a new network with the previous fit's statistics).
        """
        try:
            yield
        except BaseException:
            self.__dict__.pop("net_", None)
            raise

    def _scaling_sample(self, X, rng):
        """Rows to fit the scaling on: all, or a random subsample for quantiles.

        Quantiles cost far more than means; like ``QuantileTransformer``
        (``subsample=10_000``), robust scaling estimates them on at most
        ``_QUANTILE_SUBSAMPLE`` random rows, which changes them by about 1 %
        of a standard deviation and keeps fitting large tables cheap.
        """
        return _row_sample(X, rng) if self.scaling == "robust" else X

    def _max_epochs(self, n_samples):
        """Epochs to train for: ``max_iter`` (subclasses may derive it)."""
        return self.max_iter

    def _criterion_params(self):
        """The skorch ``criterion`` parameters: the training loss."""
        return {"criterion": nn.MSELoss}

    def _build_net(
        self, n_features, hidden_layer_sizes, device, valid_split, corruption, max_epochs
    ):
        callbacks = [
            ("non_finite_loss", NonFiniteLossGuard(self.learning_rate_init)),
            (
                "stopper",
                EarlyStopping(
                    monitor="valid_loss" if self.early_stopping else "train_loss",
                    patience=self.n_iter_no_change,
                    threshold=self.tol,
                    threshold_mode="abs",
                    load_best=self.early_stopping,
                    sink=print if self.verbose else _silent,
                ),
            ),
        ]
        params = {
            "module": MLPAutoencoder,
            "module__n_features": n_features,
            "module__hidden_layer_sizes": hidden_layer_sizes,
            "module__n_components": self.n_components_,
            "module__activation": self.activation,
            "module__dropout": self.dropout,
            **self._criterion_params(),
            "optimizer": torch.optim.Adam,
            "lr": self.learning_rate_init,
            "optimizer__weight_decay": self.alpha,
            "max_epochs": max_epochs,
            "batch_size": self.batch_size_,
            "iterator_train": TensorBatchIterator,
            "iterator_train__shuffle": True,
            "iterator_train__corruption": corruption,
            "iterator_valid": TensorBatchIterator,
            "iterator_valid__corruption": corruption,
            "train_split": valid_split,
            "predict_nonlinearity": None,
            "verbose": self.verbose,
            "device": device,
        }
        user_params = dict(self.net_params or {})
        user_callbacks = list(user_params.pop("callbacks", None) or [])
        if "optimizer" not in user_params:
            # Fused Adam does one kernel per step instead of a loop over
            # parameter tensors: markedly cheaper for small networks.
            params["optimizer__fused"] = True
        params.update(user_params)
        params["callbacks"] = callbacks + user_callbacks
        return NeuralNet(**params)

    def _warn_if_not_converged(self, net, n_epochs, max_epochs):
        stopper = dict(net.callbacks_)["stopper"]
        if stopper.misses_ >= stopper.patience:
            return
        if n_epochs >= max_epochs:
            if self.max_iter == "auto":
                return  # a training budget by design, not a failure to converge
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        else:
            warnings.warn(
                f"{type(self).__name__}: training was interrupted after "
                f"{n_epochs} of {max_epochs} epochs; the model keeps the "
                "weights reached so far.",
                UserWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------
    # Inference in bounded-memory batches
    # ------------------------------------------------------------------
    def _scaling(self):
        """``(center, scale)`` of the fitted feature scaling, as float32 arrays."""
        n_features = self.n_features_in_
        center, scale = np.zeros(n_features), np.ones(n_features)
        if isinstance(self.scaler_, StandardScaler):
            center, scale = self.scaler_.mean_, self.scaler_.scale_
        elif isinstance(self.scaler_, RobustScaler):
            center, scale = self.scaler_.center_, self.scaler_.scale_
        # A spread below float32's smallest normal number is no spread for a
        # float32 network (1 / scale would overflow): treat it as constant.
        scale = np.where(scale < np.finfo(np.float32).tiny, 1.0, scale)
        return center.astype(np.float32), scale.astype(np.float32)

    def _scaling_tensors(self, device):
        return (torch.from_numpy(v).to(device) for v in self._scaling())

    def _scaled_tensor(self, X, device):
        """X as a scaled float32 tensor on ``device``, for training."""
        center, scale = self._scaling()
        return torch.from_numpy((np.asarray(X, dtype=np.float32) - center) / scale).to(device)

    def _inference_rows(self):
        """Rows per inference batch: about ``_INFERENCE_BATCH_ELEMENTS`` values.

        A multiple of 64 that depends only on the fitted network's widest
        layer, so it is the same for every call on a fitted model.
        """
        widest = max(max(p.shape) for p in self.net_.module_.parameters())
        return int(np.clip(_INFERENCE_BATCH_ELEMENTS // widest // 64, 1, 256)) * 64

    def _run_module(self, method, X, *, scale_input=True):
        """Yield ``(rows, X_batch, output)`` for ``method`` of the module over X.

        ``X_batch`` is the float32 batch fed to the network (scaled if
        ``scale_input``) and ``output`` the method's result, both tensors on
        the net's device with the batch's padded number of rows: slice them
        with ``[: rows.stop - rows.start]`` only after computing on them.

        Memory is bounded by the batch size, not by ``len(X)``. Every batch
        is padded to the same number of rows, because float32 matrix products
        give results that depend on the number of rows in the product: with
        one fixed shape, each row's result is bit-identical however X is split.
        """
        module = self.net_.module_
        module.eval()
        forward = getattr(module, method)
        device = torch.device(self.net_.device)
        scale_input = scale_input and self.scaler_ is not None
        batch_rows = self._inference_rows()
        padded = torch.zeros((batch_rows, X.shape[1]), dtype=torch.float32)
        padded_array = padded.numpy()  # shares memory: numpy copies (and casts) rows in
        if scale_input:
            center, scale = self._scaling_tensors(device)
            shift, inverse_scale = -center / scale, 1 / scale
            scaled = torch.empty_like(padded, device=device)
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
                yield rows, X_batch, forward(X_batch)

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
        center, scale = self._scaling_tensors(output.device)
        return output * scale + center

    def _decode(self, Z, dtype):
        """Decoder output for codes Z, in the original feature units."""
        return self._collect(
            "decode",
            Z,
            self.n_features_in_,
            dtype,
            lambda _, out: self._unscaled(out),
            scale_input=False,
        )

    def _reconstruct(self, X):
        """Network output for X, in the original feature units, dtype of X."""
        return self._collect(
            "forward", X, self.n_features_in_, X.dtype, lambda _, out: self._unscaled(out)
        )

    def _squared_errors(self, X, *, per_feature=False, feature_weights=None):
        """Squared reconstruction errors in the scaled feature space.

        Computed batch by batch in float32 like the network (relative
        precision about 1e-7), returned as float64.

        Returns an array of shape (n_samples, n_features) if ``per_feature``
        (each feature's error multiplied by ``feature_weights``, if given),
        else the mean over features, shape (n_samples,): memory stays bounded
        by the output, never (n_samples, n_features) unless asked for.
        """
        if not per_feature:
            return self._collect(
                "forward",
                X,
                None,
                np.float64,
                lambda X_batch, out: (out - X_batch).square_().mean(dim=1),
            )
        weights = None if feature_weights is None else self._net_tensor(feature_weights)

        def squared(X_batch, out):
            errors = (out - X_batch).square_()
            return errors if weights is None else errors.mul_(weights)

        return self._collect("forward", X, X.shape[1], np.float64, squared)

    def _net_tensor(self, values):
        """``values`` as a float32 tensor on the fitted network's device."""
        return torch.as_tensor(values, dtype=torch.float32, device=torch.device(self.net_.device))

    def _mean_feature_errors(self, X):
        """Mean squared reconstruction error of each feature over X, in batches."""
        total = torch.zeros(X.shape[1], dtype=torch.float64)
        for rows, X_batch, output in self._run_module("forward", X):
            errors = ((output - X_batch)[: rows.stop - rows.start] ** 2).sum(dim=0)
            total += errors.double().cpu()
        return (total / X.shape[0]).numpy()

    def _check_fitted_X(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    # ------------------------------------------------------------------
    # Persistence: no pickled torch objects inside the estimator's state
    # ------------------------------------------------------------------
    def __getstate__(self):
        """State with the network as plain arrays, for pickle and skops.

        skorch pickles its module with Python's pickle; here the network is
        kept as its constructor arguments and weights (numpy arrays), so that
        ``skops.io`` can load a fitted estimator without running pickle code.
        The skorch training history and optimizer state are not kept.
        """
        state = dict(super().__getstate__())  # a copy: the live estimator keeps net_
        net = state.pop("net_", None)
        if net is not None:
            state["_network"] = {
                "module_params": net.get_params_for("module"),
                "weights": {
                    name: tensor.detach().cpu().numpy()
                    for name, tensor in net.module_.state_dict().items()
                },
                "device": str(net.device),
            }
        return state

    def __setstate__(self, state):
        network = state.pop("_network", None)
        super().__setstate__(state)
        if network is not None:
            self.net_ = self._rebuild_net(network)

    def _rebuild_net(self, network):
        device = torch.device(network["device"])
        if device.type == "cuda" and not torch.cuda.is_available():
            warnings.warn(
                f"{type(self).__name__} was saved on {device} but CUDA is not "
                "available: it runs on the CPU.",
                UserWarning,
                stacklevel=3,
            )
            device = torch.device("cpu")
        module_params = network["module_params"]
        net = self._build_net(
            module_params["n_features"],
            tuple(module_params["hidden_layer_sizes"]),
            device,
            valid_split=None,
            corruption=None,
            max_epochs=1,
        )
        with torch.random.fork_rng(devices=[]):  # initialize() draws random weights
            net.initialize()
        weights = {name: torch.from_numpy(value) for name, value in network["weights"].items()}
        net.module_.load_state_dict(weights)
        net.module_.eval()
        return net

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.required = False
        return tags


def _row_sample(X, rng):
    """At most ``_QUANTILE_SUBSAMPLE`` random rows of X, in their order."""
    if X.shape[0] <= _QUANTILE_SUBSAMPLE:
        return X
    return X[np.sort(rng.choice(X.shape[0], _QUANTILE_SUBSAMPLE, replace=False))]


def _silent(*args, **kwargs):
    """A sink that prints nothing (picklable, unlike a lambda)."""
