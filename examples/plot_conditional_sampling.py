"""
=================================
Digits on demand: sample by class
=================================

A generator is more useful when it can be told *what* to generate.
``AEGenerator.fit(X, y)`` learns the distribution of each class's rows,
and ``sample(n, y=label)`` draws rows of that class. Here a conditional
variational autoencoder learns scikit-learn's 8x8 digits with their
labels, draws each digit on demand, and a classifier trained on real
digits checks that the samples are the digits they were asked to be.
"""

# %%
# Fit with the labels
# -------------------
# The convolutional VAE reads the class through a learned embedding that
# it adds to the decoder's input: the code z carries the style of a digit
# (thickness, slant), the class says which digit it is.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.svm import SVC

from sklearn_ae import AEGenerator

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16,
    y,
    test_size=0.3,
    random_state=0,
)
generator = AEGenerator(
    architecture="conv",
    image_shape=(1, 8, 8),
    random_state=0,
)
generator.fit(X_train, y_train)
print("classes:", generator.classes_)

# %%
# Draw each digit
# ---------------
# ``sample(n, y=label)`` takes one label for all rows, or one label per
# row.
labels = np.repeat(np.arange(10), 6)
samples = generator.sample(len(labels), y=labels)

fig, axes = plt.subplots(6, 10, figsize=(6, 3.8))
for ax, image in zip(axes.T.ravel(), samples, strict=True):
    ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
for digit, ax in enumerate(axes[0]):
    ax.set_title(str(digit))
fig.suptitle("generator.sample(6, y=digit), one column per digit")
fig.tight_layout()

# %%
# Are they the digits asked for?
# ------------------------------
# An SVC trained on the real training digits labels 200 samples of each
# class. For reference, it labels the real held-out digits correctly
# about 99 % of the time.
classifier = SVC().fit(X_train, y_train)
real_accuracy = classifier.score(X_test, y_test)
print(f"SVC accuracy on real held-out digits: {real_accuracy:.3f}")
labels = np.repeat(np.arange(10), 200)
drawn = generator.sample(len(labels), y=labels)
sample_accuracy = classifier.score(drawn, labels)
print(f"SVC accuracy on samples drawn by class: {sample_accuracy:.3f}")

# %%
# What a sample is: the decoder's mean, calibrated
# ------------------------------------------------
# For a drawn code z the decoder gives a distribution p(x | z); its mean
# is blurred (a pixel that is 0 or 1 in the data gets a value in
# between), and a draw from it adds pixel noise. By default
# (``decoder_sampling="calibrated"``) ``sample`` maps each pixel of the
# mean through a monotone map that gives the training reconstructions the
# distribution of the training data. A two-sample test (a classifier
# telling samples from held-out digits; 0.5 means indistinguishable)
# shows the difference.


def two_sample_accuracy(real, synthetic):
    rows = np.vstack([real, synthetic])
    is_synthetic = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    classifier = HistGradientBoostingClassifier(random_state=0)
    return cross_val_score(classifier, rows, is_synthetic, cv=5).mean()


for decoder_sampling in ("draw", "mean", "calibrated"):
    generator.set_params(decoder_sampling=decoder_sampling)
    rows = np.clip(generator.sample(len(X_test)), 0, 1)
    accuracy = two_sample_accuracy(X_test, np.round(rows * 16) / 16)
    name = f"decoder_sampling={decoder_sampling!r}"
    print(f"{name:30} two-sample accuracy {accuracy:.3f}")
