"""One-hot encoding of text columns for the command line."""

import numpy as np
import pandas as pd

from sklearn_ae._categorical import TableEncoder, categorical_columns


def table():
    return pd.DataFrame(
        {
            "size": [1.0, 2.0, 3.0, 4.0],
            "colour": ["red", "blue", None, "red"],
            "grade": pd.Series([1, 2, 1, 2]).astype("category"),
            "flag": [True, False, True, True],
        }
    )


def test_text_and_category_columns_are_categorical():
    assert categorical_columns(table()) == ["colour", "grade"]


def test_empty_cells_are_a_category_and_unknown_ones_are_ignored():
    encoder = TableEncoder(["colour", "grade"]).fit(table())
    encoded = encoder.transform(table())
    assert list(encoded.columns[:3]) == ["colour_(missing)", "colour_blue", "colour_red"]
    np.testing.assert_array_equal(encoded["colour_(missing)"], [0, 0, 1, 0])
    unseen = table().iloc[:1].assign(colour="green")
    assert encoder.transform(unseen).filter(like="colour_").to_numpy().sum() == 0


def test_decode_restores_the_table():
    encoder = TableEncoder(["colour", "grade"]).fit(table())
    decoded = encoder.decode(encoder.transform(table()))
    assert list(decoded.columns) == ["size", "colour", "grade", "flag"]
    assert list(decoded["colour"]) == ["red", "blue", "(missing)", "red"]
    assert list(decoded["grade"]) == ["1", "2", "1", "2"]


def test_merge_columns_sums_the_indicators_of_a_column():
    encoder = TableEncoder(["colour", "grade"]).fit(table())
    encoded = encoder.transform(table())
    merged = encoder.merge_columns(encoded)
    assert list(merged.columns) == ["colour", "grade", "size", "flag"]
    np.testing.assert_array_equal(merged["colour"], [1, 1, 1, 1])
    np.testing.assert_array_equal(merged["size"], table()["size"])
