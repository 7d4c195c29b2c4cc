"""Docstring parts shared by the estimators, filled in at import time."""

import re

_ARCHITECTURE_PARAMETERS = """\
    architecture : {"mlp", "conv"%(unet_option)s, "transformer", "vq"} or \
nn.Module class, default="mlp"
        The network: "mlp" (fully connected, for tables), "conv" (strided
        convolutions, a linear code and a mirrored upsampling decoder, for
        images)%(unet_text)s, "transformer" (self-attention over one token
        per feature, or per patch of an image) or "vq" (an MLP or conv
        encoder whose code is made of learned codebook entries; see
        ``codebook_indices``). A user's ``torch.nn.Module``
        class that follows the module protocol of :mod:`sklearn_ae.nn`
        (``encode``, ``decode``, ``forward``) is accepted too.
    image_shape : tuple of int (channels, height, width) or None, default=None
        Shape of the image held by each row (flattened in C, H, W order);
        one entry may be -1, inferred from the number of features as in
        ``numpy.reshape``.
        Needed by the image architectures, and allowed with "mlp". With it,
        features are scaled per channel, pooled over all pixels, not per
        pixel. A 4-D X of shape ``(n_samples, C, H, W)`` sets it too.
    architecture_params : dict or None, default=None
        The network's own settings, e.g. ``{"kernel_size": 5}`` for
        "conv"%(unet_params)s, ``{"n_heads": 4, "patch_size": 4,
        "mask_ratio": 0.25}`` for "transformer", ``{"codebook_size": 128,
        "n_groups": 4}`` for "vq"; a key the network does not take raises
        an error that lists those it does.
"""

_SHARED_PARAMETERS = """\
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"gelu"}, default="relu"
        Activation of the hidden layers; the code and output layers are
        linear, so ``activation="identity"`` spans the same space as PCA.
    dropout : float, default=0.0
        Dropout probability after each hidden activation (training only).
    scaling : {"standard", "robust"} or None, default="%(scaling_default)s"
        Feature scaling fitted on the training data, applied before the
        network and undone after it: "standard" (mean and standard
        deviation) or "robust" (median and interquartile range, estimated on
        at most 20,000 random rows for speed). Errors and
        scores are measured in the scaled space, so every feature counts
        equally whatever its units. None feeds the raw values to the network.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" uses ``min(256, n_samples)``, and 32 for
        "conv" and "unet" (image networks learn more per image in small
        batches, at the same cost per image on a CPU).
    max_iter : int or "auto", default="auto"
        Maximum number of epochs. "auto" is a training budget of about
        %(budget)s (``ceil(%(budget_formula)s / n_samples)`` epochs, between
        %(epoch_low)s and %(epoch_high)s): small data sets get many epochs,
        large ones few, so fit time stays bounded, and no
        ``ConvergenceWarning`` is raised when the budget is spent.
    learning_rate_init : float, default=1e-3
        Learning rate of the Adam optimizer.
    alpha : float, default=0.0
        L2 penalty (Adam's ``weight_decay``).
    early_stopping : bool or "auto", default=%(early_stopping_default)s
        Hold out ``validation_fraction`` of the training data and stop when
        its loss has not improved by ``tol`` for ``n_iter_no_change`` epochs;
        the best weights are then restored. When False, training stops when
        the training loss stops improving in the same way, as in
        :class:`~sklearn.neural_network.MLPRegressor`. "auto" holds out data
        when the validation set gets at least 100 rows (``n_samples *
        validation_fraction >= 100``), so small data sets are spent on
        training.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float, default=1e-4
        Minimum improvement of the monitored loss.
    warm_start : bool, default=False
        On the next call to ``fit``, continue training the previous network
        for ``max_iter`` more epochs (the architecture and scaling are kept).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout, noise and the
        validation split. An int gives bit-identical results on CPU. Torch's
        global random state is left as it was.
    verbose : int, default=0
        0 prints nothing; 1 shows a tqdm progress bar over the epochs with
        the latest losses (on a terminal also over the batches of epochs
        that last over two seconds); 2 prints a table row per epoch, as
        skorch does. No colour codes are written off a terminal.
    device : str or torch.device, default="cpu"
        Where the network trains and runs, e.g. ``"cuda"``. A fitted model
        unpickled on a machine without that device runs on the CPU.
    net_params : dict or None, default=None
        Extra parameters for the ``skorch.NeuralNet`` built in ``fit``, e.g.
        ``{"optimizer": torch.optim.SGD}``. ``"callbacks"`` are added to the
        estimator's own callbacks. ``{"accelerator": accelerate.Accelerator()}``
        trains through Hugging Face ``accelerate`` (skorch's
        ``AccelerateMixin``): mixed precision, or one process per GPU when
        the script is started with ``accelerate launch`` (each process
        trains on its share of every batch). The fitted model then runs
        and pickles like any other.
"""

_TABLE_PARAMETERS = """\
    categorical_features : "from_dtype", array-like or None, default="from_dtype"
        The categorical columns of a table, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`:
        "from_dtype" takes the text (``object``, ``string``), ``category``
        and ``bool`` columns of a DataFrame; or a boolean mask, column
        indices, or column names. Each categorical column reaches the
        network as one indicator per category seen in ``fit``, and its
        reconstruction error is the cross-entropy of the network's class
        scores (``-log p(category)``) where a number's is its squared
        error; every column counts once in the mean. A missing category
        (NaN, None) is left out, as a missing number is; a category not
        seen in ``fit`` counts as the least probable of the seen ones.
        Name integer-coded columns here; None reads every column as a
        number.
"""

_SHARED_ATTRIBUTES = """\
    net_ : skorch.NeuralNet
        The trained network; ``net_.module_`` is the torch autoencoder.
    image_shape_ : tuple of int or None
        ``(C, H, W)`` of the images in the rows of X, or None for a table.
    n_components_ : int
        Size of the code: ``n_components``, except for "vq" on images,
        whose code has ``n_components`` values per spatial position.
    codebook_usage_ : float
        Only for "vq": share of the codebook's entries that the training
        data use.
    codebook_perplexity_ : float
        Only for "vq": exp of the entropy of the entries' use on the
        training data (between 1 and ``codebook_size``).
    scaler_ : StandardScaler, RobustScaler or None
        The fitted feature scaling.
    loss_curve_ : list of float
        Training loss per epoch: the mean squared error in the scaled space
        (for :class:`AEOutlierDetector`, over the samples its trimmed loss
        keeps).
    early_stopping_ : bool
        Whether a validation set was held out (``early_stopping`` resolved).
    validation_loss_curve_ : list of float or None
        Validation loss per epoch when ``early_stopping_`` is True.
    n_iter_ : int
        Number of epochs run.
    batch_size_ : int
        Mini-batch size used.
    n_features_in_ : int
        Number of features seen during fit.
    table_encoding_ : object or None
        How the columns of a table with categorical columns reach the
        network (its categories in ``categories_``); None for numbers only.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit. Defined only when ``X`` has
        feature names that are all strings.
"""


def fill_shared_parameters(scaling_default, documented_here=()):
    """Class decorator: put the shared parameter docs into the docstring.

    The class docstring marks the places with ``%(architecture_parameters)s``,
    ``%(shared_parameters)s`` and ``%(shared_attributes)s``, so that the text
    every estimator shares is written once. Parameters named in
    ``documented_here`` are left out of the shared text because the class
    documents them itself. ``%(shared_parameter:NAME)s`` inserts the text of
    one shared parameter, for a class that documents the others itself.
    """

    def decorate(cls):
        low, high = cls._auto_epoch_range
        unet = cls._code_job is None
        if cls._auto_row_budget:
            budget = f"{cls._auto_row_budget:,} rows seen"
            budget_formula = f"{cls._auto_row_budget:_}"
        else:
            budget = f"{cls._auto_step_budget:,} mini-batches"
            budget_formula = f"{cls._auto_step_budget:_} * batch_size_"
        values = {
            "scaling_default": scaling_default,
            "budget": budget,
            "budget_formula": budget_formula,
            "early_stopping_default": (
                '"auto"'
                if cls.__init__.__kwdefaults__["early_stopping"] == "auto"
                else str(cls.__init__.__kwdefaults__["early_stopping"])
            ),
            "epoch_low": str(low),
            "epoch_high": str(high),
            "unet_option": ', "unet"' if unet else "",
            "unet_text": (
                ' or "unet" (a U-Net: convolutions with skip connections at every '
                "scale, for images)"
                if unet
                else " (a U-Net's skip connections bypass the code, so it is refused "
                "here: it belongs in AEDenoiser and AESegmenter)"
            ),
            "unet_params": ' and ``{"residual": False}`` for "unet"' if unet else "",
        }
        parameters = _SHARED_PARAMETERS
        for name in documented_here:
            parameters = re.sub(rf"^    {name} :.*?(?=^    \w)", "", parameters, flags=re.M | re.S)
        doc = re.sub(
            r"^ *%\(shared_parameter:(\w+)\)s\n",
            lambda match: _shared_parameter(match.group(1)) % values,
            cls.__doc__,
            flags=re.M,
        )
        for marker, text in [
            ("architecture_parameters", _ARCHITECTURE_PARAMETERS),
            ("shared_parameters", parameters),
            ("table_parameters", _TABLE_PARAMETERS),
            ("shared_attributes", _SHARED_ATTRIBUTES),
        ]:
            for key, value in values.items():
                text = text.replace(f"%({key})s", value)
            doc = re.sub(rf"^ *%\({marker}\)s\n", lambda _, text=text: text, doc, flags=re.M)
        cls.__doc__ = doc
        return cls

    return decorate


def _shared_parameter(name):
    """The shared text of one parameter (its lines of ``_SHARED_PARAMETERS``)."""
    match = re.search(rf"^    {name} :.*?(?=^    \w|\Z)", _SHARED_PARAMETERS, flags=re.M | re.S)
    if match is None:
        raise KeyError(f"No shared documentation for parameter {name!r}.")
    return match.group(0)
