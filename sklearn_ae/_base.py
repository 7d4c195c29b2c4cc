"""What all autoencoder estimators share: parameters, validation, the training call.

The other parts of a fitted autoencoder live beside this module, one job
each: ``_scaling`` (feature scaling), ``_network`` (the skorch net),
``_inference`` (bounded-memory inference) and ``_state`` (persistence).
"""

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
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._batching import TensorBatchIterator
from ._codebook import CodebookMixin
from ._inference import InferenceMixin, fill_missing
from ._network import build_net, default_criterion
from ._scaling import SCALERS, fit_scaler
from ._state import NetworkStateMixin
from ._table import TableEncoding, categorical_mask
from .nn import ACTIVATIONS, ARCHITECTURES, get_architecture
from .nn._image import check_image_shape
from .nn._registry import (
    accepts_image_shape,
    bypasses_code,
    module_arguments,
    needs_image_shape,
)

# early_stopping="auto" holds out a validation set once it has this many rows.
_MIN_VALIDATION_ROWS = 100


def _missing_values(X, name, feature_names=None):
    """Whether X has missing values (NaN); refuse rows or features with none observed.

    A row or a feature without any observed value gives the network nothing
    to learn from (and a feature's scaling would be undefined).
    """
    missing = np.isnan(X)
    if not missing.any():
        return False
    for axis, what in ((1, "row"), (0, "feature")):
        empty = np.flatnonzero(missing.all(axis=axis))
        if empty.size:
            labels = empty if what == "row" or feature_names is None else feature_names[empty]
            shown = ", ".join(map(str, labels[:5])) + (", ..." if empty.size > 5 else "")
            raise ValueError(
                f"{name} has {empty.size} {what}(s) with no observed value (all NaN): "
                f"{what} {shown}. Drop them before fit; they carry nothing to learn from."
            )
    return True


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


class BaseAutoencoder(
    CodebookMixin, NetworkStateMixin, InferenceMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base class for the autoencoder estimators.

    It validates parameters and data, scales the features, builds and trains
    a ``skorch.NeuralNet`` (stored as ``net_``) around the torch module named
    by ``architecture``, and runs the fitted network over large inputs in
    bounded-memory batches. Subclasses add their own job (transform,
    outlier scores, denoising).

    Warning: this class should not be used directly. Use derived classes.
    """

    _parameter_constraints: dict = {
        "architecture": [StrOptions(set(ARCHITECTURES)), type],
        "image_shape": ["array-like", None],
        "architecture_params": [dict, None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left"), None],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "scaling": [StrOptions(set(SCALERS)), None],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "net_params": [dict, None],
    }

    # max_iter="auto": about this many optimizer steps (or, if set, rows seen)
    # in training, within these epochs (see _max_epochs).
    _auto_step_budget = 5_000
    _auto_row_budget = None
    _auto_epoch_range = (1, 200)

    # What the job does with the network's code, for the error raised when
    # an architecture bypasses it (None: the job does not need a code).
    _code_job = None
    # Whether a user's network must define encode and decode (see get_architecture).
    _needs_code = True

    def __init__(
        self,
        *,
        architecture="mlp",
        image_shape=None,
        architecture_params=None,
        n_components=None,
        hidden_layer_sizes=None,
        activation="relu",
        dropout=0.0,
        scaling="standard",
        batch_size="auto",
        max_iter="auto",
        learning_rate_init=1e-3,
        alpha=0.0,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        device="cpu",
        net_params=None,
    ):
        self.architecture = architecture
        self.image_shape = image_shape
        self.architecture_params = architecture_params
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
        """Check X before any torch code sees it; keep float32/float64 as is.

        A 4-D array ``(n_samples, C, H, W)`` is flattened to one image per
        row. With ``reset``, ``image_shape_`` is set: ``image_shape``, else
        the shape of 4-D images, else None (a table).
        """
        images_shape = None
        if getattr(X, "ndim", None) == 4 and not hasattr(X, "columns"):
            X = np.asarray(X)
            images_shape = X.shape[1:]
            expected = self.image_shape if reset else self.image_shape_
            if expected is not None and tuple(expected) != images_shape:
                raise ValueError(
                    f"X holds images of shape {images_shape}, but image_shape is {tuple(expected)}."
                )
            X = X.reshape(X.shape[0], -1)
        if reset:
            self.table_encoding_ = None
        table = self._table_values(X, reset=reset) if images_shape is None else None
        if table is not None:
            return table
        try:
            with self._explained_missing_values_error("X"):
                X = validate_data(
                    self,
                    X,
                    reset=reset,
                    dtype=[np.float64, np.float32],
                    ensure_min_samples=2 if reset else 1,
                    ensure_all_finite=self._ensure_all_finite(),
                )
        except ValueError as exc:
            columns = _non_numeric_columns(X) if "convert" in str(exc) else []
            if columns:
                advice = (
                    "name them in categorical_features"
                    if "categorical_features" in self.get_params()
                    else "encode them first (e.g. with OneHotEncoder in a ColumnTransformer)"
                )
                raise TypeError(
                    f"{type(self).__name__} needs numeric input, but column(s) "
                    f"{columns} are not numeric: {advice}, or drop them."
                ) from exc
            raise
        if reset:
            shape = self.image_shape if self.image_shape is not None else images_shape
            self.image_shape_ = None if shape is None else check_image_shape(shape, X.shape[1])
        return X

    def _table_values(self, X, *, reset):
        """The network values of a table with categorical columns, or None.

        With ``reset``, finds the categorical columns (``categorical_features``)
        and fits ``table_encoding_`` (None when there are none); then, if
        there is an encoding, checks the column names and count as
        scikit-learn does and encodes X. Estimators without the parameter
        never encode.
        """
        if reset:
            mask = self._categorical_mask(X)
            if mask is None:
                return None
            if self.image_shape is not None:
                raise ValueError(
                    "categorical_features names columns of a table, but image_shape "
                    "says X holds images; drop one of them."
                )
            refusal = self._categorical_refusal()
            if refusal:
                columns = list(np.asarray(getattr(X, "columns", range(X.shape[1])))[mask])
                raise ValueError(
                    f"{type(self).__name__}: {refusal} Categorical columns: {columns}; "
                    "categorical_features=None reads every column as a number."
                )
            validate_data(self, X, reset=True, skip_check_array=True)
            self.table_encoding_ = TableEncoding(mask)
            self.image_shape_ = None
            values = self.table_encoding_.fit_encode(X)
        elif self._table_encoding() is None:
            return None
        else:
            validate_data(self, X, reset=False, skip_check_array=True)
            values = self.table_encoding_.encode(X)
        return check_array(
            values,
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite=self._ensure_all_finite(),
            input_name="X",
        )

    def _categorical_mask(self, X):
        """Mask of X's categorical columns, or None when it has none (or no columns)."""
        categorical_features = getattr(self, "categorical_features", None)
        if categorical_features is None:
            return None
        if isinstance(categorical_features, str) and not hasattr(X, "columns"):
            return None  # "from_dtype" finds categories in a DataFrame's dtypes only
        if not hasattr(X, "columns"):
            X = np.asarray(X, dtype=object)
        if X.ndim != 2:
            return None  # the usual checks explain what is wrong
        mask = categorical_mask(X, categorical_features)
        return mask if mask.any() else None

    def _categorical_refusal(self):
        """Why these settings cannot take categorical columns, or None if they can."""
        return None

    def _missing_values_refusal(self):
        """Why these settings cannot take missing values (NaN), or None if they can.

        A plain autoencoder sees a missing value as its feature's centre and
        leaves it out of its loss and its errors; a network with a
        likelihood of its own (a VAE, a diffusion model) refuses them.
        """
        return None

    def _ensure_all_finite(self):
        """``ensure_all_finite`` for scikit-learn's checks: NaN where accepted."""
        return True if self._missing_values_refusal() else "allow-nan"

    @contextmanager
    def _explained_missing_values_error(self, name):
        """Say why a NaN is refused, where scikit-learn's check only says it is there."""
        try:
            yield
        except ValueError as exc:
            refusal = self._missing_values_refusal()
            if refusal and "contains NaN" in str(exc):
                raise ValueError(f"Input {name} contains NaN, but {refusal}") from exc
            raise

    def _module_class(self):
        """The architecture's module class, checked against the job and the data."""
        module_class = get_architecture(self.architecture, needs_code=self._needs_code)
        name = self.architecture if isinstance(self.architecture, str) else module_class.__name__
        if self._code_job is not None and bypasses_code(module_class):
            raise ValueError(
                f"{type(self).__name__} cannot use architecture={name!r}: its skip "
                f"connections carry the input around the code, so {self._code_job}. "
                "Use architecture='conv' (or 'mlp') here; a U-Net belongs in AEDenoiser "
                "or AESegmenter."
            )
        if needs_image_shape(module_class) and self.image_shape_ is None:
            raise ValueError(
                f"architecture={name!r} works on images: pass image_shape=(channels, "
                "height, width), with one flattened image per row of X, or a 4-D X."
            )
        return module_class

    def _network(self, module_class, shared):
        """The network class to train and its constructor arguments.

        ``module_class`` is the architecture's class and ``shared`` the
        estimator's values of the shared arguments. A job that wraps the
        architecture (a variational autoencoder, a diffusion model)
        overrides this and :meth:`_network_class`.
        """
        return module_class, module_arguments(module_class, shared, self.architecture_params)

    def _network_class(self):
        """The class of the trained network, to rebuild it when unpickling."""
        return get_architecture(self.architecture, needs_code=self._needs_code)

    def _hidden_layer_sizes(self, module_class):
        sizes = self.hidden_layer_sizes
        if sizes is None:
            default = getattr(module_class, "default_hidden_layer_sizes", (128,))
            if self.image_shape_ is not None:
                default = getattr(module_class, "default_image_hidden_layer_sizes", default)
            return tuple(default)
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if not sizes and module_class is not ARCHITECTURES["mlp"]:
            raise ValueError(f"{module_class.__name__} needs at least one hidden_layer_sizes.")
        if not all(isinstance(s, Integral) and s > 0 for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}."
            )
        return tuple(int(s) for s in sizes)

    def _check_device(self):
        accelerator = (self.net_params or {}).get("accelerator")
        if accelerator is not None:
            return accelerator.device  # accelerate chooses the device
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
        device = self._check_device()
        rng = check_random_state(self.random_state)
        input_missing, target_missing = self._check_missing_values(X, target)
        continue_training = self.warm_start and hasattr(self, "net_")

        if continue_training:
            module_class = network_class = type(self.net_.module_)
        else:
            module_class = self._module_class()
            self.scaler_ = fit_scaler(self.scaling, X, self.image_shape_, rng)
            shared = self._shared_arguments(module_class, X)
            network_class, module_args = self._network(module_class, shared)
        X_t, y_t = self._training_tensors(X, target, device, input_missing)
        if self.batch_size == "auto":
            self.batch_size_ = self._resolve_auto_batch_size(module_class, X.shape[0])
        else:
            self.batch_size_ = self.batch_size

        if not continue_training:
            self.early_stopping_ = self._resolve_early_stopping(X.shape[0])
        valid_split = None
        if self.early_stopping_:
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
            # A loss that leaves missing values out, if the data now have them
            # (setting the criterion re-initialises it: only when it changes).
            criterion = self._criterion_params(target_missing)
            changed = {k: v for k, v in criterion.items() if not _same(getattr(net, k, None), v)}
            if changed:
                net.set_params(**changed)
            # skorch's set_params refuses iterator parameters on an
            # initialised net; they are plain attributes read at each epoch.
            for key, value in self._iterator_params(corruption).items():
                if "__" in key:
                    setattr(net, key, value)
            _replace_callbacks(net, self._training_callbacks(max_epochs, len(X_train)))
        else:
            net = build_net(
                self,
                network_class,
                module_args,
                device,
                valid_split,
                corruption,
                max_epochs,
                missing_values=target_missing,
                n_train=len(X_train),
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
        if net.device is None:  # accelerate placed the module; inference needs to know where
            net.device = device

        self.net_ = net
        self._record_network_facts(X)
        new_epochs = net.history[n_epochs_before:]
        previous = self.loss_curve_ if continue_training else []
        self.loss_curve_ = previous + [epoch["train_loss"] for epoch in new_epochs]
        previous = (self.validation_loss_curve_ or []) if continue_training else []
        self.validation_loss_curve_ = (
            previous + [epoch["valid_loss"] for epoch in new_epochs]
            if self.early_stopping_
            else None
        )
        self.n_iter_ = len(self.loss_curve_)
        self._warn_if_not_converged(net, len(new_epochs), max_epochs)
        return self

    def _check_missing_values(self, X, target):
        """Whether the input and the target have missing values (NaN).

        Refuses rows or features with no observed value.
        """
        names = getattr(self, "feature_names_in_", None)
        input_missing = _missing_values(X, "X", names)
        target_missing = input_missing if target is None else _missing_values(target, "y", names)
        return input_missing, target_missing

    def _shared_arguments(self, module_class, X):
        """The estimator's values of the arguments that every network may take.

        Sets ``n_components_``.
        """
        n_features = X.shape[1]
        self.n_components_ = (
            self.n_components
            if self.n_components is not None
            else self._default_n_components(n_features)
        )
        return {
            "n_features": n_features,
            "n_components": self.n_components_,
            "hidden_layer_sizes": self._hidden_layer_sizes(module_class),
            "activation": self.activation,
            "dropout": self.dropout,
            "image_shape": self.image_shape_,
        }

    def _training_tensors(self, X, target, device, input_missing):
        """The network's training input and target, as tensors on ``device``.

        Both are scaled; the target is the input itself when ``target`` is None.
        """
        X_t = self._scaled_tensor(X, device)
        y_t = X_t if target is None else self._scaled_tensor(target, device)
        if input_missing:
            # The network sees a missing value as in inference, at its
            # feature's centre; the target keeps NaN, which the loss leaves out.
            X_t = fill_missing(X_t, self._missing_fill())
        return X_t, y_t

    def _resolve_auto_batch_size(self, module_class, n_samples):
        """``batch_size="auto"``: the network's default, at most ``n_samples``."""
        return min(self._auto_batch_size(module_class), n_samples)

    def _iterator_params(self, corruption):
        """The skorch iterator parameters: slices of one tensor, ``corruption`` on inputs."""
        return {
            "iterator_train": TensorBatchIterator,
            "iterator_train__shuffle": True,
            "iterator_train__corruption": corruption,
            "iterator_valid": TensorBatchIterator,
            "iterator_valid__corruption": corruption,
        }

    def _training_callbacks(self, max_epochs, n_train):
        """Callbacks of the job's own, as ``(name, callback)`` pairs: none here."""
        return []

    def _record_network_facts(self, X):
        """Fitted attributes read off the trained network: the code size, codebook use."""
        # Some networks' codes are not n_components wide (a VQ code on images).
        self.n_components_ = getattr(self.net_.module_, "code_size", self.n_components_)
        self._record_codebook_usage(X)

    def _resolve_early_stopping(self, n_samples):
        """``early_stopping`` as a bool: "auto" holds out data once it is enough.

        A validation loss over fewer than ``_MIN_VALIDATION_ROWS`` rows is
        too noisy to stop on, and small data are better spent on training.
        """
        if self.early_stopping != "auto":
            return bool(self.early_stopping)
        return n_samples * self.validation_fraction >= _MIN_VALIDATION_ROWS

    def _stops_on_training_loss(self):
        """Whether training without a validation set stops when its loss stalls."""
        return True

    def _averages_weights(self):
        """Whether the fitted network keeps a moving average of its weights."""
        return False

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

    def _max_epochs(self, n_samples):
        """Epochs to train for: ``max_iter``, or for "auto" a training budget.

        "auto" trains for about ``_auto_step_budget`` mini-batches (or
        ``_auto_row_budget`` rows) in all, within ``_auto_epoch_range``
        epochs: small data get many epochs, large data few, and fit time
        stays bounded. Training still stops earlier when the loss stops
        improving.
        """
        if self.max_iter != "auto":
            return self.max_iter
        budget, (low, high) = self._auto_budget()
        return int(np.clip(np.ceil(budget / n_samples), low, high))

    def _auto_budget(self):
        """``max_iter="auto"``: rows to see in training, and the range of epochs."""
        budget = self._auto_row_budget or self._auto_step_budget * self.batch_size_
        return budget, self._auto_epoch_range

    def _auto_batch_size(self, module_class):
        """256 rows, or the network's own default; 32 for networks on images.

        On CPU an image network costs about the same per image whatever the
        batch size, and learns more per image in small batches: a U-Net
        trained on photographs for the same time reached 26.7, 28.6 and
        28.9 dB with batches of 256, 64 and 32 (``bench_photos.py``).
        """
        on_images = self.image_shape_ is not None and accepts_image_shape(module_class)
        return int(getattr(module_class, "default_batch_size", 32 if on_images else 256))

    def _criterion_params(self, missing_values=False):
        """The skorch ``criterion`` parameters: the training loss.

        With ``missing_values`` the loss leaves the target's NaN out.
        """
        return default_criterion(missing_values, self._table_layout())

    def _table_layout(self):
        """The :class:`TableLayout` of a table with categorical columns, else None."""
        encoding = self._table_encoding()
        return None if encoding is None else encoding.layout()

    def _n_values(self):
        """Width of the network's input and output rows.

        ``n_features_in_``, except for a table with categorical columns,
        whose categories each have a value.
        """
        encoding = self._table_encoding()
        return self.n_features_in_ if encoding is None else encoding.n_values_

    def _warn_if_not_converged(self, net, n_epochs, max_epochs):
        name = getattr(self, "_name_in_warnings", type(self).__name__)
        stopper = dict(net.callbacks_)["stopper"]
        if stopper.misses_ >= stopper.patience:
            return
        if not (self.early_stopping_ or self._stops_on_training_loss()):
            return  # trained for max_iter epochs by design
        if n_epochs >= max_epochs:
            if self.max_iter == "auto":
                return  # a training budget by design, not a failure to converge
            warnings.warn(
                f"{name}: maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        else:
            warnings.warn(
                f"{name}: training was interrupted after "
                f"{n_epochs} of {max_epochs} epochs; the model keeps the "
                "weights reached so far.",
                UserWarning,
                stacklevel=3,
            )

    def _check_fitted_X(self, X):
        check_is_fitted(self)
        return self._validate_X(X, reset=False)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "net_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._missing_values_refusal() is None
        tags.target_tags.required = False
        return tags


def _replace_callbacks(net, callbacks):
    """Put ``(name, callback)`` pairs into an initialised net, replacing those of that name.

    A net rebuilt from a saved model lacks the callbacks that only training
    needs; continuing its training adds them.
    """
    if not callbacks:
        return
    names = {name for name, _ in callbacks}
    kept = [
        entry for entry in net.callbacks if not (isinstance(entry, tuple) and entry[0] in names)
    ]
    net.callbacks = kept + list(callbacks)
    net.initialize_callbacks()


def _same(a, b):
    """Whether two parameter values are equal (arrays and tensors compared by value)."""
    if isinstance(a, torch.Tensor | np.ndarray) or isinstance(b, torch.Tensor | np.ndarray):
        return a is not None and b is not None and np.array_equal(np.asarray(a), np.asarray(b))
    return a == b
