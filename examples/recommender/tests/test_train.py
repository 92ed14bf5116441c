"""The training script's settings and its model: what it needs is named when missing, and a model
trained on the drifted world beats the old one there (what the evaluation gate decides on)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import roc_auc_score

from recommender.data import FEATURES, LABEL, feature_rows, generate
from recommender.train import main, parse_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (
        "MLOPS_MODEL",
        "MLFLOW_TRACKING_URI",
        "MLOPS_TRAINING_ENTITIES",
        "MLOPS_REFERENCE",
        "MLOPS_REGISTER_TAG",
        "MLOPS_WORKFLOW_UID",
    ):
        monkeypatch.delenv(key, raising=False)


def test_settings_from_the_environment_options_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_MODEL", "recommender")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    monkeypatch.setenv("MLOPS_TRAINING_ENTITIES", "s3://shop/impressions.parquet")
    monkeypatch.setenv("MLOPS_REGISTER_TAG", "mlops.workflow.uid")
    monkeypatch.setenv("MLOPS_WORKFLOW_UID", "wf-1")
    s = parse_settings(["--model", "other", "--max-depth", "2"])
    assert (s.model, s.tracking_uri, s.entities, s.max_depth) == (
        "other",
        "http://mlflow:5000",
        "s3://shop/impressions.parquet",
        2,
    )
    assert (s.register_tag, s.workflow_uid, s.reference_out) == ("mlops.workflow.uid", "wf-1", None)


def test_a_missing_setting_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--model", "recommender", "--tracking-uri", "http://mlflow:5000"]) == 2
    assert (
        capsys.readouterr().err
        == "recommender-train: configuration error: --entities (MLOPS_TRAINING_ENTITIES) is required\n"
    )


def test_a_failure_at_run_time_exits_1_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.parquet"
    code = main(
        [
            "--model",
            "m",
            "--tracking-uri",
            "http://127.0.0.1:1",
            "--entities",
            str(missing),
            "--repo-path",
            str(tmp_path),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("recommender-train: ") and err.count("\n") == 1


def test_a_model_retrained_on_drifted_data_beats_the_old_one_there() -> None:
    from recommender.train import fit

    settings = parse_settings(["--model", "m", "--tracking-uri", "x", "--entities", "x"])
    old, _ = fit(feature_rows(generate(seed=1, drift=0.0)), settings)
    new, metrics = fit(feature_rows(generate(seed=2, drift=1.0)), settings)
    holdout = feature_rows(generate(seed=3, drift=1.0, impressions=3000))
    auc = {
        name: roc_auc_score(holdout[LABEL], model.predict_proba(holdout[list(FEATURES)])[:, 1])
        for name, model in (("old", old), ("new", new))
    }
    assert auc["new"] > auc["old"] + 0.05
    assert 0.6 < metrics["valid_roc_auc"] <= 1.0
    assert metrics["train_rows"] == 4000.0


def test_each_version_writes_its_own_reference_data_before_the_workflow_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs register versions 1 and 2; each one's training features land under
    `<reference>/<version>/` and neither overwrites the other (the served version's reference stays
    what it was trained on); the version is tagged with its reference data and the workflow uid."""
    import pandas as pd
    from mlflow import MlflowClient

    from recommender.train import REFERENCE_TAG, fit_and_register

    # MLflow 3 keeps a file store only on request: the store needing no server here.
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    reference = tmp_path / "reference" / "recommender"
    results = []
    for seed, uid in ((1, "wf-1"), (2, "wf-2")):
        monkeypatch.setenv("MLOPS_REGISTER_TAG", "mlops.workflow.uid")
        monkeypatch.setenv("MLOPS_WORKFLOW_UID", uid)
        settings = parse_settings(
            ["--model", "m", "--tracking-uri", uri, "--entities", "x", "--reference-out", str(reference)]
        )
        frame = feature_rows(generate(seed=seed, drift=float(seed - 1), impressions=600))
        results.append((fit_and_register(frame, settings), frame))
    client = MlflowClient(tracking_uri=uri)
    for (result, frame), version in zip(results, ("1", "2"), strict=True):
        written = f"{reference}/{version}/train.parquet"
        assert (result["version"], result["reference"]) == (version, written)
        pd.testing.assert_frame_equal(
            pd.read_parquet(written), frame[list(FEATURES)].reset_index(drop=True), check_dtype=False
        )
        tags = client.get_model_version("m", version).tags
        assert tags[REFERENCE_TAG] == written
        assert tags["mlops.workflow.uid"] == f"wf-{version}"
    assert sorted(p.relative_to(reference).as_posix() for p in reference.rglob("*.parquet")) == [
        "1/train.parquet",
        "2/train.parquet",
    ]
