import json
import zipfile

import numpy as np
import pytest
import skops.io as sio
from conftest import FAST, main_output

from sklearn_ae import AEDenoiser, AEOutlierDetector, AETransformer
from sklearn_ae._callbacks import EpochProgressBar
from sklearn_ae.persistence import TRUSTED_TYPES, dump, load


@pytest.mark.parametrize("Estimator", [AETransformer, AEOutlierDetector, AEDenoiser])
def test_skops_round_trip_gives_identical_outputs(Estimator, X_small, tmp_path):
    est = Estimator(**FAST).fit(X_small)
    dump(est, tmp_path / "model.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "model.skops")
    assert set(untrusted) <= set(TRUSTED_TYPES)
    restored = load(tmp_path / "model.skops")
    np.testing.assert_array_equal(main_output(restored, X_small), main_output(est, X_small))
    assert restored.get_params() == est.get_params()


def test_tampered_file_is_refused(X_small, tmp_path):
    dump(AEOutlierDetector(**FAST).fit(X_small), tmp_path / "model.skops")
    with zipfile.ZipFile(tmp_path / "model.skops") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    schema["__module__"], schema["__class__"] = "os", "system"
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(tmp_path / "tampered.skops", "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match=r"os\.system"):
        load(tmp_path / "tampered.skops")


def test_user_objects_need_explicit_trust(X_small, tmp_path):
    params = {**FAST, "net_params": {"callbacks": [EpochProgressBar(disable=True)]}}
    dump(AETransformer(**params).fit(X_small), tmp_path / "model.skops")
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="EpochProgressBar"):
        load(tmp_path / "model.skops")
    restored = load(tmp_path / "model.skops", trusted=["sklearn_ae._callbacks.EpochProgressBar"])
    assert restored.transform(X_small).shape == (60, 2)


def test_warm_start_after_loading(X_small, tmp_path):
    est = AETransformer(**{**FAST, "warm_start": True, "max_iter": 2}).fit(X_small)
    dump(est, tmp_path / "model.skops")
    restored = load(tmp_path / "model.skops").fit(X_small)
    assert restored.n_iter_ == 4
    assert restored.loss_curve_[:2] == est.loss_curve_
