"""The drift job with the real Evidently on synthetic shop data: drift is found on drifted
traffic only; a full run reads the training set and the payload logs from S3 (moto's server),
stores the report there and pushes the contract's gauges to the real Pushgateway."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_jobs import drift
from tests.conftest import Pushgateway

JOBS = Path(__file__).resolve().parents[1]


def shop(rows: int, seed: int, *, drifted: bool = False) -> pd.DataFrame:
    """Synthetic recommender inputs; ``drifted`` shifts prices up and baskets to one category."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "price": rng.normal(40 if drifted else 25, 8, rows),
            "basket_size": rng.poisson(3, rows),
            "category": rng.choice(
                ["books", "games", "toys"], rows, p=[0.8, 0.1, 0.1] if drifted else [0.34, 0.33, 0.33]
            ),
        }
    )


COLUMNS = ["price", "basket_size", "category"]


def test_finds_drift_on_drifted_traffic_only() -> None:
    reference = shop(3000, 1)
    same = drift.run_drift(reference, shop(1500, 2), COLUMNS, method=None, threshold=None, drift_share=0.5)
    shifted = drift.run_drift(
        reference, shop(1500, 3, drifted=True), COLUMNS, method=None, threshold=None, drift_share=0.5
    )
    assert (same.detected, same.share) == (False, 0.0)
    assert [c.drifted for c in same.columns] == [False, False, False]
    assert shifted.detected is True
    assert shifted.share == pytest.approx(2 / 3)
    assert {c.column: c.drifted for c in shifted.columns} == {
        "price": True,
        "basket_size": False,
        "category": True,
    }
    # Evidently's per-type defaults, named by their stattest ids.
    assert {c.column: c.method for c in shifted.columns} == {
        "price": "wasserstein",
        "basket_size": "wasserstein",
        "category": "jensenshannon",
    }
    assert "<html" in shifted.report_html.lower()
    assert json.loads(shifted.report_json)["metrics"]


def test_method_threshold_and_share_are_evidentlys_parameters() -> None:
    reference, current = shop(3000, 1), shop(1500, 3, drifted=True)
    psi = drift.run_drift(reference, current, COLUMNS, method="psi", threshold=0.1, drift_share=0.5)
    assert [(c.method, c.threshold) for c in psi.columns] == [("psi", 0.1)] * 3
    # A share above what drifts: the columns drift, the dataset does not.
    strict = drift.run_drift(reference, current, COLUMNS, method="psi", threshold=0.1, drift_share=0.9)
    assert strict.detected is False
    assert strict.share == pytest.approx(2 / 3)
    # A threshold no distance reaches: nothing drifts.
    lax = drift.run_drift(reference, current, COLUMNS, method="psi", threshold=1000, drift_share=0.5)
    assert (lax.detected, lax.share) == (False, 0.0)


def test_samples_reproducibly_up_to_the_cap() -> None:
    frame = shop(1000, 5)
    assert len(drift.sample(frame, 100, 7)) == 100
    pd.testing.assert_frame_equal(drift.sample(frame, 100, 7), drift.sample(frame, 100, 7))
    assert not drift.sample(frame, 100, 7).equals(drift.sample(frame, 100, 8))
    pd.testing.assert_frame_equal(drift.sample(frame, 5000, 7), frame)


def put_parquet(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())


def reference(root: Path, version: str, frame: pd.DataFrame) -> None:
    """Version ``version``'s training set under ``<root>/reference/`` (the training run's layout)."""
    (root / "reference" / version).mkdir(parents=True)
    frame.to_parquet(root / "reference" / version / "train.parquet")


def run_job(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_jobs.drift", *args],
        cwd=JOBS,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.parametrize("drifted", [True, False], ids=["drifted", "undrifted"])
def test_full_run_on_s3_pushes_the_contract_gauges(
    s3: Any, job_env: dict[str, str], pushgateway: Pushgateway, drifted: bool
) -> None:
    bucket = f"shop-{'drifted' if drifted else 'steady'}"
    s3.create_bucket(Bucket=bucket)
    # Version 3's training set (the training run writes it under <reference>/<version>/).
    put_parquet(s3, bucket, "reference/recommender/3/train.parquet", shop(4000, 1))
    # The logger's payload Parquet: two files in the window; a sample cap of 1000 per side.
    put_parquet(s3, bucket, "payload-logs/recommender/2026/12/02/a.parquet", shop(800, 2, drifted=drifted))
    put_parquet(s3, bucket, "payload-logs/recommender/2026/12/02/b.parquet", shop(800, 3, drifted=drifted))
    result = run_job(
        [
            "--model=recommender",
            "--model-version=3",
            f"--reference=s3://{bucket}/reference/recommender/",
            f"--current=s3://{bucket}/payload-logs/recommender/",
            "--window=1h",
            "--sample-cap=1000",
            f"--report-prefix=s3://{bucket}/drift-reports",
            f"--pushgateway-url={pushgateway.base}",
        ],
        job_env,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["detected"] is drifted
    assert (summary["version"], summary["versionFrom"]) == ("3", "--model-version (MLOPS_MODEL_VERSION)")
    assert summary["reference"] == f"s3://{bucket}/reference/recommender/3/"
    assert summary["rows"] == {"reference": 4000, "current": 1600}
    assert summary["sampled"] == {"reference": 1000, "current": 1000, "cap": 1000, "seed": 0}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="drift-reports/")["Contents"]]
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == ["report.html", "report.json"]
    assert all(k.startswith("drift-reports/recommender/3/") for k in keys)
    assert summary["report"]["html"] == f"s3://{bucket}/{next(k for k in keys if k.endswith('.html'))}"

    series = pushgateway.series()
    labels = 'instance="",job="model-drift",model="recommender",version="3"'
    assert f"mlops_model_drift_detected{{{labels}}} {1 if drifted else 0}" in series
    (share,) = [s for s in series if s.startswith("mlops_model_drift_share")]
    assert share.startswith(f"mlops_model_drift_share{{{labels}}} ")
    assert float(share.rsplit(" ", 1)[1]) == pytest.approx(summary["share"])
    assert (summary["share"] > 0.5) is drifted
    scores = sorted(s.split(" ")[0] for s in series if s.startswith("mlops_model_drift_score"))
    assert scores == [
        f'mlops_model_drift_score{{feature="{f}",instance="",job="model-drift",method="{m}",model="recommender",version="3"}}'
        for f, m in sorted((c["column"], c["method"]) for c in summary["columns"])
    ]
    assert sorted(c["column"] for c in summary["columns"]) == ["basket_size", "category", "price"]
    assert any(s.startswith("mlops_model_drift_last_success_timestamp_seconds") for s in series)


def test_payload_files_outside_the_window_are_not_read(tmp_path: Path) -> None:
    reference(tmp_path, "1", shop(300, 1))
    (tmp_path / "logs").mkdir()
    old = tmp_path / "logs" / "old.parquet"
    shop(300, 2, drifted=True).to_parquet(old)
    os.utime(old, (1_700_000_000, 1_700_000_000))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    args = [
        "--model=m",
        "--model-version=1",
        f"--reference={tmp_path / 'reference'}",
        f"--current={tmp_path / 'logs'}",
        f"--report-prefix={tmp_path / 'reports'}",
        "--window=1h",
    ]
    result = run_job(args, env)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"mlops-drift: error: --current (MLOPS_CURRENT): no .parquet file at {tmp_path / 'logs'} modified since "
    )
    shop(300, 3).to_parquet(tmp_path / "logs" / "new.parquet")
    result = run_job(args, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"]["current"] == 300
    assert json.loads(result.stdout)["detected"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "mlops-drift: configuration error: --model (MLOPS_MODEL): required, not set\n"),
        (
            ["--window=soon"],
            'mlops-drift: configuration error: --window (MLOPS_WINDOW): "soon" is not a duration like 30m, 6h or 1d\n',
        ),
        (
            ["--drift-share=2"],
            "mlops-drift: configuration error: --drift-share (MLOPS_DRIFT_SHARE): 2 must be 1 or less\n",
        ),
        (
            ["--sample-cap=lots"],
            'mlops-drift: configuration error: --sample-cap (MLOPS_SAMPLE_CAP): "lots" is not a whole number\n',
        ),
        (
            ["--columns=price,colour"],
            "mlops-drift: configuration error: --columns (MLOPS_COLUMNS): not in the reference data: colour; not in the current data: colour\n",
        ),
        (
            ["--method=ks"],
            "mlops-drift: configuration error: --method (MLOPS_DRIFT_METHOD): Stattest ks isn't applicable to feature of type cat. Available feature types: [<ColumnType.Numerical: 'num'>]\n",
        ),
        (["--method=magic"], None),
    ],
)
def test_bad_settings_exit_2_with_one_line_naming_the_setting(
    tmp_path: Path, args: list[str], message: str | None
) -> None:
    reference(tmp_path, "1", shop(300, 1))
    (tmp_path / "logs").mkdir()
    shop(300, 2).to_parquet(tmp_path / "logs" / "p.parquet")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    base = (
        []
        if args == []
        else [
            "--model=m",
            "--model-version=1",
            f"--reference={tmp_path / 'reference'}",
            f"--current={tmp_path / 'logs'}",
            f"--report-prefix={tmp_path / 'reports'}",
        ]
    )
    result = run_job(base + args, env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    if message is None:
        assert result.stderr.startswith(
            'mlops-drift: configuration error: --method (MLOPS_DRIFT_METHOD): "magic" is not an Evidently drift method ('
        )
    else:
        assert result.stderr == message
    assert result.stdout == ""


def test_settings_come_from_the_environment_too(tmp_path: Path) -> None:
    reference(tmp_path, "1", shop(300, 1))
    (tmp_path / "logs").mkdir()
    shop(300, 2).to_parquet(tmp_path / "logs" / "p.parquet")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")} | {
        "MLOPS_MODEL": "m",
        "MLOPS_MODEL_VERSION": "1",
        "MLOPS_REFERENCE": str(tmp_path / "reference"),
        "MLOPS_CURRENT": str(tmp_path / "logs"),
        "MLOPS_REPORT_PREFIX": str(tmp_path / "reports"),
        "MLOPS_SUMMARY_FILE": str(tmp_path / "summary.json"),
    }
    result = run_job([], env)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "summary.json").read_text()) == json.loads(result.stdout)
    assert json.loads(result.stdout)["detected"] is False
    assert len(list((tmp_path / "reports" / "m" / "1").glob("*/report.html"))) == 1


def test_a_timestamp_column_selects_the_window_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference(tmp_path, "1", shop(600, 1))
    now = pd.Timestamp.now(tz="UTC")
    old = shop(600, 2, drifted=True).assign(ts=now - pd.Timedelta(hours=5))
    recent = shop(600, 3).assign(ts=now - pd.Timedelta(minutes=5))
    (tmp_path / "logs").mkdir()
    pd.concat([old, recent]).to_parquet(tmp_path / "logs" / "p.parquet")
    argv = [
        "--model=m",
        "--model-version=1",
        f"--reference={tmp_path / 'reference'}",
        f"--current={tmp_path / 'logs'}",
        f"--report-prefix={tmp_path / 'reports'}",
        "--timestamp-column=ts",
        "--window=1h",
    ]
    assert drift.drift(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"]["current"], summary["detected"]) == (600, False)
    assert sorted(c["column"] for c in summary["columns"]) == ["basket_size", "category", "price"]
    # The same logs over six hours include the drifted rows.
    assert drift.drift([*argv[:-1], "--window=6h"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"]["current"], summary["detected"]) == (1200, True)


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An MLflow registry (file store) with versions 1, 2 and 3 of model ``m``; no alias yet."""
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    uri = (tmp_path / "mlruns").as_uri()
    client = MlflowClient(uri, uri)
    client.create_registered_model("m")
    for _ in range(3):
        client.create_model_version("m", source=(tmp_path / "artifacts").as_uri())
    return client


def test_judges_the_version_under_the_production_alias_against_its_own_reference(
    tmp_path: Path, registry: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # v1 trained on the old shop, v2 (promoted) on the drifted one, v3 (rejected) on the old one.
    reference(tmp_path, "1", shop(300, 1))
    reference(tmp_path, "2", shop(400, 4, drifted=True))
    reference(tmp_path, "3", shop(500, 5))
    (tmp_path / "logs").mkdir()
    shop(300, 2, drifted=True).to_parquet(tmp_path / "logs" / "p.parquet")
    argv = [
        "--model=m",
        "--model-version=1",
        f"--reference={tmp_path / 'reference'}",
        f"--current={tmp_path / 'logs'}",
        f"--report-prefix={tmp_path / 'reports'}",
        f"--tracking-uri={registry.tracking_uri}",
    ]

    def run(*extra: str) -> dict[str, Any]:
        assert drift.drift([*argv, *extra]) == 0
        summary: dict[str, Any] = json.loads(capsys.readouterr().out)
        return summary

    # No alias yet: the configured version (the deployment's first) and its training set.
    before = run()
    assert (before["version"], before["versionFrom"]) == ("1", "--model-version (MLOPS_MODEL_VERSION)")
    assert before["reference"] == f"{tmp_path / 'reference'}/1/"
    assert (before["rows"]["reference"], before["detected"]) == (300, True)

    # v2 promoted (the alias moved): the drifted traffic is what v2 was trained on.
    registry.set_registered_model_alias("m", "production", "2")
    promoted = run()
    assert (promoted["version"], promoted["versionFrom"]) == ("2", "alias production")
    assert promoted["reference"] == f"{tmp_path / 'reference'}/2/"
    assert (promoted["rows"]["reference"], promoted["detected"]) == (400, False)
    assert len(list((tmp_path / "reports" / "m" / "2").glob("*/report.json"))) == 1

    # v3 was trained and rejected (the alias stayed): still v2's reference, never v3's.
    again = run()
    assert (again["version"], again["reference"], again["rows"]["reference"]) == (
        "2",
        f"{tmp_path / 'reference'}/2/",
        400,
    )
    # Another alias name: the job reads that one.
    registry.set_registered_model_alias("m", "champion", "3")
    assert run("--production-alias=champion")["reference"] == f"{tmp_path / 'reference'}/3/"


def test_the_served_version_must_be_known_and_have_reference_data(tmp_path: Path, registry: Any) -> None:
    reference(tmp_path, "1", shop(300, 1))
    (tmp_path / "logs").mkdir()
    shop(300, 2).to_parquet(tmp_path / "logs" / "p.parquet")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    base = [
        "--model=m",
        f"--reference={tmp_path / 'reference'}",
        f"--current={tmp_path / 'logs'}",
        f"--report-prefix={tmp_path / 'reports'}",
    ]
    result = run_job(base, env)
    assert (result.returncode, result.stderr) == (
        2,
        "mlops-drift: configuration error: --model-version (MLOPS_MODEL_VERSION): required, not set\n",
    )
    result = run_job(
        [*base, f"--tracking-uri={registry.tracking_uri}"], env | {"MLFLOW_ALLOW_FILE_STORE": "true"}
    )
    assert (result.returncode, result.stderr) == (
        2,
        "mlops-drift: configuration error: --model-version (MLOPS_MODEL_VERSION): required: model m has no"
        " alias production in MLflow\n",
    )
    # A version the training run wrote no reference data for fails the run, naming the setting.
    result = run_job([*base, "--model-version=7"], env)
    assert (result.returncode, result.stderr) == (
        1,
        f"mlops-drift: error: --reference (MLOPS_REFERENCE): no .parquet file at {tmp_path / 'reference'}/7/\n",
    )
