"""
=========================================
New digits from a variational autoencoder
=========================================

:class:`~sklearn_ae.AEGenerator` is a density estimator in the style of
:class:`~sklearn.mixture.GaussianMixture`: ``fit(X)`` learns the
distribution of the rows of X, ``sample(n)`` draws new rows and
``score_samples(X)`` gives a lower bound on each row's log-density. With
``model="vae"`` (the default) it is a variational autoencoder: new rows come
from decoding codes drawn from a standard normal prior. Here it learns
scikit-learn's 8x8 handwritten digits.
"""

# %%
# Fit the VAE
# -----------
# Pixels are scaled to [0, 1] and 30 % of the images are held out to measure
# the density on digits the model has not seen. The default network (one
# hidden layer of 128 units, a code of 8) trains for its default budget of
# mini-batches, or until the held-out part of its training data stops
# improving.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from sklearn_ae import AEGenerator

X = load_digits().data / 16
X_train, X_test = train_test_split(X, test_size=0.3, random_state=0)
vae = AEGenerator(model="vae", random_state=0).fit(X_train)
print(f"trained for {vae.n_iter_} epochs, code of {vae.n_components_}")

# %%
# How good is the density?
# ------------------------
# ``score`` is the mean of ``score_samples``: for the VAE the evidence lower
# bound (ELBO) on the log-density, in nats. Divided by the 64 pixels it
# compares with the exact log-likelihood of a 10-component Gaussian mixture
# fitted on the same images.
mixture = GaussianMixture(n_components=10, random_state=0).fit(X_train)
print(f"held-out log-likelihood per pixel, VAE (lower bound): {vae.score(X_test) / 64:.3f}")
print(f"held-out log-likelihood per pixel, GaussianMixture:   {mixture.score(X_test) / 64:.3f}")

# %%
# Samples
# -------
# ``sample(100)`` draws a code z from the prior for each new image and
# decodes it. The decoder's mean for z is blurred (each pixel's conditional
# mean), so by default (``decoder_sampling="calibrated"``) each pixel is
# mapped onto the distribution of that pixel in the training data.
# ``inverse_transform(z)`` returns the decoder's raw mean, which shows what
# the model has learned.
samples = vae.sample(100)
z = np.random.RandomState(0).normal(size=(100, vae.n_components_))
means = vae.inverse_transform(z)


def tile(images, n_rows=10):
    """Arrange 8x8 images in a grid with a one-pixel gap, clipped to [0, 1]."""
    images = np.clip(images, 0, 1).reshape(n_rows, -1, 8, 8)
    images = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    n_cols = images.shape[1]
    return images.transpose(0, 2, 1, 3).reshape(n_rows * 10, n_cols * 10)


fig, axes = plt.subplots(1, 3, figsize=(12, 4.4), layout="constrained")
panels = [
    (X_test[:100], "held-out digits"),
    (samples, "vae.sample(100)"),
    (means, "vae.inverse_transform(z), z ~ N(0, I)"),
]
for ax, (images, title) in zip(axes, panels, strict=True):
    ax.imshow(tile(images), cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(title)
    ax.set_axis_off()
plt.show()

# %%
# Many decoded means are recognisable digits, though blurred; the samples are
# the same images with their pixels calibrated to the data's range of
# values, and some codes fall between classes. The three
# pixels that are blank in every training image stay blank: the VAE pins a
# feature that is constant in training to its value. The Gaussian mixture's
# likelihood per pixel is higher than the VAE's bound in this run (the numbers
# printed above), and a classifier tells VAE samples from real digits more
# easily than the mixture's (see :ref:`generation`). For
# sharper samples use ``AEGenerator(model="diffusion", architecture="unet",
# image_shape=(1, 8, 8))``, which takes a few minutes to train on a laptop
# CPU.
