"""The drift job: a served model version's current inputs (the serving logger's Parquet payload
logs of the last window) against its reference data (the training set, Parquet in the offline
store), with Evidently's ``DataDriftPreset``. Pushes ``mlops_model_drift_*`` to the Pushgateway
(contract job ``model-drift``: PUT, one group per model), stores the Evidently report (HTML and
JSON) in the object store and prints a JSON summary. Exit code 0 whether or not the data drifts
(the ``ModelDrift`` alert reads the pushed verdict); 2 bad settings, 1 failure.

The reference data is per model version: every training run writes its training set under
``<reference>/<version>/`` (immutable, one per registered version), and the job judges the
served version against its own. The served version is the one under the production alias in
MLflow (``--production-alias``; the loop's promote step moves it, a rejected or rolled-back
candidate never does), or ``--model-version`` while the model has no such alias (or without
``--tracking-uri``). Gauges, reports and the summary carry that version.

Large inputs are sampled: at most ``--sample-cap`` rows (default 50 000) of each side, drawn
without replacement with the seed ``--sample-seed`` (default 0), so a run is reproducible and its
memory and time are bounded whatever the traffic.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import pushgateway, storage
from .config import ConfigError, JobError, Option, Settings, parse, run, write_decision
from .mlflow_tags import production_version

PROG = "mlops-drift"
DEFAULT_SAMPLE_CAP = 50_000

OPTIONS = [
    Option("--model", "MLOPS_MODEL", "served model name", required=True),
    Option(
        "--model-version",
        "MLOPS_MODEL_VERSION",
        "served model version while MLflow has no production alias for the model (or no --tracking-uri)",
    ),
    Option(
        "--tracking-uri",
        "MLFLOW_TRACKING_URI",
        "MLflow: the served version is the one under the production alias (unset: --model-version)",
    ),
    Option(
        "--production-alias", "MLOPS_PRODUCTION_ALIAS", "alias of the served version", default="production"
    ),
    Option(
        "--reference",
        "MLOPS_REFERENCE",
        "reference data: version V's training set (Parquet) is under <reference>/<V>/",
        required=True,
    ),
    Option(
        "--current", "MLOPS_CURRENT", "payload logs: Parquet file or prefix (the logger's)", required=True
    ),
    Option(
        "--window",
        "MLOPS_WINDOW",
        "current window: payload files modified within it, e.g. 1h, 1d",
        default="1d",
    ),
    Option("--timestamp-column", "MLOPS_TIMESTAMP_COLUMN", "filter payload rows by this time column instead"),
    Option("--columns", "MLOPS_COLUMNS", "comma-separated features (default: the common columns)"),
    Option("--method", "MLOPS_DRIFT_METHOD", "Evidently drift method for every column (default: per type)"),
    Option("--threshold", "MLOPS_DRIFT_THRESHOLD", "per-column drift threshold (default: the method's)"),
    Option(
        "--drift-share", "MLOPS_DRIFT_SHARE", "share of drifting columns that is dataset drift", default="0.5"
    ),
    Option("--sample-cap", "MLOPS_SAMPLE_CAP", "most rows per side", default=str(DEFAULT_SAMPLE_CAP)),
    Option("--sample-seed", "MLOPS_SAMPLE_SEED", "seed of the sampling", default="0"),
    Option("--min-rows", "MLOPS_MIN_ROWS", "fewest current rows to judge drift on", default="100"),
    Option(
        "--report-prefix",
        "MLOPS_REPORT_PREFIX",
        "where reports go: <prefix>/<model>/<version>/<time>/",
        required=True,
    ),
    Option("--pushgateway-url", "MLOPS_PUSHGATEWAY_URL", "Pushgateway base URL (unset: no push)"),
    Option("--summary-file", "MLOPS_SUMMARY_FILE", "also write the JSON summary to this file"),
]


@dataclass(frozen=True)
class ColumnDrift:
    column: str
    method: str
    threshold: float
    score: float
    drifted: bool


@dataclass(frozen=True)
class DriftResult:
    columns: list[ColumnDrift]
    share: float
    detected: bool
    report_json: str
    report_html: str


def sample(frame: pd.DataFrame, cap: int, seed: int) -> pd.DataFrame:
    """At most ``cap`` rows of ``frame``, drawn without replacement with ``seed`` (all rows, in
    order, when there are no more than ``cap``)."""
    if len(frame) <= cap:
        return frame.reset_index(drop=True)
    return frame.sample(n=cap, random_state=seed).reset_index(drop=True)


def _method_ids() -> dict[str, str]:
    """Evidently stattest display name → id (the resolved method of an auto-chosen column is
    reported by its display name)."""
    try:
        from evidently.legacy.calculations.stattests import registry

        tests: dict[str, dict[Any, Any]] = registry._registered_stat_tests
        return {t.display_name: t.name for by_type in tests.values() for t in by_type.values()}
    except (ImportError, AttributeError):
        return {}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def run_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[str],
    *,
    method: str | None,
    threshold: float | None,
    drift_share: float,
) -> DriftResult:
    """Evidently's DataDriftPreset on ``columns``; per-column scores and verdicts, the drifting
    share and the dataset verdict (share >= drift_share, Evidently's own rule)."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    preset = DataDriftPreset(columns=columns, method=method, threshold=threshold, drift_share=drift_share)
    snapshot = Report([preset], include_tests=True).run(
        current_data=current[columns], reference_data=reference[columns]
    )
    doc = snapshot.dict()
    drifted_by_metric = {
        t["metric_config"]["metric_id"]: t["status"] == "FAIL" for t in doc["tests"] if t.get("id") == "drift"
    }
    ids = _method_ids()
    results: list[ColumnDrift] = []
    share: float | None = None
    for m in doc["metrics"]:
        config = m["config"]
        if config["type"].endswith(":ValueDrift"):
            name = str(config["method"])
            results.append(
                ColumnDrift(
                    column=str(config["column"]),
                    method=name if name in ids.values() else ids.get(name, _slug(name)),
                    threshold=float(config["threshold"]),
                    score=float(m["value"]),
                    drifted=drifted_by_metric.get(m["id"], False),
                )
            )
        elif config["type"].endswith(":DriftedColumnsCount"):
            share = float(m["value"]["share"])
    if share is None:
        raise JobError("Evidently's report has no DriftedColumnsCount result")
    return DriftResult(
        columns=results,
        share=share,
        detected=share >= drift_share,
        report_json=json.dumps(doc, default=str, sort_keys=True),
        report_html=snapshot.get_html_str(as_iframe=False),
    )


def samples(model: str, version: str, result: DriftResult, now: float) -> list[pushgateway.Sample]:
    """The gauges of one run, as the contract names them."""
    key = {"model": model, "version": version}
    return [
        *(
            pushgateway.Sample(
                "mlops_model_drift_score",
                {**key, "feature": c.column, "method": c.method},
                max(c.score, 0.0),
            )
            for c in result.columns
        ),
        pushgateway.Sample("mlops_model_drift_share", dict(key), result.share),
        pushgateway.Sample("mlops_model_drift_detected", dict(key), 1.0 if result.detected else 0.0),
        pushgateway.Sample("mlops_model_drift_last_success_timestamp_seconds", dict(key), now),
    ]


def reference_uri(prefix: str, version: str) -> str:
    """Where version ``version``'s training set is: ``<prefix>/<version>/`` (what the training run
    writes; examples/recommender/recommender/train.py)."""
    return f"{prefix.rstrip('/')}/{version}/"


def served_version(s: Settings, model: str) -> tuple[str, str]:
    """The served version and where it came from: the production alias in MLflow, else
    ``--model-version``. Neither is a ConfigError naming ``--model-version``."""
    tracking_uri = s.optional("tracking_uri")
    if tracking_uri:
        alias = s.required("production_alias")
        version = production_version(tracking_uri, model, alias)
        if version is not None:
            return version, f"alias {alias}"
        fallback = s.optional("model_version")
        if fallback is None:
            raise ConfigError(
                s.label("model_version"), f"required: model {model} has no alias {alias} in MLflow"
            )
        return fallback, s.label("model_version")
    return s.required("model_version"), s.label("model_version")


def main(argv: Sequence[str] | None = None) -> None:
    run(PROG, lambda: drift(argv))


def drift(argv: Sequence[str] | None = None) -> int:
    s = parse(PROG, __doc__ or "", OPTIONS, argv)
    model = s.required("model")
    window = s.duration_seconds("window")
    threshold = s.optional_number("threshold", minimum=0)
    drift_share = s.number("drift_share", minimum=0, maximum=1)
    cap = s.whole("sample_cap", minimum=1)
    seed = s.whole("sample_seed", minimum=0)
    min_rows = s.whole("min_rows", minimum=1)
    method = s.optional("method")
    if method is not None:
        from evidently.legacy.calculations.stattests import registry

        known = sorted(registry._registered_stat_tests)
        if method not in known:
            raise ConfigError(
                s.label("method"), f'"{method}" is not an Evidently drift method ({", ".join(known)})'
            )
    report_prefix = s.required("report_prefix").rstrip("/")
    now = time.time()
    timestamp_column = s.optional("timestamp_column")

    version, version_from = served_version(s, model)
    reference_at = reference_uri(s.required("reference"), version)
    reference = storage.read_parquet(reference_at, s.label("reference"))
    current = storage.read_parquet(
        s.required("current"), s.label("current"), since=None if timestamp_column else now - window
    )
    if timestamp_column:
        if timestamp_column not in current.columns:
            raise ConfigError(
                s.label("timestamp_column"), f'"{timestamp_column}" is not a column of the payload logs'
            )
        stamps = pd.to_datetime(current[timestamp_column], utc=True)
        current = current[stamps >= pd.Timestamp(now - window, unit="s", tz="UTC")]
    wanted = s.labels("columns")
    common = [c for c in reference.columns if c in current.columns and c != timestamp_column]
    columns = wanted or common
    missing = {
        side: [c for c in columns if c not in frame.columns]
        for side, frame in (("reference", reference), ("current", current))
    }
    if any(missing.values()):
        where = "; ".join(
            f"not in the {side} data: {', '.join(cols)}" for side, cols in missing.items() if cols
        )
        raise ConfigError(s.label("columns"), where)
    if not columns:
        raise ConfigError(s.label("columns"), "the reference and current data have no column in common")
    if len(current) < min_rows:
        raise JobError(
            f"{len(current)} payload rows in the window, {min_rows} needed ({s.label('min_rows')})"
        )

    reference_sample = sample(reference, cap, seed)
    current_sample = sample(current, cap, seed)
    try:
        result = run_drift(
            reference_sample,
            current_sample,
            columns,
            method=method,
            threshold=threshold,
            drift_share=drift_share,
        )
    except ValueError as e:  # e.g. a method not applicable to a column's type
        if method is not None and "isn't applicable" in str(e):
            raise ConfigError(s.label("method"), str(e)) from None
        raise

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    base = f"{report_prefix}/{model}/{version}/{stamp}"
    storage.write_bytes(f"{base}/report.html", s.label("report_prefix"), result.report_html.encode("utf-8"))
    storage.write_bytes(f"{base}/report.json", s.label("report_prefix"), result.report_json.encode("utf-8"))
    summary: dict[str, object] = {
        "model": model,
        "version": version,
        "versionFrom": version_from,
        "reference": reference_at,
        "detected": result.detected,
        "share": result.share,
        "driftShareThreshold": drift_share,
        "columns": [c.__dict__ for c in result.columns],
        "rows": {"reference": len(reference), "current": len(current)},
        "sampled": {
            "reference": len(reference_sample),
            "current": len(current_sample),
            "cap": cap,
            "seed": seed,
        },
        "report": {"html": f"{base}/report.html", "json": f"{base}/report.json"},
    }
    pushgateway_url = s.optional("pushgateway_url")
    if pushgateway_url:
        summary["pushedTo"] = pushgateway.push(
            pushgateway_url, "modelDrift", {"model": model}, samples(model, version, result, now)
        )
    write_decision(s.optional("summary_file"), summary)
    return 0


if __name__ == "__main__":
    main()
