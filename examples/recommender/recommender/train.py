"""Trains the purchase-propensity model from the feature store and registers it in MLflow.

`python -m recommender.train`: builds the training frame with Feast's offline store (point-in-time
join of the labelled impressions with the `purchase_propensity` FeatureService), fits a
scikit-learn model, logs parameters and metrics to MLflow, registers a new version of the model
and tags it with `MLOPS_REGISTER_TAG` = `MLOPS_WORKFLOW_UID` when both are set (what the retraining
workflow's register step looks the version up by; components/retraining-loop/manifests.ts
`REGISTER_SCRIPT`). With `--reference-out` it also writes the training set's features (the drift
job's reference data) to `<reference-out>/<version>/train.parquet`: one immutable set per
registered version, never the reference of the version in production (the drift job reads the set
of the version under the `production` alias, which only the loop's promote step moves;
docs/retraining-loop.md). The set is written, and the version tagged `mlops.reference` with its
URI, before the version gets the workflow tag, so the workflow never picks a version without it.
Prints one JSON line: the run, the version, the reference data and the metrics.

Settings are options or environment variables (the option wins), as the loop's jobs take them:
the tracking server from `MLFLOW_TRACKING_URI`, the model from `MLOPS_MODEL`, the reference data
prefix from `MLOPS_REFERENCE`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recommender.data import FEATURES, LABEL, read_parquet, write_parquet

#: The types of a fitted GradientBoostingClassifier beyond skops' defaults (MLflow 3 saves
#: scikit-learn models with skops; loading refuses types not listed at save time).
SKOPS_TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]

#: The model version tag naming the version's reference data (its training set's features).
REFERENCE_TAG = "mlops.reference"

#: The Feast FeatureService the model reads (feature_repo/features.py).
FEATURE_SERVICE = "purchase_propensity"


@dataclass(frozen=True)
class TrainSettings:
    """What one training run needs."""

    model: str
    tracking_uri: str
    repo_path: Path
    entities: str
    feature_store_yaml: Path | None
    reference_out: str | None
    experiment: str
    max_depth: int
    n_estimators: int
    seed: int
    register_tag: str | None
    workflow_uid: str | None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="recommender-train", description=__doc__.split("\n\n")[0])
    env = os.environ.get
    p.add_argument("--model", default=env("MLOPS_MODEL"), help="registered model name (MLOPS_MODEL)")
    p.add_argument("--tracking-uri", default=env("MLFLOW_TRACKING_URI"), help="MLflow (MLFLOW_TRACKING_URI)")
    p.add_argument("--repo-path", default=env("FEAST_REPO_PATH", "feature_repo"), help="Feast repository")
    p.add_argument(
        "--feature-store-yaml",
        default=env("FEAST_FS_YAML_FILE"),
        help="feature_store.yaml (default: the repo's)",
    )
    p.add_argument(
        "--entities",
        default=env("MLOPS_TRAINING_ENTITIES"),
        help="labelled impressions: Parquet with user_id, product_id, event_timestamp, purchased",
    )
    p.add_argument(
        "--reference-out",
        default=env("MLOPS_REFERENCE"),
        help="reference data prefix: the training features go to <prefix>/<version>/train.parquet",
    )
    p.add_argument("--experiment", default=env("MLOPS_EXPERIMENT", "recommender"))
    p.add_argument("--max-depth", type=int, default=int(env("MLOPS_MAX_DEPTH", "3")))
    p.add_argument("--n-estimators", type=int, default=int(env("MLOPS_N_ESTIMATORS", "100")))
    p.add_argument("--seed", type=int, default=int(env("MLOPS_SEED", "0")))
    return p


def parse_settings(argv: list[str]) -> TrainSettings:
    """The settings from options and the environment; a missing one is a `ValueError` naming it."""
    a = _parser().parse_args(argv)
    for option, value, variable in (
        ("--model", a.model, "MLOPS_MODEL"),
        ("--tracking-uri", a.tracking_uri, "MLFLOW_TRACKING_URI"),
        ("--entities", a.entities, "MLOPS_TRAINING_ENTITIES"),
    ):
        if not value:
            raise ValueError(f"{option} ({variable}) is required")
    if a.max_depth < 1 or a.n_estimators < 1:
        raise ValueError("--max-depth and --n-estimators must be at least 1")
    return TrainSettings(
        model=a.model,
        tracking_uri=a.tracking_uri,
        repo_path=Path(a.repo_path),
        entities=a.entities,
        feature_store_yaml=Path(a.feature_store_yaml) if a.feature_store_yaml else None,
        reference_out=a.reference_out or None,
        experiment=a.experiment,
        max_depth=a.max_depth,
        n_estimators=a.n_estimators,
        seed=a.seed,
        register_tag=os.environ.get("MLOPS_REGISTER_TAG") or None,
        workflow_uid=os.environ.get("MLOPS_WORKFLOW_UID") or None,
    )


def training_frame(s: TrainSettings) -> pd.DataFrame:
    """The impressions with their features from Feast's offline store (point in time)."""
    from feast import FeatureStore

    store = FeatureStore(repo_path=str(s.repo_path), fs_yaml_file=s.feature_store_yaml)
    entities = read_parquet(s.entities)
    service = store.get_feature_service(FEATURE_SERVICE)
    frame = store.get_historical_features(entity_df=entities, features=service).to_df()
    missing = [c for c in (*FEATURES, LABEL) if c not in frame.columns]
    if missing:
        raise RuntimeError(f"the feature service {FEATURE_SERVICE} returned no {', '.join(missing)}")
    return frame.dropna(subset=list(FEATURES)).sort_values(["event_timestamp", "user_id", "product_id"])


def fit(frame: pd.DataFrame, s: TrainSettings) -> tuple[Any, dict[str, float]]:
    """Fits the model on the older 80 % and scores it on the newest 20 % (validation metrics)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import accuracy_score, roc_auc_score

    cut = int(len(frame) * 0.8)
    train, valid = frame.iloc[:cut], frame.iloc[cut:]
    model = GradientBoostingClassifier(
        max_depth=s.max_depth, n_estimators=s.n_estimators, random_state=s.seed
    )
    model.fit(train[list(FEATURES)], train[LABEL])
    scores = model.predict_proba(valid[list(FEATURES)])[:, 1]
    metrics = {
        "valid_accuracy": float(accuracy_score(valid[LABEL], (scores >= 0.5).astype(np.int64))),
        "valid_roc_auc": float(roc_auc_score(valid[LABEL], scores)) if valid[LABEL].nunique() > 1 else 0.5,
        "train_rows": float(len(train)),
    }
    return model, metrics


def reference_uri(prefix: str, version: str) -> str:
    """Where a version's reference data goes: `<prefix>/<version>/train.parquet` (the drift job
    reads `<prefix>/<served version>/`; jobs/mlops_jobs/drift.py `reference_uri`)."""
    return f"{prefix.rstrip('/')}/{version}/train.parquet"


def train(s: TrainSettings) -> dict[str, Any]:
    """One run: features from Feast, then `fit_and_register`."""
    return fit_and_register(training_frame(s), s)


def fit_and_register(frame: pd.DataFrame, s: TrainSettings) -> dict[str, Any]:
    """Fit, log, register; the version's reference data and its tag; last, the workflow tag."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    model, metrics = fit(frame, s)
    mlflow.set_tracking_uri(s.tracking_uri)
    mlflow.set_experiment(s.experiment)
    features = frame[list(FEATURES)]
    with mlflow.start_run() as run:
        mlflow.log_params(
            {
                "max_depth": s.max_depth,
                "n_estimators": s.n_estimators,
                "seed": s.seed,
                "feature_service": FEATURE_SERVICE,
                "rows": len(frame),
            }
        )
        mlflow.log_metrics(metrics)
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(features, model.predict_proba(features)),
            pyfunc_predict_fn="predict_proba",
            # MLflow 3 saves with skops, which loads only trusted types: the boosted trees' one.
            skops_trusted_types=SKOPS_TRUSTED_TYPES,
            registered_model_name=s.model,
        )
    version = str(info.registered_model_version)
    client = MlflowClient(tracking_uri=s.tracking_uri)
    reference = None
    if s.reference_out:
        reference = write_parquet(features.reset_index(drop=True), reference_uri(s.reference_out, version))
        client.set_model_version_tag(s.model, version, REFERENCE_TAG, reference)
    if s.register_tag and s.workflow_uid:
        client.set_model_version_tag(s.model, version, s.register_tag, s.workflow_uid)
    return {
        "run_id": run.info.run_id,
        "model": s.model,
        "version": version,
        "reference": reference,
        "metrics": metrics,
    }


def main(argv: list[str] | None = None) -> int:
    try:
        settings = parse_settings(sys.argv[1:] if argv is None else argv)
    except ValueError as e:
        print(f"recommender-train: configuration error: {e}", file=sys.stderr)
        return 2
    try:
        result = train(settings)
    except Exception as e:
        if os.environ.get("MLOPS_DEBUG") == "1":
            raise
        print(f"recommender-train: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
