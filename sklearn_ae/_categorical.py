"""One-hot encoding of a table's text and category columns (for the command line)."""

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder

# The category of an empty cell in a text column.
MISSING = "(missing)"


def categorical_columns(table):
    """Names of the columns that are neither numeric nor boolean, in order."""
    return [
        column
        for column in table.columns
        if not (is_numeric_dtype(table[column]) or is_bool_dtype(table[column]))
    ]


class TableEncoder:
    """One-hot encode a DataFrame's categorical columns, and map back.

    Numeric columns pass through unchanged; each text or category column
    becomes one 0/1 column per category seen in ``fit`` (an empty cell is a
    category of its own), and categories not seen in ``fit`` are ignored
    (all zeros). The encoding is scikit-learn's :class:`OneHotEncoder`
    inside a :class:`ColumnTransformer`.

    Parameters
    ----------
    columns : list of str
        The categorical columns to encode.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_ae._categorical import TableEncoder
    >>> table = pd.DataFrame({"size": [1.0, 2.0, 3.0], "colour": ["red", "blue", "red"]})
    >>> encoder = TableEncoder(["colour"]).fit(table)
    >>> list(encoder.transform(table).columns)
    ['colour_blue', 'colour_red', 'size']
    >>> encoder.source_columns_
    ['colour', 'colour', 'size']
    """

    def __init__(self, columns):
        self.columns = columns

    def fit(self, table):
        """Learn the categories of ``columns`` in ``table``."""
        self.transformer_ = ColumnTransformer(
            [
                (
                    "onehot",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    self.columns,
                )
            ],
            remainder="passthrough",
            verbose_feature_names_out=False,
        ).set_output(transform="pandas")
        # Category columns hold numbers and strings alike; as text they sort.
        self.transformer_.fit(self._as_text(table))
        self.encoder_ = self.transformer_.named_transformers_["onehot"]
        self.table_columns_ = list(table.columns)
        self.n_indicators_ = sum(len(categories) for categories in self.encoder_.categories_)
        self.source_columns_ = [
            column
            for column, categories in zip(self.columns, self.encoder_.categories_, strict=True)
            for _ in categories
        ] + [column for column in table.columns if column not in self.columns]
        return self

    def transform(self, table):
        """The encoded table: one-hot columns first, then the numeric ones."""
        encoded = self.transformer_.transform(self._as_text(table))
        return encoded.astype(np.float64).set_index(table.index)

    def decode(self, encoded, table=None):
        """Map an encoded table back: each one-hot block to its likeliest category.

        The columns come back in the order of the table given to ``fit``.
        With ``table`` (the table that was encoded), only its empty cells
        are decoded, each text cell to its likeliest category other than
        "(missing)", and its other cells are returned as they are.
        """
        n_onehot = self.n_indicators_
        values = np.asarray(encoded)
        decoded = {}
        start = 0
        for column, categories in zip(self.columns, self.encoder_.categories_, strict=True):
            block = values[:, start : start + len(categories)]
            if table is not None:
                block = np.where(categories == MISSING, -np.inf, block)
            decoded[column] = categories[block.argmax(axis=1)]
            start += len(categories)
        numeric = pd.DataFrame(values[:, n_onehot:], columns=self.source_columns_[n_onehot:])
        result = pd.concat([pd.DataFrame(decoded), numeric], axis=1)[self.table_columns_]
        result.index = encoded.index
        if table is not None:
            result = table.fillna(result)
        return result

    def merge_columns(self, frame):
        """Sum a frame's encoded columns (e.g. feature errors) per original column."""
        return frame.T.groupby(self.source_columns_, sort=False).sum().T

    def _as_text(self, table):
        table = table.copy()
        for column in self.columns:
            observed = table[column].notna()
            table[column] = table[column].astype(object)
            table.loc[observed, column] = table.loc[observed, column].astype(str)
            table.loc[~observed, column] = MISSING
        return table
