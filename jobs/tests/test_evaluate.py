"""The evaluation gate with real MLflow (a local file tracking store and registry) and real
scikit-learn models: a better candidate passes, a worse one is rejected, the first candidate
passes; every decision is a set of tags on the candidate version and a pushed gauge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_jobs import evaluate
from tests.conftest import Pushgateway

JOBS = Path(__file__).resolve().parents[1]
MODEL = "recommender"


def shop(rows: int, seed: int) -> pd.DataFrame:
    """Will the user buy? Mostly decided by price and past purchases."""
    rng = np.random.default_rng(seed)
    price = rng.normal(25, 8, rows)
    purchases = rng.poisson(3, rows).astype(float)
    noise = rng.normal(0, 1, rows)
    bought = ((purchases * 2 - price / 5 + noise) > 1).astype(int)
    return pd.DataFrame({"price": price, "purchases": purchases, "bought": bought})


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """v1 a weak model (trained on shuffled labels), v2 a good one, v3 the weak one again;
    v1 carries the alias `production`."""
    import mlflow
    import mlflow.sklearn
    from mlflow.tracking import MlflowClient
    from sklearn.linear_model import LogisticRegression

    # MLflow 3 keeps its file store only on request; it is the store needing no server here (the
    # job itself talks to the tracking server over MLFLOW_TRACKING_URI in the cluster).
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    root = tmp_path_factory.mktemp("mlflow")
    uri = (root / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    train = shop(2000, 1)
    x, y = train[["price", "purchases"]], train["bought"]
    weak = LogisticRegression().fit(x, np.random.default_rng(9).permutation(y.to_numpy()))
    good = LogisticRegression().fit(x, y)
    for model in (weak, good, weak):
        with mlflow.start_run():
            mlflow.sklearn.log_model(
                model, name="model", registered_model_name=MODEL, input_example=x.head(2)
            )
    MlflowClient(uri, uri).set_registered_model_alias(MODEL, "production", "1")
    holdout = root / "holdout.parquet"
    shop(1000, 2).to_parquet(holdout)
    return {"uri": uri, "holdout": str(holdout), "client": MlflowClient(uri, uri)}


def args(registry: dict[str, Any], candidate: str, *extra: str) -> list[str]:
    return [
        f"--model={MODEL}",
        f"--candidate-version={candidate}",
        f"--holdout={registry['holdout']}",
        "--label-column=bought",
        f"--tracking-uri={registry['uri']}",
        *extra,
    ]


def tags(registry: dict[str, Any], version: str) -> dict[str, str]:
    found: dict[str, str] = registry["client"].get_model_version(MODEL, version).tags
    return {k: v for k, v in found.items() if k.startswith("mlops.gate.")}


def test_a_better_candidate_passes_and_is_tagged_and_pushed(
    registry: dict[str, Any], pushgateway: Pushgateway, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = evaluate.evaluate(
        args(registry, "2", f"--pushgateway-url={pushgateway.base}", f"--decision-file={tmp_path / 'd.json'}")
    )
    decision = json.loads(capsys.readouterr().out)
    assert code == evaluate.EXIT_PROMOTE == 0
    assert decision["decision"] == "promote"
    assert decision["productionVersion"] == "1"
    assert decision["candidateValue"] > decision["productionValue"] + 0.2
    assert json.loads((tmp_path / "d.json").read_text()) == decision
    t = tags(registry, "2")
    assert {
        k: t[k] for k in ("mlops.gate.decision", "mlops.gate.metric", "mlops.gate.production_version")
    } == {
        "mlops.gate.decision": "promote",
        "mlops.gate.metric": "accuracy",
        "mlops.gate.production_version": "1",
    }
    assert float(t["mlops.gate.candidate_value"]) == decision["candidateValue"]
    assert pushgateway.series() == [
        'mlops_model_evaluation_passed{instance="",job="model-evaluation",metric="accuracy",model="recommender",version="2"} 1'
    ]


def test_a_worse_or_not_better_enough_candidate_is_rejected(
    registry: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    registry["client"].set_registered_model_alias(MODEL, "production", "2")
    try:
        assert evaluate.evaluate(args(registry, "3", "--metric=f1")) == evaluate.EXIT_REJECT == 3
        assert json.loads(capsys.readouterr().out)["decision"] == "reject"
        assert tags(registry, "3")["mlops.gate.decision"] == "reject"
        # Lower is better for an error metric: the weak model's higher RMSE is rejected too.
        assert evaluate.evaluate(args(registry, "3", "--metric=rmse")) == 3
        assert json.loads(capsys.readouterr().out)["direction"] == "lower"
    finally:
        registry["client"].set_registered_model_alias(MODEL, "production", "1")
    # Better, but not by more than the minimum improvement.
    assert evaluate.evaluate(args(registry, "2", "--min-improvement=0.9")) == 3
    assert json.loads(capsys.readouterr().out)["reason"].startswith(
        "not better than production by more than 0.9"
    )


def test_the_first_candidate_passes(registry: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate.evaluate(args(registry, "3", "--production-alias=champion")) == 0
    decision = json.loads(capsys.readouterr().out)
    assert (decision["productionVersion"], decision["reason"]) == (
        None,
        "no production version: the first candidate passes",
    )


def test_decide() -> None:
    assert evaluate.decide(0.8, 0.7, "higher", 0.05) == (True, "better than production by 0.1 (> 0.05)")
    assert evaluate.decide(0.8, 0.8, "higher", 0)[0] is False
    assert evaluate.decide(1.0, 2.0, "lower", 0)[0] is True


def run_cli(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_", "MLFLOW_"))}
    env["MLFLOW_ALLOW_FILE_STORE"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "mlops_jobs.evaluate", *argv],
        cwd=JOBS,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_exit_codes_and_one_line_errors(registry: dict[str, Any]) -> None:
    rejected = run_cli(args(registry, "1", "--production-alias=none", "--metric=r2", "--direction=higher"))
    assert (rejected.returncode, json.loads(rejected.stdout)["decision"]) == (0, "promote")
    cases = {
        "--metric=speed": 'mlops-evaluate: configuration error: --metric (MLOPS_METRIC): "speed" is not one of accuracy, f1, precision, recall, roc_auc, rmse, mae, r2\n',
        "--direction=up": 'mlops-evaluate: configuration error: --direction (MLOPS_DIRECTION): "up" is not one of higher, lower\n',
        "--label-column=label": 'mlops-evaluate: configuration error: --label-column (MLOPS_LABEL_COLUMN): "label" is not a column of the held-back set (price, purchases, bought)\n',
        "--min-improvement=-1": "mlops-evaluate: configuration error: --min-improvement (MLOPS_MIN_IMPROVEMENT): -1 must be 0 or more\n",
    }
    for flag, message in cases.items():
        result = run_cli([*args(registry, "2"), flag])
        assert (result.returncode, result.stderr, result.stdout) == (2, message, ""), flag
    already = run_cli(args(registry, "1"))
    assert (already.returncode, already.stderr) == (
        2,
        "mlops-evaluate: configuration error: --candidate-version (MLOPS_CANDIDATE_VERSION): version 1 is already production\n",
    )
    missing = run_cli(args(registry, "9", "--production-alias=none"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("mlops-evaluate: error: cannot load models:/recommender/9: ")
    assert "Traceback" not in missing.stderr
