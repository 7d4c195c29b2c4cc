"""Tables with categorical columns: the values a network sees, and the way back.

A numeric column is one value of the network's input and output. A
categorical column is a block of values, one per category seen in ``fit``:
a one-hot indicator on the way in, one class score (logit) per category on
the way out. :class:`TableEncoding` maps a table to those values and back;
its ``layout()`` computes, on torch tensors, one error per column of the
table (squared error of a numeric value, cross-entropy of a category),
which the losses and the scores of every estimator share.
"""

import numpy as np
import pandas as pd
from pandas.api.types import (
    is_bool_dtype,
    is_numeric_dtype,
    is_object_dtype,
    is_string_dtype,
)
from sklearn.utils._param_validation import StrOptions

from .nn._table_layout import TableLayout


def categorical_dtype(dtype):
    """Whether a pandas column of this dtype is categorical by default.

    Text (``object``, ``string``), ``category`` and ``bool`` columns are;
    numbers are not.
    """
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or is_bool_dtype(dtype)
        or is_object_dtype(dtype)
        or is_string_dtype(dtype)
    )


# The estimators' ``categorical_features`` parameter.
CATEGORICAL_FEATURES_CONSTRAINT = ["array-like", StrOptions({"from_dtype"}), None]


def categorical_mask(X, categorical_features):
    """Boolean mask of X's categorical columns, as ``categorical_features`` names them.

    Follows :class:`~sklearn.ensemble.HistGradientBoostingClassifier`:
    "from_dtype" takes a DataFrame's text, category and boolean columns (no
    column of an array); otherwise a boolean mask, integer indices or
    column names (names only for a DataFrame). None means no column.
    """
    n_columns = X.shape[1]
    columns = list(X.columns) if hasattr(X, "columns") else None
    if categorical_features is None:
        return np.zeros(n_columns, dtype=bool)
    if isinstance(categorical_features, str) and categorical_features == "from_dtype":
        if columns is None:
            return np.zeros(n_columns, dtype=bool)
        return np.array([categorical_dtype(X[c].dtype) for c in columns], dtype=bool)
    chosen = np.asarray(categorical_features)
    if chosen.size == 0:
        return np.zeros(n_columns, dtype=bool)
    if chosen.dtype.kind == "b":
        if chosen.shape != (n_columns,):
            raise ValueError(
                f"categorical_features as a boolean mask must have one entry per column of "
                f"X ({n_columns}), got shape {chosen.shape}."
            )
        return chosen.astype(bool)
    if chosen.dtype.kind in "iu":
        if chosen.min() < 0 or chosen.max() >= n_columns:
            raise ValueError(
                f"categorical_features holds column indices outside [0, {n_columns - 1}]: "
                f"{chosen.tolist()}."
            )
        mask = np.zeros(n_columns, dtype=bool)
        mask[chosen] = True
        return mask
    if chosen.dtype.kind in "OUS":
        if columns is None:
            raise ValueError(
                "categorical_features names columns, but X has no column names; pass "
                "a DataFrame, or column indices or a boolean mask."
            )
        unknown = [name for name in chosen.tolist() if name not in columns]
        if unknown:
            raise ValueError(f"categorical_features names columns that X does not have: {unknown}.")
        return np.isin(np.array(columns, dtype=object), chosen)
    raise ValueError(
        "categorical_features must be 'from_dtype', None, a boolean mask, column indices "
        f"or column names; got {categorical_features!r}."
    )


def _is_missing(values):
    """Missing cells of a column: None, NaN, pandas' NA."""
    return np.asarray(pd.isna(pd.Series(values, dtype=object)), dtype=bool)


class TableEncoding:
    """Encode a table's columns as network values, and decode network outputs.

    Fitted on a table whose categorical columns are known, it remembers
    the categories of each (sorted, missing cells left aside) and the
    column's dtype. :meth:`encode` gives a float array with one value per
    numeric column and one indicator per category, in the table's column
    order: a missing category is NaN over its block (left out of the loss,
    as a missing number is) and a category not seen in ``fit`` is all
    zeros. :meth:`decode` maps network values back to a DataFrame with the
    table's columns and dtypes.

    Parameters
    ----------
    categorical : array-like of bool
        Which columns are categorical.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ae._table import TableEncoding
    >>> table = pd.DataFrame({"size": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    >>> encoding = TableEncoding([False, True]).fit(table)
    >>> encoding.encode(table)
    array([[1., 0., 1.],
           [2., 1., 0.],
           [3., 0., 1.]])
    >>> encoding.decode(encoding.encode(table))["colour"].tolist()
    ['red', 'blue', 'red']
    """

    def __init__(self, categorical):
        self.categorical = categorical

    def fit(self, X):
        """Learn the columns, their dtypes and each categorical column's categories."""
        self.fit_encode(X)
        return self

    def fit_encode(self, X):
        """Fit on table X and return its values (:meth:`encode`), encoding it once."""
        self._derived = {}
        frame = _as_frame(X)
        self.categorical_ = np.asarray(self.categorical, dtype=bool)
        self.columns_ = list(frame.columns)
        # As text and lists, which skops loads without trusting numpy or pandas types.
        self.dtypes_ = [str(dtype) for dtype in frame.dtypes]
        self.dtype_categories_ = [
            (list(dtype.categories), bool(dtype.ordered))
            if isinstance(dtype, pd.CategoricalDtype)
            else None
            for dtype in frame.dtypes
        ]
        self.categories_ = []
        for column, categorical in zip(self.columns_, self.categorical_, strict=True):
            if categorical:
                self.categories_.append(_categories(frame[column]))
        sizes = [
            len(self.categories_[i]) if categorical else 1
            for i, categorical in zip(
                np.cumsum(self.categorical_) - 1, self.categorical_, strict=True
            )
        ]
        self.starts_ = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
        self.sizes_ = np.asarray(sizes, dtype=int)
        self.n_values_ = int(np.sum(sizes))
        # A missing category reaches the network as the categories'
        # frequencies, as a missing number does as its column's centre.
        encoded = self.encode(frame)
        self.fill_values_ = np.where(
            self.indicator_mask(), np.nan_to_num(np.nanmean(encoded, axis=0)), 0.0
        )
        return encoded

    def indicator_mask(self):
        """Boolean mask of the values that are category indicators."""
        return self._derive("indicator_mask", lambda: np.repeat(self.categorical_, self.sizes_))

    def category_blocks(self):
        """``(first value, number of values)`` of each categorical column."""
        return [
            (int(start), int(size))
            for start, size, categorical in zip(
                self.starts_, self.sizes_, self.categorical_, strict=True
            )
            if categorical
        ]

    def value_columns(self):
        """The index of the column of each value."""
        return np.repeat(np.arange(len(self.sizes_)), self.sizes_)

    def layout(self):
        """The :class:`TableLayout` of the encoded values."""
        return self._derive(
            "layout", lambda: TableLayout(self.starts_, self.sizes_, self.categorical_)
        )

    def _derive(self, name, compute):
        """``compute()``, once: inference asks for the mask and the layout at every batch."""
        derived = self.__dict__.setdefault("_derived", {})
        if name not in derived:
            derived[name] = compute()
        return derived[name]

    def __getstate__(self):
        # What is derived from the fitted attributes is not saved.
        return {key: value for key, value in self.__dict__.items() if key != "_derived"}

    def encode(self, X):
        """The network's values of table X: float64, ``(n_samples, n_values_)``."""
        frame = _as_frame(X, self.columns_)
        values = np.zeros((len(frame), self.n_values_))
        categories = iter(self.categories_)
        for i, (column, categorical) in enumerate(
            zip(self.columns_, self.categorical_, strict=True)
        ):
            start = self.starts_[i]
            cells = frame.iloc[:, i]
            if not categorical:
                values[:, start] = _numbers(cells, column)
                continue
            known = next(categories)
            missing = _is_missing(cells)
            index = _category_index(known, cells, missing)
            block = values[:, start : start + len(known)]
            seen = index >= 0
            block[np.flatnonzero(seen), index[seen]] = 1.0
            block[missing] = np.nan
        return values

    def decode(self, values, *, draw=None):
        """A DataFrame of the table's columns and dtypes from network values.

        Each categorical block's values are class scores: the category of
        the highest score, or with ``draw`` (a ``numpy`` random generator)
        one drawn from the scores' softmax. Numeric values are cast back
        to their column's dtype (integers rounded).
        """
        values = np.asarray(values, dtype=np.float64)
        columns = {}
        categories = iter(self.categories_)
        for i, column in enumerate(self.columns_):
            dtype = self._dtype(i)
            start, size = self.starts_[i], self.sizes_[i]
            if not self.categorical_[i]:
                columns[column] = _cast_numbers(values[:, start], dtype)
                continue
            known = next(categories)
            scores = values[:, start : start + size]
            chosen = scores.argmax(axis=1) if draw is None else _draw_categories(scores, draw)
            columns[column] = _cast_categories(known[chosen], dtype)
        return pd.DataFrame(columns, columns=self.columns_)

    def _dtype(self, i):
        """The pandas dtype of column ``i`` in fit."""
        if self.dtype_categories_[i] is not None:
            categories, ordered = self.dtype_categories_[i]
            return pd.CategoricalDtype(categories, ordered=ordered)
        return pd.api.types.pandas_dtype(self.dtypes_[i])


def _as_frame(X, columns=None):
    if hasattr(X, "columns"):
        return X
    return pd.DataFrame(np.asarray(X, dtype=object), columns=columns)


def _categories(cells):
    """The sorted categories of a column, missing cells left aside."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        observed = cells.cat.categories[np.unique(cells.cat.codes[cells.cat.codes >= 0])]
        return np.asarray(observed, dtype=object)
    observed = pd.unique(cells[~_is_missing(cells)])
    try:
        return np.asarray(sorted(observed), dtype=object)
    except TypeError:  # mixed types, e.g. numbers and text: sort as text
        return np.asarray(sorted(observed, key=str), dtype=object)


def _category_index(known, cells, missing):
    """Index of each cell's category among ``known``, -1 if unseen or missing."""
    codes = pd.Index(known, dtype=object).get_indexer(np.asarray(cells, dtype=object))
    return np.where(missing, -1, codes).astype(int)


def _numbers(cells, column):
    """A numeric column as float64, with a clear error for text in it."""
    try:
        return pd.to_numeric(cells).to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"Column {column!r} holds values that are not numbers ({exc}); declare it "
            "in categorical_features, or give it a text or category dtype."
        ) from exc


def _cast_numbers(values, dtype):
    """Numbers in a column's own dtype: integers rounded, pandas' nullable dtypes kept."""
    if pd.api.types.is_integer_dtype(dtype):
        values = np.rint(values)
    if is_numeric_dtype(dtype) and not is_bool_dtype(dtype):
        return pd.Series(values).astype(dtype).array
    return values


def _cast_categories(values, dtype):
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Categorical(values, categories=dtype.categories, ordered=dtype.ordered)
    if is_bool_dtype(dtype):
        return values.astype(bool)
    if is_string_dtype(dtype) and not is_object_dtype(dtype):
        return pd.array(values, dtype=dtype)
    if is_numeric_dtype(dtype):
        return values.astype(dtype)
    return values


def _draw_categories(scores, rng):
    """One category per row, drawn from the softmax of its scores."""
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return (p.cumsum(axis=1) > rng.uniform(size=(len(p), 1))).argmax(axis=1)
