"""
==============================
Loss curves and early stopping
==============================

Every estimator records its training loss per epoch in ``loss_curve_``. With
``early_stopping=True`` it also holds out ``validation_fraction`` of the
training data, records the loss on it in ``validation_loss_curve_``, stops
when that loss has not improved by ``tol`` for ``n_iter_no_change`` epochs,
and restores the weights of the best epoch. ``n_iter_`` is the number of
epochs that ran. Here an :class:`~sklearn_ae.AETransformer` with a wide
network learns the digits, and the two curves show when it stops learning
anything that carries over to new images.
"""

# %%
# Fit with early stopping
# -----------------------
# A wide network (64-512-32-512-64) with a raised learning rate learns fast
# and soon starts to fit its training images better than new ones. 20 % of
# the images are held out for validation; ``max_iter`` is only an upper
# bound here.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_ae import AETransformer

X, _ = load_digits(return_X_y=True)
ae = AETransformer(
    n_components=32,
    hidden_layer_sizes=(512,),
    learning_rate_init=3e-3,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=10,
    max_iter=300,
    random_state=0,
).fit(X)

best = int(np.argmin(ae.validation_loss_curve_)) + 1  # epochs are counted from 1
print(f"epochs run (n_iter_): {ae.n_iter_} of at most {ae.max_iter}")
print(f"best validation loss {min(ae.validation_loss_curve_):.4f} at epoch {best}")
print(f"training loss at the last epoch: {ae.loss_curve_[-1]:.4f}")

# %%
# Plot the curves
# ---------------
# Both losses are mean squared errors in the scaled feature space (each pixel
# standardised), so they can be compared directly.
epochs = np.arange(1, ae.n_iter_ + 1)
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
ax.plot(epochs, ae.loss_curve_, label="training loss (loss_curve_)")
ax.plot(epochs, ae.validation_loss_curve_, label="validation loss (validation_loss_curve_)")
ax.axvline(best, color="tab:green", linestyle="--", label=f"best epoch ({best}): weights kept")
ax.axvline(ae.n_iter_, color="k", linestyle=":", label=f"n_iter_ = {ae.n_iter_}: stopped")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("mean squared error (scaled features)")
ax.set_title("AETransformer on the digits, early_stopping=True")
ax.legend()
plt.show()

# %%
# The training loss goes on falling well below the validation loss, which
# levels off: after the best epoch the network gains nothing on images it
# has not seen. After ``n_iter_no_change`` epochs without an improvement of
# the validation loss, training stops and the weights of the best epoch are
# restored, so the fitted model is the one at the green line, not the one at
# the last epoch. Without early stopping the same rule watches the training
# loss instead, and all the data are used for training.
