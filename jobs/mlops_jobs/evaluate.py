"""The evaluation gate: a candidate model version against the production version on a held-back
set. The candidate passes when it is better than production by more than the minimum improvement
in the chosen metric (or when there is no production version yet). The decision is logged as tags
on the candidate version in MLflow, pushed as ``mlops_model_evaluation_passed``, printed as JSON,
and given as the exit code: 0 promote, 3 reject (2 bad settings, 1 failure).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import pushgateway, storage
from .config import ConfigError, JobError, Option, parse, run, write_decision
from .mlflow_tags import production_version as alias_version
from .mlflow_tags import tag_model_version

PROG = "mlops-evaluate"
EXIT_PROMOTE = 0
EXIT_REJECT = 3

OPTIONS = [
    Option("--model", "MLOPS_MODEL", "registered model name in MLflow", required=True),
    Option("--candidate-version", "MLOPS_CANDIDATE_VERSION", "the candidate's model version", required=True),
    Option(
        "--production-alias",
        "MLOPS_PRODUCTION_ALIAS",
        "alias of the production version (none: the candidate is the first, it passes)",
        default="production",
    ),
    Option(
        "--holdout",
        "MLOPS_HOLDOUT",
        "held-back set: Parquet file or prefix (s3://, gs://, path)",
        required=True,
    ),
    Option(
        "--label-column", "MLOPS_LABEL_COLUMN", "column of the true label in the held-back set", required=True
    ),
    Option(
        "--metric",
        "MLOPS_METRIC",
        "accuracy, f1, precision, recall, roc_auc, rmse, mae or r2",
        default="accuracy",
    ),
    Option("--direction", "MLOPS_DIRECTION", "higher or lower is better (default: the metric's own)"),
    Option(
        "--min-improvement",
        "MLOPS_MIN_IMPROVEMENT",
        "how much better than production the candidate must be (strictly more than this)",
        default="0",
    ),
    Option("--tracking-uri", "MLFLOW_TRACKING_URI", "MLflow tracking server", required=True),
    Option("--pushgateway-url", "MLOPS_PUSHGATEWAY_URL", "Pushgateway base URL (unset: no push)"),
    Option("--decision-file", "MLOPS_DECISION_FILE", "also write the JSON decision to this file"),
]


def _binary_or_macro(y_true: np.ndarray[Any, Any]) -> str:
    return "binary" if len(np.unique(y_true)) <= 2 else "macro"


def _metrics() -> dict[str, tuple[str, Callable[[np.ndarray[Any, Any], np.ndarray[Any, Any]], float]]]:
    from sklearn import metrics as m

    return {
        "accuracy": ("higher", lambda t, p: float(m.accuracy_score(t, p))),
        "f1": ("higher", lambda t, p: float(m.f1_score(t, p, average=_binary_or_macro(t)))),
        "precision": ("higher", lambda t, p: float(m.precision_score(t, p, average=_binary_or_macro(t)))),
        "recall": ("higher", lambda t, p: float(m.recall_score(t, p, average=_binary_or_macro(t)))),
        # The model's output is the score of the positive class (log sklearn models with
        # pyfunc_predict_fn="predict_proba" and keep the last column, or output a score).
        "roc_auc": ("higher", lambda t, p: float(m.roc_auc_score(t, p))),
        "rmse": ("lower", lambda t, p: float(math.sqrt(m.mean_squared_error(t, p)))),
        "mae": ("lower", lambda t, p: float(m.mean_absolute_error(t, p))),
        "r2": ("higher", lambda t, p: float(m.r2_score(t, p))),
    }


METRIC_NAMES = ("accuracy", "f1", "precision", "recall", "roc_auc", "rmse", "mae", "r2")


def _predict(uri: str, features: pd.DataFrame) -> np.ndarray[Any, Any]:
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    try:
        model = mlflow.pyfunc.load_model(uri)
    except MlflowException as e:
        raise JobError(f"cannot load {uri}: {e.message}") from None
    output = np.asarray(model.predict(features))
    if output.ndim == 2:
        output = output[:, -1]  # predict_proba: the positive class
    return output


def decide(
    candidate: float, production: float | None, direction: str, min_improvement: float
) -> tuple[bool, str]:
    """Whether the candidate passes, and why (one sentence)."""
    if production is None:
        return True, "no production version: the first candidate passes"
    improvement = candidate - production if direction == "higher" else production - candidate
    if improvement > min_improvement:
        return True, f"better than production by {improvement:.6g} (> {min_improvement:g})"
    return (
        False,
        f"not better than production by more than {min_improvement:g} (improvement {improvement:.6g})",
    )


def main(argv: Sequence[str] | None = None) -> None:
    run(PROG, lambda: evaluate(argv))


def evaluate(argv: Sequence[str] | None = None) -> int:
    s = parse(PROG, __doc__ or "", OPTIONS, argv)
    model = s.required("model")
    candidate_version = s.required("candidate_version")
    metric = s.choice("metric", METRIC_NAMES)
    default_direction, score = _metrics()[metric]
    direction = s.raw("direction") or default_direction
    if direction not in ("higher", "lower"):
        raise ConfigError(s.label("direction"), f'"{direction}" is not one of higher, lower')
    min_improvement = s.number("min_improvement", minimum=0)
    label_column = s.required("label_column")
    tracking_uri = s.required("tracking_uri")
    alias = s.required("production_alias")

    holdout = storage.read_parquet(s.required("holdout"), s.label("holdout"))
    if label_column not in holdout.columns:
        raise ConfigError(
            s.label("label_column"),
            f'"{label_column}" is not a column of the held-back set ({", ".join(holdout.columns)})',
        )
    y_true = holdout[label_column].to_numpy()
    features = holdout.drop(columns=[label_column])

    production_version = alias_version(tracking_uri, model, alias)
    if production_version == candidate_version:
        raise ConfigError(s.label("candidate_version"), f"version {candidate_version} is already {alias}")
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    candidate_value = score(y_true, _predict(f"models:/{model}/{candidate_version}", features))
    production_value = (
        None
        if production_version is None
        else score(y_true, _predict(f"models:/{model}/{production_version}", features))
    )
    passed, reason = decide(candidate_value, production_value, direction, min_improvement)
    decision = "promote" if passed else "reject"
    result: dict[str, object] = {
        "model": model,
        "candidateVersion": candidate_version,
        "productionVersion": production_version,
        "metric": metric,
        "direction": direction,
        "minImprovement": min_improvement,
        "candidateValue": candidate_value,
        "productionValue": production_value,
        "rows": len(holdout),
        "decision": decision,
        "reason": reason,
    }
    tags = {
        "mlops.gate.decision": decision,
        "mlops.gate.reason": reason,
        "mlops.gate.metric": metric,
        "mlops.gate.direction": direction,
        "mlops.gate.min_improvement": f"{min_improvement:g}",
        "mlops.gate.candidate_value": repr(candidate_value),
        "mlops.gate.production_version": production_version or "",
        "mlops.gate.production_value": "" if production_value is None else repr(production_value),
        "mlops.gate.rows": str(len(holdout)),
        "mlops.gate.evaluated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tag_model_version(tracking_uri, model, candidate_version, tags)
    pushgateway_url = s.raw("pushgateway_url")
    if pushgateway_url:
        sample = pushgateway.Sample(
            "mlops_model_evaluation_passed",
            {"model": model, "version": candidate_version, "metric": metric},
            1.0 if passed else 0.0,
        )
        result["pushedTo"] = pushgateway.push(pushgateway_url, "modelEvaluation", {"model": model}, [sample])
    write_decision(s.raw("decision_file"), result)
    return EXIT_PROMOTE if passed else EXIT_REJECT


if __name__ == "__main__":
    main()
