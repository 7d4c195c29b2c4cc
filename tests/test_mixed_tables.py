"""Tables with categorical columns: the encoding, the errors, and the estimators on them."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from sklearn_ae import AEDenoiser, AEGenerator, AEOutlierDetector, AETransformer
from sklearn_ae._table import TableEncoding, categorical_mask
from sklearn_ae.nn._table_layout import TableLayout
from sklearn_ae.persistence import dump, load

FAST = {"hidden_layer_sizes": (16,), "max_iter": 20, "random_state": 0}
TABLE_ESTIMATORS = [AETransformer, AEOutlierDetector, AEDenoiser, AEGenerator]


def small_table():
    return pd.DataFrame(
        {
            "size": [1.0, 2.0, 3.0, 4.0],
            "colour": ["red", "blue", None, "red"],
            "grade": pd.Series([2, 1, 2, 2]).astype("category"),
            "flag": [True, False, True, True],
            "count": [3, 1, 4, 1],
        }
    )


def related_table(n=400, seed=0):
    """A table whose colour decides its size: red rows are small, others large."""
    rng = np.random.RandomState(seed)
    colour = rng.choice(["red", "green", "blue"], n)
    size = np.where(colour == "red", 1.0, 3.0) + rng.normal(0, 0.2, n)
    return pd.DataFrame(
        {"size": size, "colour": colour, "weight": 2 * size + rng.normal(0, 0.2, n)}
    )


# -- which columns are categorical --------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ("from_dtype", [False, True, True, True, False]),
        (None, [False] * 5),
        ([False, True, False, False, True], [False, True, False, False, True]),
        ([1, 4], [False, True, False, False, True]),
        (["colour", "count"], [False, True, False, False, True]),
        ([], [False] * 5),
    ],
)
def test_categorical_mask_reads_dtypes_masks_indices_and_names(chosen, expected):
    np.testing.assert_array_equal(categorical_mask(small_table(), chosen), expected)


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        ([True, False], "one entry per column"),
        ([7], r"indices outside \[0, 4\]"),
        (["colour", "shape"], r"does not have: \['shape'\]"),
        ([1.5], "must be 'from_dtype'"),
    ],
)
def test_categorical_mask_refuses_what_names_no_column(chosen, message):
    with pytest.raises(ValueError, match=message):
        categorical_mask(small_table(), chosen)


def test_column_names_need_a_dataframe():
    with pytest.raises(ValueError, match="no column names"):
        categorical_mask(np.zeros((3, 2)), ["a"])


# -- encoding and decoding ------------------------------------------------------------


def test_encoding_gives_indicators_nan_for_missing_and_zeros_for_unseen():
    table = small_table()
    encoding = TableEncoding(categorical_mask(table, "from_dtype")).fit(table)
    # size, colour (blue, red), grade (1, 2), flag (False, True), count
    assert encoding.n_values_ == 8
    values = encoding.encode(table)
    np.testing.assert_array_equal(values[0], [1, 0, 1, 0, 1, 0, 1, 3])
    assert np.isnan(values[2, 1:3]).all()
    assert not np.isnan(values[2, 3:]).any()
    unseen = encoding.encode(table.assign(colour="green"))
    np.testing.assert_array_equal(unseen[:, 1:3], 0)
    # A missing category stands at the frequencies of the seen ones.
    np.testing.assert_allclose(encoding.fill_values_[1:3], [1 / 3, 2 / 3])


def test_decoding_restores_columns_categories_and_dtypes():
    table = small_table().assign(colour=["red", "blue", "blue", "red"])
    table["name"] = pd.array(["a", "b", "a", "b"], dtype="string")
    table["stock"] = pd.array([5, 2, 7, 1], dtype="Int64")
    table["ratio"] = np.array([0.5, 0.25, 1.0, 2.0], dtype=np.float32)
    encoding = TableEncoding(categorical_mask(table, "from_dtype")).fit(table)
    decoded = encoding.decode(encoding.encode(table))
    pd.testing.assert_frame_equal(decoded, table)


def test_decoding_draws_categories_in_proportion_to_their_probability():
    table = pd.DataFrame({"colour": ["red", "blue"]})
    encoding = TableEncoding([True]).fit(table)
    scores = np.tile(np.log([[0.2, 0.8]]), (20_000, 1))  # blue, red
    drawn = encoding.decode(scores, draw=np.random.default_rng(0))["colour"]
    assert abs((drawn == "red").mean() - 0.8) < 0.01
    assert set(encoding.decode(scores)["colour"]) == {"red"}


# -- the errors of a table's columns --------------------------------------------------


def layout():
    # Columns: a number, then a category of three values, then one of two.
    return TableLayout([0, 1, 4], [1, 3, 2], [False, True, True])


def test_layout_errors_are_squares_and_cross_entropies():
    output = torch.tensor([[1.0, 0.0, 1.0, 2.0, 0.0, 0.0]])
    target = torch.tensor([[3.0, 0.0, 0.0, 1.0, 1.0, 0.0]])
    errors = layout()(output, target)
    log_p = torch.log_softmax(torch.tensor([0.0, 1.0, 2.0]), dim=0)
    expected = torch.tensor([[4.0, -log_p[2], np.log(2.0)]], dtype=torch.float32)
    torch.testing.assert_close(errors, expected)


def test_layout_leaves_missing_cells_out_and_ranks_unseen_categories_last():
    output = torch.tensor([[1.0, 0.0, 1.0, 2.0, 0.0, 0.0]], requires_grad=True)
    nan = float("nan")
    target = torch.tensor([[nan, 0.0, 0.0, 0.0, nan, nan]])  # colour unseen
    errors = layout()(output, target)
    assert torch.isnan(errors[0, [0, 2]]).all()
    log_p = torch.log_softmax(torch.tensor([0.0, 1.0, 2.0]), dim=0)
    torch.testing.assert_close(errors[0, 1], -log_p.min())
    errors[0, 1].backward()
    assert torch.isfinite(output.grad).all()


def test_layout_probabilities_sum_to_one_per_block():
    output = torch.randn(5, 6)
    probabilities = layout().probabilities(output)
    torch.testing.assert_close(probabilities[:, 1:4].sum(1), torch.ones(5))
    torch.testing.assert_close(probabilities[:, 0], output[:, 0])


# -- the estimators on mixed tables ---------------------------------------------------


@pytest.mark.parametrize("Estimator", TABLE_ESTIMATORS)
def test_estimators_take_a_mixed_table_as_it_is(Estimator):
    table = related_table()
    est = Estimator(**FAST).fit(table)
    assert est.n_features_in_ == 3
    np.testing.assert_array_equal(est.feature_names_in_, ["size", "colour", "weight"])
    assert est.table_encoding_.n_values_ == 5
    with pytest.raises(ValueError, match="feature names"):
        (est.transform if hasattr(est, "transform") else est.score_samples)(
            table[["colour", "size", "weight"]]
        )


def test_same_random_state_gives_the_same_codes():
    table = related_table()
    first = AETransformer(**FAST).fit(table).transform(table)
    second = AETransformer(**FAST).fit(table).transform(table)
    np.testing.assert_array_equal(first, second)


def test_reconstruction_learns_the_categories():
    table = related_table()
    est = AETransformer(n_components=2, max_iter=100, random_state=0).fit(table)
    reconstructed = est.inverse_transform(est.transform(table))
    assert list(reconstructed.columns) == list(table.columns)
    assert (reconstructed.dtypes == table.dtypes).all()
    predicted = reconstructed["colour"].to_numpy()
    red = table["colour"] == "red"
    assert (predicted[red] == "red").mean() > 0.95
    assert (predicted[~red] != "red").mean() > 0.95


def test_outlier_errors_name_the_table_columns():
    table = related_table()
    det = AEOutlierDetector(random_state=0).fit(table)
    odd = table.iloc[:4].copy()
    odd["colour"] = ["red", "purple", "green", "red"]
    odd["size"] = [3.0, odd["size"].iloc[1], 1.0, 1.0]
    odd["weight"] = [6.0, odd["weight"].iloc[1], 2.0, 2.0]
    errors = det.feature_errors(odd)
    assert errors.shape == (4, 3)
    assert np.argmax(errors[0]) == 1  # a large size with colour red: the colour is off
    scores = det.score_samples(odd)
    typical = np.median(det.score_samples(table))
    assert scores[0] < typical
    assert scores[1] < typical
    assert scores[3] > scores[0]


def test_a_missing_category_is_left_out_of_the_errors():
    table = related_table()
    det = AEOutlierDetector(n_neighbors=None, isolation=False, random_state=0).fit(table)
    row = table.iloc[[0]].copy()
    row["colour"] = None
    errors = det.feature_errors(row)
    assert np.isnan(errors[0, 1])
    assert np.isfinite(errors[0, [0, 2]]).all()
    assert np.isfinite(det.score_samples(row)).all()


def test_missing_categories_in_training_are_left_out_of_the_loss():
    table = related_table()
    table.loc[::7, "colour"] = np.nan
    est = AETransformer(**FAST).fit(table)
    assert np.isfinite(est.loss_curve_).all()


def test_integer_coded_columns_of_an_array_are_named_by_index():
    table = related_table()
    codes = table["colour"].map({"red": 0, "green": 1, "blue": 2}).to_numpy()
    X = np.column_stack([table["size"], codes, table["weight"]])
    est = AETransformer(categorical_features=[1], **FAST).fit(X)
    assert est.table_encoding_.n_values_ == 5
    assert est.transform(X).shape == (len(X), est.n_components_)


@pytest.mark.parametrize(
    "est",
    [
        AEOutlierDetector(model="vae", **FAST),
        AEDenoiser(model="diffusion", **FAST),
        AEGenerator(model="vq", **FAST),
    ],
    ids=["outliers-vae", "denoiser-diffusion", "generator-vq"],
)
def test_models_without_categories_refuse_them(est):
    with pytest.raises(ValueError, match=r"model='(vae|diffusion|vq)'.*categorical"):
        est.fit(related_table())


def test_the_bernoulli_vae_refuses_categories():
    est = AEGenerator(likelihood="bernoulli", scaling=None, **FAST)
    with pytest.raises(ValueError, match="categorical columns need likelihood='gaussian'"):
        est.fit(related_table())


@pytest.mark.parametrize(
    ("model", "max_iter"), [("vae", 100), ("diffusion", 100)], ids=["vae", "diffusion"]
)
def test_samples_are_tables_that_keep_the_link_between_columns(model, max_iter):
    table = related_table()
    gen = AEGenerator(model=model, max_iter=max_iter, random_state=0).fit(table)
    rows = gen.sample(1000)
    assert list(rows.columns) == list(table.columns)
    assert (rows.dtypes == table.dtypes).all()
    assert set(rows["colour"]) == {"red", "green", "blue"}
    red = rows["colour"] == "red"
    assert 0.2 < red.mean() < 0.45
    assert rows["size"][~red].mean() - rows["size"][red].mean() > 1.0  # the data: 2.0
    pd.testing.assert_frame_equal(gen.sample(50, random_state=3), gen.sample(50, random_state=3))
    assert np.isfinite(gen.score_samples(table)).all()


def test_the_vae_likelihood_of_a_category_is_its_log_probability():
    from sklearn_ae.nn import VariationalAutoencoder

    vae = VariationalAutoencoder(4, n_components=2, hidden_layer_sizes=(8,), categories=[(1, 3)])
    output = torch.tensor([[0.5, 0.0, 1.0, 2.0]])
    x = torch.tensor([[1.5, 0.0, 1.0, 0.0]])
    log_p = torch.log_softmax(torch.tensor([0.0, 1.0, 2.0]), dim=0)[1]
    gaussian = -0.5 * 1.0**2 - 0.5 * np.log(2 * np.pi)  # scale 1 at initialisation
    torch.testing.assert_close(
        vae._log_likelihood(output, x), torch.tensor([gaussian + log_p.item()], dtype=torch.float32)
    )


def test_denoised_tables_keep_their_columns_dtypes_and_index():
    table = related_table().set_index(np.arange(400) + 1000)
    denoised = AEDenoiser(noise="masking", **FAST).fit(table).transform(table)
    assert isinstance(denoised, pd.DataFrame)
    assert denoised.index.equals(table.index)
    assert (denoised.dtypes == table.dtypes).all()
    assert set(denoised["colour"]) <= {"red", "green", "blue"}


def test_the_imputer_fills_categories_from_the_other_columns():
    table = related_table(n=600)
    holes = table.copy()
    holes.loc[::5, "colour"] = None
    imputer = AEDenoiser(noise="masking", impute=True, max_iter=150, random_state=0)
    filled = imputer.fit(holes).transform(holes)
    assert filled["colour"].notna().all()
    observed = holes["colour"].notna()
    pd.testing.assert_series_equal(filled["colour"][observed], holes["colour"][observed])
    gaps = ~observed
    red = table["colour"][gaps] == "red"
    assert ((filled["colour"][gaps] == "red") == red).mean() > 0.9
    assert np.isfinite(imputer.score(holes))


def test_masking_hides_whole_categories():
    from sklearn_ae._noise import corrupt

    torch.manual_seed(0)
    X = torch.ones(1000, 4)
    fill = torch.tensor([0.0, 0.5, 0.5, 0.0])
    columns = torch.tensor([0, 1, 1, 2])
    masked = corrupt(X, "masking", 0.3, columns=columns, fill=fill)
    assert torch.equal(masked[:, 1] == 0.5, masked[:, 2] == 0.5)
    assert abs((masked[:, 1] == 0.5).float().mean() - 0.3) < 0.05


def test_text_columns_read_as_numbers_are_named():
    with pytest.raises(TypeError, match=r"\['colour'\] are not numeric: name them"):
        AETransformer(categorical_features=None, **FAST).fit(related_table())


def test_transform_outputs_pandas_and_the_model_pickles():
    table = related_table()
    est = AETransformer(**FAST).set_output(transform="pandas").fit(table)
    codes = est.transform(table)
    assert isinstance(codes, pd.DataFrame)
    assert codes.index.equals(table.index)
    clone = pickle.loads(pickle.dumps(est))
    pd.testing.assert_frame_equal(clone.transform(table), codes)


def test_a_mixed_table_model_saves_with_skops(tmp_path):
    table = small_table().assign(colour=["red", "blue", "blue", "red"])
    est = AEOutlierDetector(n_neighbors=2, **FAST).fit(table)
    dump(est, tmp_path / "model.skops")
    loaded = load(tmp_path / "model.skops")
    np.testing.assert_array_equal(loaded.score_samples(table), est.score_samples(table))


def test_a_refusal_names_the_columns_and_the_way_out():
    table = related_table().assign(flag=True)
    with pytest.raises(ValueError, match=r"\['colour', 'flag'\]; categorical_features=None"):
        AEDenoiser(model="diffusion", **FAST).fit(table)
    numbers = AEDenoiser(model="diffusion", categorical_features=None, max_iter=2)
    assert numbers.fit(table.drop(columns="colour")).n_features_in_ == 3
