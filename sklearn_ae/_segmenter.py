"""Image segmentation: one class per pixel, with a U-Net trained on crops."""

import inspect
import math
from numbers import Integral

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import LRScheduler

from ._base import BaseAutoencoder
from ._batching import CropBatchIterator
from ._boundaries import watershed_lines
from ._docs import fill_shared_parameters
from ._tiling import TiledInference
from .metrics import _labelled_pixels
from .nn import UNet
from .nn._image import check_image_shape
from .nn._losses import DiceCrossEntropyLoss, PixelCrossEntropyLoss
from .nn._registry import module_arguments

# max_iter="auto": about this many mini-batches of crops, within these epochs.
SEGMENTATION_STEP_BUDGET = 1_600
SEGMENTATION_EPOCH_RANGE = (1, 1_000)
SEGMENTATION_BATCH_SIZE = 8
# hidden_layer_sizes=None for "unet": six stages (five down-samplings), few
# channels at full resolution, where most of the cost lies.
SEGMENTATION_UNET_WIDTHS = (8, 16, 32, 64, 128, 256)


@fill_shared_parameters(scaling_default="standard")
class AESegmenter(TiledInference, ClassifierMixin, BaseAutoencoder):
    """Segment images: a class for every pixel, learnt from labelled masks.

    An encoder-decoder network (a U-Net by default) maps each image to one
    score map per class and is trained with the pixels' cross-entropy
    against masks drawn by hand. Training runs on random crops of the
    images, flipped and turned; prediction runs on whole images of any
    size, in overlapping tiles whose borders are discarded (the overlap-tile
    strategy of the U-Net paper), so memory stays bounded. It is a
    scikit-learn classifier with a pixel axis: ``predict`` gives each
    pixel's label, ``predict_proba`` its class probabilities, ``classes_``
    the labels.

    Images are rows of ``X``, flattened in ``(C, H, W)`` order with
    ``image_shape=(C, H, W)``, or a 4-D ``X`` of shape ``(n_samples, C, H,
    W)``. ``y`` holds one label per pixel, of shape ``(n_samples, H * W)``
    or ``(n_samples, H, W)``; pixels labelled ``ignore_label`` (-1 by
    default) are left out of the loss and of :meth:`score`.

    Read more in the :ref:`User Guide <segmentation>`.

    Parameters
    ----------
    architecture : {"unet", "conv", "transformer"} or nn.Module class, \
default="unet"
        The network: "unet" (convolutions with skip connections at every
        scale, group-normalised), "conv" (strided convolutions down to a
        code and back, no skip connections) or "transformer" (self-attention
        over patches of the image). A ``torch.nn.Module`` class of your own
        works if its constructor takes ``out_channels`` (it receives the
        number of classes) and it maps rows of images to rows of score maps;
        with a method ``forward_images`` (images of any size in and out) it
        predicts whole images instead of crop-sized tiles.
    image_shape : tuple of int (channels, height, width) or None, default=None
        Shape of the image held by each row of X (flattened in C, H, W
        order); one entry may be -1. None takes it from a 4-D X, or from a
        3-D y of shape ``(n_samples, H, W)``.
    architecture_params : dict or None, default=None
        The network's own settings, e.g. ``{"kernel_size": 5}``. For "unet"
        the segmenter sets ``{"residual": False, "norm": "group"}``, which
        these override.
    crop_size : int or None, default=128
        Height and width of the random crops that training runs on (at most
        the image's). Crops of 128 pixels give the network enough context for
        cells and membranes at a fraction of a whole image's cost; raise it
        for structures larger than about a third of the crop. None trains on
        whole images.
    augment : bool, default=True
        Flip each training crop and turn it by a random multiple of 90
        degrees (flips only for crops that are not square). Set it to False
        when orientation matters (e.g. the sky above the ground).
    loss : {"cross_entropy", "dice_cross_entropy"}, default="cross_entropy"
        The training loss. "cross_entropy" is the mean cross-entropy of the
        labelled pixels, each pixel weighing the same. "dice_cross_entropy"
        adds the soft Dice loss of the classes (one minus their mean Dice
        overlap over the batch), which weighs a thin or rare class as much
        as the background; try it when a small class's overlap with the
        truth matters most. Its effect differs between data sets (see the
        user guide).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the cross-entropy, as in scikit-learn's classifiers:
        a dict ``{label: weight}`` (missing labels weigh 1), or "balanced" to
        weigh each class inversely to its share of the labelled pixels. None
        weighs every pixel alike, which gives the lowest pixel error; weights
        trade pixel error for the recall of rare classes.
    ignore_label : int, str or None, default=-1
        The label of pixels left out of the loss and of the score
        (unannotated, or outside the field of view). None: every pixel is
        labelled, and -1 may be a class.
    test_time_augmentation : bool, default=True
        Average the class probabilities of each image over its eight flips
        and turns by multiples of 90 degrees (four, the half turn and the
        flips, for tiles that are not square), each turned back: smoother,
        more accurate masks for eight times the cost of prediction. Set it
        to False when prediction time matters more, or when orientation
        carries meaning (``augment=False``).
    boundary_class : int, str or None, default=None
        The class that separates the objects, such as the membranes between
        cells. When set, ``predict`` closes the gaps in its boundaries: a
        one-pixel line of this class is drawn wherever two regions of low
        boundary probability meet (a watershed of the class's probability),
        so that objects a faint stretch of boundary would merge stay apart.
        Set it when the objects are to be counted or measured one by one
        and their boundaries are thin lines that tile the image (membranes,
        cell walls), not a background around blobs; None predicts each
        pixel's most probable class.
    n_components : int or None, default=None
        Size of the code of the networks that have one ("conv",
        "transformer"); None picks about the square root of a crop's values.
        The U-Net has no code and ignores it.
    hidden_layer_sizes : array-like of int or None, default=None
        Channels of each stage of the network, from full resolution down
        ("unet", "conv"), or one token width per attention block
        ("transformer"). None uses ``(8, 16, 32, 64, 128, 256)`` for "unet":
        six scales, so that each pixel's class depends on a wide neighbourhood,
        and few channels at full resolution, where most of the cost lies.
        Wider stages learn more per crop but cost more.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", \
"gelu"}, default="relu"
        Activation of the hidden layers.
    %(shared_parameter:dropout)s
    scaling : {"standard", "robust"} or None, default="standard"
        Scaling of each channel, fitted on all the pixels of the training
        images and applied before the network. A missing pixel value (NaN)
        is seen as its channel's mean. None feeds the raw values.
    batch_size : int or "auto", default="auto"
        Crops per mini-batch; "auto" uses 8.
    max_iter : int or "auto", default="auto"
        Epochs of training; an epoch draws as many crops as tile every
        training image once. "auto" trains for about 1,600 mini-batches of
        crops (at most 1,000 epochs) whatever the number of images, which is
        seven to eight minutes for 128-pixel crops of one channel on two
        CPU cores; the learning rate decays along a cosine to zero over the
        training.
    %(shared_parameter:learning_rate_init)s
    %(shared_parameter:alpha)s
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the images and stop when the
        loss on their crops has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the best weights are then restored.
        "auto" holds out images when at least 100 of them would be held out.
        Without a validation set the network trains for ``max_iter``
        epochs.
    %(shared_parameter:validation_fraction)s
    %(shared_parameter:n_iter_no_change)s
    %(shared_parameter:tol)s
    warm_start : bool, default=False
        On the next call to ``fit``, continue training the previous network
        for ``max_iter`` more epochs, with the classes of the first fit and a
        new cosine decay of the learning rate.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the crops and their augmentation, and
        the validation split. An int gives bit-identical results on CPU.
        Torch's global random state is left as it was.
    %(shared_parameter:verbose)s
    %(shared_parameter:device)s
    %(shared_parameter:net_params)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels of the pixels, sorted.
    class_weight_ : ndarray of shape (n_classes,)
        Weight of each class in the loss.
    outputs_2d_ : bool
        Whether ``predict`` returns one label per pixel in a 2-D array
        (always, except for images of one pixel fitted with a 1-D ``y``).
    net_ : skorch.NeuralNet
        The trained network; ``net_.module_`` is the torch module.
    image_shape_ : tuple of int
        ``(C, H, W)`` of the images in the rows of X.
    crop_shape_ : tuple of int
        ``(height, width)`` of the training crops and of the network's input.
    scaler_ : StandardScaler, RobustScaler or None
        The fitted scaling of the channels.
    loss_curve_ : list of float
        Training loss per epoch: the mean cross-entropy of the labelled
        pixels of the crops (weighted by ``class_weight_``), plus the Dice
        loss with ``loss="dice_cross_entropy"``.
    early_stopping_ : bool
        Whether a validation set was held out (``early_stopping`` resolved).
    validation_loss_curve_ : list of float or None
        Validation loss per epoch when ``early_stopping_`` is True.
    n_iter_ : int
        Number of epochs run.
    batch_size_ : int
        Crops per mini-batch.
    n_features_in_ : int
        Number of features (values per image) seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    AEDenoiser : The same networks trained to remove noise from images.
    sklearn_ae.metrics.make_pixel_scorer : Any scikit-learn metric over the
        labelled pixels, for cross-validation and grid searches.

    References
    ----------
    .. [1] O. Ronneberger, P. Fischer and T. Brox, "U-Net: Convolutional
       Networks for Biomedical Image Segmentation", MICCAI 2015.
    .. [2] Y. Wu and K. He, "Group Normalization", ECCV 2018.
    .. [3] I. Loshchilov and F. Hutter, "SGDR: Stochastic Gradient Descent
       with Warm Restarts", ICLR 2017.
    .. [4] F. Milletari, N. Navab and S.-A. Ahmadi, "V-Net: Fully
       Convolutional Neural Networks for Volumetric Medical Image
       Segmentation", 3DV 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import AESegmenter
    >>> images = np.random.RandomState(0).uniform(size=(30, 1, 16, 16))
    >>> masks = (images[:, 0] > 0.5).astype(int)  # bright pixels are class 1
    >>> segmenter = AESegmenter(hidden_layer_sizes=(8, 16), max_iter=20,
    ...                         learning_rate_init=0.01, random_state=0)
    >>> segmenter.fit(images, masks).predict(images).shape
    (30, 256)
    >>> segmenter.predict_proba(images).shape
    (30, 256, 2)
    >>> round(segmenter.score(images, masks), 2)  # mean IoU of the two classes
    0.97
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "crop_size": [Interval(Integral, 1, None, closed="left"), None],
        "augment": ["boolean"],
        "loss": [StrOptions({"cross_entropy", "dice_cross_entropy"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "ignore_label": [Integral, str, None],
        "test_time_augmentation": ["boolean"],
        "boundary_class": [Integral, str, None],
    }
    _needs_code = False
    _auto_step_budget = SEGMENTATION_STEP_BUDGET
    _auto_epoch_range = SEGMENTATION_EPOCH_RANGE

    def __init__(
        self,
        *,
        architecture="unet",
        image_shape=None,
        architecture_params=None,
        crop_size=128,
        augment=True,
        loss="cross_entropy",
        class_weight=None,
        ignore_label=-1,
        test_time_augmentation=True,
        boundary_class=None,
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
        super().__init__(
            architecture=architecture,
            image_shape=image_shape,
            architecture_params=architecture_params,
            n_components=n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            scaling=scaling,
            batch_size=batch_size,
            max_iter=max_iter,
            learning_rate_init=learning_rate_init,
            alpha=alpha,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            device=device,
            net_params=net_params,
        )
        self.crop_size = crop_size
        self.augment = augment
        self.loss = loss
        self.class_weight = class_weight
        self.ignore_label = ignore_label
        self.test_time_augmentation = test_time_augmentation
        self.boundary_class = boundary_class

    # ------------------------------------------------------------------
    # Fit
    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on images X and their pixel labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Images, one per row (flattened in C, H, W order), or a 4-D array.
            Missing values (NaN) are seen as their channel's mean.
        y : array-like of shape (n_samples, H * W) or (n_samples, H, W)
            The label of each pixel (the masks); ``ignore_label`` marks
            pixels left out. A 1-D y is accepted for images of one pixel.

        Returns
        -------
        self : AESegmenter
            The fitted estimator.
        """
        continue_training = self.warm_start and hasattr(self, "net_")
        X = self._validate_X(X, reset=not continue_training)
        Y = self._validate_Y(y, X, reset=not continue_training)
        self._boundary_index()  # refuse a boundary_class that is no class before training
        return self._fit_autoencoder(X, target=Y)

    def _validate_Y(self, Y, X, *, reset):
        """Y as class indices ``(n_samples, H, W)``, -1 where ignored.

        With ``reset``, sets ``classes_``, ``class_weight_``, ``outputs_2d_``
        and, when ``image_shape`` was not given, ``image_shape_`` from a 3-D y.
        """
        if Y is None:
            raise ValueError(
                "AESegmenter requires y to be passed, but the target y is None: y holds "
                "the label of every pixel, of shape (n_samples, H * W) or (n_samples, H, W)."
            )
        Y = np.asarray(Y)
        if reset and self.image_shape_ is None:
            if Y.ndim != 3:
                raise ValueError(
                    "AESegmenter needs the images' shape: pass image_shape=(channels, "
                    "height, width), a 4-D X of shape (n_samples, C, H, W), or y of "
                    "shape (n_samples, H, W)."
                )
            self.image_shape_ = check_image_shape((-1, *Y.shape[1:]), X.shape[1])
        labels = self._pixel_labels(Y, X.shape[0])
        if reset:
            self.outputs_2d_ = Y.ndim > 1
        _, height, width = self.image_shape_
        labelled = self._labelled(labels)
        if not labelled.any():
            raise ValueError(
                f"Every pixel of y is labelled ignore_label={self.ignore_label!r}: "
                "there is nothing to learn from."
            )
        known = labels[labelled]
        if known.dtype.kind == "f" and not np.isfinite(known).all():
            raise ValueError("Input y contains NaN or infinity; label every pixel with a class.")
        check_classification_targets(known)
        if reset:
            classes, indices = np.unique(known, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    f"y holds one class only ({classes[0]!r}); a segmenter needs at least "
                    "two classes among the labelled pixels."
                )
            self.classes_ = classes
            self.class_weight_ = compute_class_weight(
                self.class_weight, classes=classes, y=known
            ).astype(np.float32)
        else:
            indices = self._class_indices(known)
            if (indices < 0).any():
                unseen = np.unique(known[indices < 0])
                raise ValueError(
                    f"y holds labels {unseen.tolist()} that the first fit did not see; "
                    "warm_start keeps the classes of the first fit "
                    f"({self.classes_.tolist()})."
                )
        encoded = np.full(labels.shape, -1, dtype=np.int64)
        encoded[labelled] = indices
        return encoded.reshape(-1, height, width)

    def _pixel_labels(self, Y, n_samples):
        """Y as ``(n_samples, H * W)``, after checking its shape against the images."""
        _, height, width = self.image_shape_
        n_pixels = height * width
        expected = f"(n_samples, {n_pixels}) or (n_samples, {height}, {width})"
        if Y.ndim == 1 and n_pixels == 1:
            Y = Y[:, None]
        elif Y.ndim == 3 and Y.shape[1:] == (height, width):
            Y = Y.reshape(len(Y), n_pixels)
        elif Y.ndim != 2 or Y.shape[1] != n_pixels:
            raise ValueError(
                f"y must hold one label per pixel of the {height} x {width} images, of "
                f"shape {expected}; got shape {Y.shape}."
            )
        if len(Y) != n_samples:
            raise ValueError(
                f"X holds {n_samples} images but y holds labels for {len(Y)}; "
                "inconsistent numbers of samples."
            )
        return Y

    def _labelled(self, labels):
        """Mask of the pixels whose label is not ``ignore_label``."""
        return _labelled_pixels(labels, self.ignore_label)

    def _boundary_index(self):
        """Index of ``boundary_class`` in ``classes_``, or None when it is None."""
        if self.boundary_class is None:
            return None
        index = self._class_indices(np.asarray([self.boundary_class]))[0]
        if index < 0:
            raise ValueError(
                f"boundary_class={self.boundary_class!r} is not one of the classes of y "
                f"({self.classes_.tolist()})."
            )
        return int(index)

    def _class_indices(self, labels):
        """Index of each label in ``classes_``, -1 for a label not among them."""
        indices = np.searchsorted(self.classes_, labels)
        indices = np.minimum(indices, len(self.classes_) - 1)
        return np.where(self.classes_[indices] == labels, indices, -1)

    # ------------------------------------------------------------------
    # The network and its training (hooks of BaseAutoencoder)
    # ------------------------------------------------------------------
    def _module_class(self):
        module_class = super()._module_class()
        if not _takes_out_channels(module_class):
            name = (
                self.architecture if isinstance(self.architecture, str) else module_class.__name__
            )
            raise ValueError(
                f"AESegmenter cannot use architecture={name!r}: a segmenter's network "
                "outputs one score map per class, and this one only reconstructs its "
                "input. Use 'unet' (the default), 'conv' or 'transformer', or a module "
                "whose constructor takes out_channels."
            )
        return module_class

    def _hidden_layer_sizes(self, module_class):
        if self.hidden_layer_sizes is None and module_class is UNet:
            return SEGMENTATION_UNET_WIDTHS
        return super()._hidden_layer_sizes(module_class)

    def _network(self, module_class, shared):
        params = dict(self.architecture_params or {})
        if module_class is UNet:
            params = {"residual": False, "norm": "group", **params}
        return module_class, module_arguments(module_class, shared, params)

    def _shared_arguments(self, module_class, X):
        channels, height, width = self.image_shape_
        crop = (height, width) if self.crop_size is None else (self.crop_size,) * 2
        self.crop_shape_ = (min(crop[0], height), min(crop[1], width))
        n_features = channels * self.crop_shape_[0] * self.crop_shape_[1]
        n_components = self.n_components or self._default_n_components(n_features)
        return {
            "n_features": n_features,
            "n_components": n_components,
            "hidden_layer_sizes": self._hidden_layer_sizes(module_class),
            "activation": self.activation,
            "dropout": self.dropout,
            "image_shape": (channels, *self.crop_shape_),
            "out_channels": len(self.classes_),
        }

    def _check_missing_values(self, X, target):
        missing = np.isnan(X)
        if not missing.any():
            return False, False
        empty = np.flatnonzero(missing.all(axis=1))
        if empty.size:
            raise ValueError(
                f"X has {empty.size} image(s) with no observed pixel (all NaN): rows "
                f"{empty[:5].tolist()}. Drop them before fit."
            )
        return True, False

    def _training_tensors(self, X, target, device, input_missing):
        X_t = self._scaled_tensor(X, device).reshape(len(X), *self.image_shape_)
        if input_missing:
            X_t = X_t.nan_to_num(nan=0.0)  # the channel's mean, after scaling
        return X_t, torch.as_tensor(target, device=device)

    def _resolve_auto_batch_size(self, module_class, n_samples):
        return SEGMENTATION_BATCH_SIZE

    def _crops_per_image(self):
        _, height, width = self.image_shape_
        return math.ceil(height / self.crop_shape_[0]) * math.ceil(width / self.crop_shape_[1])

    def _batches_per_epoch(self, n_images):
        return math.ceil(n_images * self._crops_per_image() / self.batch_size_)

    def _max_epochs(self, n_samples):
        if self.max_iter != "auto":
            return self.max_iter
        low, high = self._auto_epoch_range
        epochs = math.ceil(self._auto_step_budget / self._batches_per_epoch(n_samples))
        return int(np.clip(epochs, low, high))

    def _stops_on_training_loss(self):
        # Random crops make the training loss noisy, and the learning rate
        # decays to zero at max_iter: train for the budget.
        return False

    def _criterion_params(self, missing_values=False):
        weights = self.class_weight_
        criterion = (
            DiceCrossEntropyLoss if self.loss == "dice_cross_entropy" else PixelCrossEntropyLoss
        )
        return {
            "criterion": criterion,
            "criterion__weight": None if np.all(weights == 1) else weights,
        }

    def _iterator_params(self, corruption):
        return {
            "iterator_train": CropBatchIterator,
            "iterator_train__shuffle": True,
            "iterator_train__crop_shape": self.crop_shape_,
            "iterator_train__augment": self.augment,
            "iterator_valid": CropBatchIterator,
            "iterator_valid__crop_shape": self.crop_shape_,
        }

    def _training_callbacks(self, max_epochs, n_train):
        if n_train is None:  # a fitted model being unpickled
            return []
        n_steps = max_epochs * self._batches_per_epoch(n_train)
        scheduler = LRScheduler(
            policy=torch.optim.lr_scheduler.CosineAnnealingLR,
            T_max=n_steps,
            step_every="batch",
            event_name=None,
            last_epoch=-1,  # a new decay at every fit, warm_start included
        )
        return [("lr_scheduler", scheduler)]

    def _record_network_facts(self, X):
        pass  # no code and no codebook to describe

    # ------------------------------------------------------------------
    # Prediction
    # ------------------------------------------------------------------
    def predict(self, X):
        """The label of every pixel of every image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Images of the shape seen in fit, as rows; or a 4-D array of
            images with the channels seen in fit and any height and width.

        Returns
        -------
        y : ndarray of shape (n_samples, H * W)
            The most probable class of each pixel, and ``boundary_class``
            on the lines that close its gaps when it is set (a 1-D array for
            images of one pixel fitted with a 1-D y).
        """
        X, image_shape = self._check_images(X)
        boundary = self._boundary_index()
        n_pixels = image_shape[1] * image_shape[2]
        labels = np.empty((X.shape[0], n_pixels), dtype=self.classes_.dtype)
        for rows, probabilities in self._class_probabilities(X, image_shape):
            indices = probabilities.argmax(axis=1)
            if boundary is not None:
                for image_indices, image_probabilities in zip(indices, probabilities, strict=True):
                    image_indices[watershed_lines(image_probabilities[boundary])] = boundary
            labels[rows] = self.classes_[indices.reshape(len(probabilities), -1)]
        return labels if self.outputs_2d_ else labels[:, 0]

    def predict_proba(self, X):
        """The class probabilities of every pixel of every image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Images of the shape seen in fit, as rows; or a 4-D array of
            images with the channels seen in fit and any height and width.

        Returns
        -------
        proba : ndarray of shape (n_samples, H * W, n_classes)
            Probability of each class (in the order of ``classes_``) at each
            pixel, in the dtype of X ((n_samples, n_classes) for images of
            one pixel fitted with a 1-D y).
        """
        X, image_shape = self._check_images(X)
        n_pixels, n_classes = image_shape[1] * image_shape[2], len(self.classes_)
        proba = np.empty((X.shape[0], n_pixels, n_classes), dtype=X.dtype)
        for rows, probabilities in self._class_probabilities(X, image_shape):
            flat = probabilities.reshape(len(probabilities), n_classes, -1)
            proba[rows] = flat.transpose(0, 2, 1)
        return proba if self.outputs_2d_ else proba[:, 0]

    def _check_images(self, X):
        """Validated rows of images and their shape ``(C, H, W)``.

        A 4-D X may hold images of another height and width than those of
        fit: the network runs on tiles, whatever the size of the image.
        """
        check_is_fitted(self)
        shape = getattr(X, "shape", None)
        if (
            getattr(X, "ndim", None) == 4
            and not hasattr(X, "columns")
            and shape[1] == self.image_shape_[0]
            and tuple(shape[1:]) != tuple(self.image_shape_)
        ):
            X = check_array(
                np.reshape(X, (shape[0], -1)),
                dtype=[np.float64, np.float32],
                ensure_all_finite="allow-nan",
                input_name="X",
            )
            return X, tuple(int(s) for s in shape[1:])
        return self._validate_X(X, reset=False), self.image_shape_

    def score(self, X, y, sample_weight=None):
        """Mean intersection over union (IoU) of the classes, over the labelled pixels.

        For each class, the pixels predicted as that class and those labelled
        with it are compared: IoU is the size of their intersection over the
        size of their union (the Jaccard index). The score is the mean over
        the classes present in y or in the prediction; pixels labelled
        ``ignore_label`` are left out. Unlike the share of correct pixels,
        it does not reward predicting a dominant background everywhere.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, C, H, W)
            Images.
        y : array-like of shape (n_samples, H * W) or (n_samples, H, W)
            True label of each pixel.
        sample_weight : None
            Not supported; present for API consistency with classifiers.

        Returns
        -------
        score : float
            Mean IoU, between 0 and 1 (higher is better).
        """
        if sample_weight is not None:
            raise ValueError("AESegmenter.score does not support sample_weight.")
        predicted = self.predict(X)
        truth = self._pixel_labels(np.asarray(y), len(predicted))
        predicted = predicted.reshape(truth.shape)
        labelled = self._labelled(truth)
        return mean_iou(truth[labelled], predicted[labelled])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.allow_nan = True
        return tags


def mean_iou(y_true, y_pred):
    """Mean over the classes present in either array of their intersection over union.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae._segmenter import mean_iou
    >>> float(mean_iou(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])))  # (1/2 + 2/3) / 2
    0.5833333333333333
    """
    classes, indices = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    n_classes = len(classes)
    true_index, predicted_index = indices[: len(y_true)], indices[len(y_true) :]
    counts = np.bincount(true_index * n_classes + predicted_index, minlength=n_classes**2)
    confusion = counts.reshape(n_classes, n_classes)
    intersection = np.diag(confusion)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - intersection
    return float(np.mean(intersection / union))


def _takes_out_channels(module_class):
    """Whether the module's constructor takes ``out_channels``."""
    return "out_channels" in inspect.signature(module_class).parameters
