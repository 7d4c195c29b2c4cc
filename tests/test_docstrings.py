"""numpydoc validation of the public API's docstrings.

Every public class, its public methods and properties, and every public
function of the public modules (those without a leading underscore) is
checked with ``numpydoc.validate.validate``, as scikit-learn and
imbalanced-learn check theirs. Public means: listed in the module's
``__all__``, or, for a module without one, defined in it under a name
without a leading underscore. Methods that a class takes over from
scikit-learn's or torch's base classes (``get_params``, ``set_output``,
``nn.Module.to``, ...) are documented there and are not checked here.

These docstrings also make the API reference of the documentation site
(``make docs``), so this test keeps it complete without building it.
"""

import importlib
import inspect
import pkgutil

import pytest

import sklearn_ae

validate = pytest.importorskip("numpydoc.validate").validate

# numpydoc checks that are not enforced, and why. The list is kept short:
# every other check (parameters documented and in order, types, return
# values, summaries, capitalisation and punctuation, section order, ...)
# must pass.
IGNORED_CHECKS = {
    # Extended summary: a method whose one-line summary and parameter list
    # say it all ("Encode X.") needs no paragraph after the summary.
    "ES01",
    # "See Also" section: the estimators point to their scikit-learn
    # counterparts; requiring it of every method and helper adds noise.
    "SA01",
    # "Examples" section: the classes and functions of the user-facing
    # modules have examples (run as doctests); requiring one for every
    # method of every torch module would repeat them.
    "EX01",
    # Named return values: the project follows scikit-learn's convention of
    # naming what is returned (``self : AETransformer``, ``Z : ndarray of
    # shape ...``), which numpydoc's RT02 reports as an error.
    "RT02",
}

# Checks not enforced for one object only, and why.
IGNORED_FOR = {
    # The parameters every estimator shares are documented once, in
    # sklearn_ae/_docs.py, and inserted as a block after the detector's own;
    # three of them (dropout, max_iter, learning_rate_init) have other
    # defaults here and are documented with the detector's parameters, so
    # they come before the shared block instead of in signature order.
    "sklearn_ae.AEOutlierDetector": {"PR03"},
}


def _public_modules():
    """Import names of the package's public modules, the package first."""
    names = ["sklearn_ae"]
    for info in pkgutil.walk_packages(sklearn_ae.__path__, prefix="sklearn_ae."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(obj) or inspect.isfunction(obj))
            and obj.__module__ == module.__name__
        ]
    return sorted(names)


def _own_members(cls):
    """Public methods and properties that the package itself defines for ``cls``."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
        if owner is None or not owner.__module__.startswith("sklearn_ae"):
            continue  # inherited from scikit-learn, torch, skorch, dask-ml, ...
        member = vars(owner)[name]
        if callable(member) or isinstance(member, property) or hasattr(member, "__get__"):
            yield name


def _public_api():
    """Import paths of everything to validate, and modules that need a missing extra."""
    paths, missing = [], []
    for module_name in _public_modules():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # an optional dependency (e.g. the dask extra)
            missing.append(pytest.param(module_name, marks=pytest.mark.skip(reason=str(exc))))
            continue
        for name in _public_names(module):
            obj = getattr(module, name)
            if inspect.isclass(obj):
                paths.append(f"{module_name}.{name}")
                paths += [f"{module_name}.{name}.{member}" for member in _own_members(obj)]
            elif inspect.isfunction(obj):
                paths.append(f"{module_name}.{name}")
    return paths, missing


PUBLIC_API, MODULES_SKIPPED = _public_api()


def test_public_api_is_found():
    assert "sklearn_ae.AEOutlierDetector.score_samples" in PUBLIC_API
    assert "sklearn_ae.nn.MLPAutoencoder.encode" in PUBLIC_API
    assert "sklearn_ae.persistence.load" in PUBLIC_API
    # Inherited from scikit-learn: documented there.
    assert "sklearn_ae.AETransformer.get_params" not in PUBLIC_API


@pytest.mark.parametrize("import_path", PUBLIC_API + MODULES_SKIPPED)
def test_docstring(import_path):
    result = validate(import_path)
    ignored = IGNORED_CHECKS | IGNORED_FOR.get(import_path, set())
    errors = [(code, message) for code, message in result["errors"] if code not in ignored]
    assert not errors, f"{import_path} ({result['file']}:{result['file_line']}):\n" + "\n".join(
        f"  {code}: {message}" for code, message in errors
    )
