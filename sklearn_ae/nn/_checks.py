"""Checks of the architecture-specific parameters, with errors that name them."""

from numbers import Integral, Real


def check_integer(value, name, owner, *, minimum):
    """``value`` as an int >= ``minimum``, else a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(
            f"{owner}: architecture_params[{name!r}] must be an integer >= {minimum}, "
            f"got {value!r}."
        )
    return int(value)


def check_real(value, name, owner, *, low, high, high_closed=True):
    """``value`` as a float in ``[low, high]`` (or ``[low, high)``), else a ValueError."""
    valid = isinstance(value, Real) and not isinstance(value, bool)
    valid = valid and low <= value and (value <= high if high_closed else value < high)
    if not valid:
        bracket = "]" if high_closed else ")"
        raise ValueError(
            f"{owner}: architecture_params[{name!r}] must be a number in "
            f"[{low}, {high}{bracket}, got {value!r}."
        )
    return float(value)
