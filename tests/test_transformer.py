import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklearn_ae import AETransformer


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


def test_transform_inverse_transform_shapes(digits):
    X, _ = digits
    ae = AETransformer(**{**FAST, "n_components": 3}).fit(X)
    Z = ae.transform(X)
    assert Z.shape == (400, 3)
    assert ae.inverse_transform(Z).shape == X.shape
    np.testing.assert_allclose(ae.fit_transform(X), Z)


def test_default_n_components_is_about_sqrt_of_features(digits):
    X, _ = digits
    assert AETransformer(**FAST).fit(X).n_components_ == 8
    assert AETransformer(**FAST).fit(X[:, :1]).n_components_ == 1


def test_inverse_transform_checks_code_width(digits):
    X, _ = digits
    ae = AETransformer(**{**FAST, "n_components": 3}).fit(X)
    with pytest.raises(ValueError, match=r"expects codes with 3 columns"):
        ae.inverse_transform(np.zeros((2, 4)))


def test_score_is_negative_reconstruction_error(digits):
    X, _ = digits
    ae = AETransformer(**FAST).fit(X)
    X_rec = ae.inverse_transform(ae.transform(X))
    scaled_error = np.mean((ae.scaler_.transform(X_rec) - ae.scaler_.transform(X)) ** 2)
    assert ae.score(X) == pytest.approx(-scaled_error, rel=1e-5)


def test_reconstructs_better_than_pca_with_same_code_size(digits):
    X, _ = digits
    ae = AETransformer(n_components=4, max_iter=300, random_state=0).fit(X)
    pca = make_pipeline(ae.scaler_, PCA(n_components=4)).fit(X)
    pca_error = np.mean(
        (ae.scaler_.transform(pca.inverse_transform(pca.transform(X))) - ae.scaler_.transform(X))
        ** 2
    )
    assert -ae.score(X) < pca_error


def test_feature_names_out_and_pandas_output(digits):
    X, _ = digits
    ae = AETransformer(**{**FAST, "n_components": 2}).set_output(transform="pandas")
    Z = ae.fit_transform(pd.DataFrame(X).add_prefix("px"))
    assert list(Z.columns) == ["aetransformer0", "aetransformer1"]
    assert list(ae.get_feature_names_out()) == ["aetransformer0", "aetransformer1"]


def test_grid_search_uses_score_without_a_scorer(digits):
    X, _ = digits
    search = GridSearchCV(AETransformer(**FAST), {"n_components": [1, 6]}, cv=2).fit(X)
    assert search.best_params_ == {"n_components": 6}


def test_pipeline_and_cross_validation(digits):
    X, y = digits
    ae = AETransformer(hidden_layer_sizes=(64,), n_components=16, max_iter=60, random_state=0)
    scores = cross_val_score(make_pipeline(ae, LogisticRegression(max_iter=500)), X, y, cv=2)
    assert scores.mean() > 0.7


def test_column_transformer_with_categorical_column():
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    X["kind"] = rng.choice(["x", "y"], size=40)
    ct = ColumnTransformer(
        [
            ("ae", AETransformer(**{**FAST, "n_components": 2}), ["a", "b", "c"]),
            ("cat", OneHotEncoder(sparse_output=False), ["kind"]),
        ]
    ).set_output(transform="pandas")
    out = ct.fit_transform(X)
    assert list(out.columns) == [
        "ae__aetransformer0",
        "ae__aetransformer1",
        "cat__kind_x",
        "cat__kind_y",
    ]


def test_no_hidden_layers_is_a_linear_autoencoder(digits):
    X, _ = digits
    ae = AETransformer(**{**FAST, "hidden_layer_sizes": ()}).fit(X)
    assert ae.transform(X).shape == (400, 8)
    assert ae.score(X) < 0


def test_defaults_train_digits_without_a_warning():
    # max_iter="auto" is a budget, not a limit the user must raise.
    import warnings

    from sklearn.datasets import load_digits

    X, _ = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = AETransformer(random_state=0).fit(X)
    # 180 validation rows: early_stopping="auto" holds them out.
    assert est.early_stopping_
    assert len(est.validation_loss_curve_) == est.n_iter_ <= 200


def test_early_stopping_auto_needs_100_validation_rows(X_small):
    est = AETransformer(hidden_layer_sizes=(4,), max_iter=2).fit(X_small)
    assert not est.early_stopping_
    assert est.validation_loss_curve_ is None
