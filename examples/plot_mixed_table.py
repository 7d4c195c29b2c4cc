"""
==========================================
A table with categorical columns, as it is
==========================================

Payments, claims and network logs mix numbers and categories. The
estimators take such a table as a DataFrame, without encoding it first:
each text, ``category`` or ``bool`` column is a categorical column
(``categorical_features="from_dtype"``), seen by the network as one
indicator per category and reconstructed with a cross-entropy. This example
flags unusual payments and names the column that makes each unusual, fills
in missing countries, and draws synthetic payments, all on the table as
it comes.
"""

# %%
# The table
# ---------
# 300 synthetic payments with an amount, a number of items, an hour of the
# day and a country; 12 are fraud (large amounts at night, often from a
# country ``"ZZ"`` that honest payments rarely use). Some cells are empty,
# among them 9 countries. The fraud labels are kept aside to judge the
# detector; it never sees them.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from sklearn_ae import (
    AEDenoiser,
    AEGenerator,
    AEOutlierDetector,
)

# The file lies beside this script.
payments = pd.read_csv("data/payments.csv")
fraud = payments.pop("is_fraud")
print(payments.head())
empty = payments.isna().sum().to_dict()
print(f"empty cells per column: {empty}")

# %%
# Unusual payments, and why
# -------------------------
# The detector takes the table as it is. ``feature_errors`` has one column
# per column of the table: a number's squared error or a country's
# cross-entropy, each divided by its typical size on the training rows,
# so 1 is ordinary and 20 very unusual.
detector = AEOutlierDetector(random_state=0).fit(payments)
surprise = -detector.score_samples(payments)
roc_auc = roc_auc_score(fraud, surprise)
print(f"ROC-AUC against the fraud labels: {roc_auc:.3f}")
errors = detector.feature_errors(payments)
errors = pd.DataFrame(errors, columns=payments.columns)
top = np.argsort(surprise)[::-1][:5]
print(errors.iloc[top].round(1).assign(fraud=fraud.iloc[top]))

# %%
# Filling in missing countries
# ----------------------------
# ``AEDenoiser(noise="masking", impute=True)`` learns to recover columns
# it is not shown, then fills the empty cells and leaves the others as
# they are. An empty country gets a country, predicted from the amount,
# items and hour.
imputer = AEDenoiser(
    noise="masking",
    impute=True,
    max_iter=200,
    random_state=0,
)
filled = imputer.fit_transform(payments)
gaps = payments["country"].isna()
print(filled.loc[gaps, ["amount", "hour", "country"]])

# %%
# Synthetic payments
# ------------------
# The diffusion model learns the complete rows and samples new ones, with
# the table's columns and countries. The countries come out in about
# their real shares, and night payments with large amounts stay rare.
generator = AEGenerator(model="diffusion", random_state=0)
synthetic = generator.fit(payments.dropna()).sample(1000)
shares = pd.DataFrame(
    {
        "real": payments["country"].value_counts(normalize=True),
        "synthetic": synthetic["country"].value_counts(normalize=True),
    }
).fillna(0)
print(shares.round(3))

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
shares.plot.bar(ax=left, rot=0)
left.set(title="Country shares", ylabel="share of payments")
for name, rows in (("real", payments), ("synthetic", synthetic)):
    hours, amounts = rows["hour"], rows["amount"]
    right.scatter(hours, amounts, s=6, alpha=0.5, label=name)
right.set(title="Amount by hour", xlabel="hour", ylabel="amount")
right.set_yscale("log")
right.legend()
fig.tight_layout()
plt.show()
