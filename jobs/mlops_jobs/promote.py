"""The canary decision: the canary's live error rate and latency over a window, from the
Prometheus HTTP API, against the SLO. ``rollback`` when either breaks the SLO, ``promote`` when both
hold and the canary served at least the minimum number of requests in the window, ``hold`` when
there is not enough traffic (or no data) to tell. The decision is printed as JSON (and written to
``--decision-file``), logged as tags on the canary's MLflow model version, and pushed as
``mlops_model_rollout_decision``; applying it to the InferenceService is the caller's job.
Exit code 0 for any decision (2 bad settings, 1 failure).

Queries are PromQL templates with ``{selector}`` (the canary's label matchers, themselves a
template of ``{model}``, ``{version}``, ``{namespace}``) and ``{window}``. The defaults read the
metrics the monitoring component's SLO rules read: MLServer's ``model_infer_request_success`` /
``_failure`` counters and KServe's ``request_predict_seconds`` histogram.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from . import pushgateway
from .config import ConfigError, JobError, Option, parse, run, write_decision

PROG = "mlops-promote"

DEFAULT_SELECTOR = 'namespace="{namespace}",model_name="{model}",model_version="{version}"'
DEFAULT_REQUESTS_QUERY = (
    "sum(increase(model_infer_request_success_total{{{selector}}}[{window}]))"
    " + sum(increase(model_infer_request_failure_total{{{selector}}}[{window}]))"
)
DEFAULT_ERROR_RATE_QUERY = (
    "sum(rate(model_infer_request_failure_total{{{selector}}}[{window}]))"
    " / (sum(rate(model_infer_request_success_total{{{selector}}}[{window}]))"
    " + sum(rate(model_infer_request_failure_total{{{selector}}}[{window}])))"
)
DEFAULT_LATENCY_QUERY = (
    "histogram_quantile({quantile},"
    " sum by (le) (rate(request_predict_seconds_bucket{{{selector}}}[{window}])))"
)

OPTIONS = [
    Option("--prometheus-url", "MLOPS_PROMETHEUS_URL", "Prometheus base URL (HTTP API)", required=True),
    Option("--model", "MLOPS_MODEL", "model name (MLflow registered model and serving model)", required=True),
    Option("--canary-version", "MLOPS_CANARY_VERSION", "the canary's model version", required=True),
    Option("--namespace", "MLOPS_NAMESPACE", "namespace of the InferenceService", default=""),
    Option("--window", "MLOPS_WINDOW", "how long the canary must have met the SLO, e.g. 30m", default="30m"),
    Option("--max-error-rate", "MLOPS_MAX_ERROR_RATE", "highest error ratio the SLO allows", default="0.005"),
    Option("--max-latency-seconds", "MLOPS_MAX_LATENCY_SECONDS", "latency SLO at the quantile", default="1"),
    Option("--latency-quantile", "MLOPS_LATENCY_QUANTILE", "quantile of the latency SLO", default="0.99"),
    Option("--min-requests", "MLOPS_MIN_REQUESTS", "requests in the window needed to decide", default="100"),
    Option(
        "--selector",
        "MLOPS_CANARY_SELECTOR",
        "label matchers of the canary's series",
        default=DEFAULT_SELECTOR,
    ),
    Option(
        "--requests-query",
        "MLOPS_REQUESTS_QUERY",
        "PromQL: requests in the window",
        default=DEFAULT_REQUESTS_QUERY,
    ),
    Option(
        "--error-rate-query",
        "MLOPS_ERROR_RATE_QUERY",
        "PromQL: error ratio",
        default=DEFAULT_ERROR_RATE_QUERY,
    ),
    Option(
        "--latency-query",
        "MLOPS_LATENCY_QUERY",
        "PromQL: latency at the quantile",
        default=DEFAULT_LATENCY_QUERY,
    ),
    Option("--tracking-uri", "MLFLOW_TRACKING_URI", "MLflow tracking server (unset: no tags)"),
    Option("--pushgateway-url", "MLOPS_PUSHGATEWAY_URL", "Pushgateway base URL (unset: no push)"),
    Option("--decision-file", "MLOPS_DECISION_FILE", "also write the JSON decision to this file"),
]


def _template(label: str, template: str, **values: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as e:
        raise ConfigError(
            label, f"bad template ({e!r}); placeholders are {', '.join('{' + k + '}' for k in values)}"
        ) from None


def promql_string(value: str) -> str:
    """``value`` escaped for a double-quoted PromQL label value (a model name cannot end the
    string and add matchers)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def query_scalar(base_url: str, promql: str, timeout: float = 10.0) -> float | None:
    """The single value of an instant query; None when the result is empty or NaN (no traffic)."""
    url = f"{base_url.rstrip('/')}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as e:
        try:
            error = json.load(e).get("error", "")
        except ValueError:
            error = ""
        raise JobError(f"Prometheus rejected the query {promql!r}: HTTP {e.code} {error}".rstrip()) from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise JobError(f"cannot query Prometheus at {base_url}: {getattr(e, 'reason', e)}") from None
    if body.get("status") != "success":
        raise JobError(f"Prometheus query {promql!r} failed: {body.get('error', body)}")
    data = body.get("data", {})
    result = data.get("result")
    if data.get("resultType") == "scalar":
        values = [result]
    elif data.get("resultType") == "vector":
        values = [r["value"] for r in result]
    else:
        raise JobError(f"Prometheus query {promql!r} returned a {data.get('resultType')}, not a vector")
    if not values:
        return None
    if len(values) > 1:
        raise JobError(f"Prometheus query {promql!r} returned {len(values)} series; aggregate it to one")
    value = float(values[0][1])
    return None if math.isnan(value) else value


def decide(
    requests: float | None,
    error_rate: float | None,
    latency: float | None,
    *,
    min_requests: int,
    max_error_rate: float,
    max_latency: float,
) -> tuple[str, list[str]]:
    """``promote``, ``hold`` or ``rollback`` and the reasons (a breach wins over too little traffic:
    a canary failing its first requests is rolled back, not held)."""
    breaches = []
    if error_rate is not None and error_rate > max_error_rate:
        breaches.append(f"error rate {error_rate:.6g} > {max_error_rate:g}")
    if latency is not None and not math.isinf(latency) and latency > max_latency:
        breaches.append(f"latency {latency:.6g}s > {max_latency:g}s")
    if latency is not None and math.isinf(latency):
        breaches.append("latency above the histogram's highest bucket")
    if breaches:
        return "rollback", breaches
    if requests is None or requests < min_requests:
        seen = "no requests" if requests is None else f"{requests:.0f} requests"
        return "hold", [f"{seen} in the window, {min_requests} needed"]
    missing = [name for name, v in (("error rate", error_rate), ("latency", latency)) if v is None]
    if missing:
        return "hold", [f"no {' or '.join(missing)} data for the canary"]
    return "promote", [
        f"error rate {error_rate:.6g} <= {max_error_rate:g}",
        f"latency {latency:.6g}s <= {max_latency:g}s",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    run(PROG, lambda: promote(argv))


def promote(argv: Sequence[str] | None = None) -> int:
    s = parse(PROG, __doc__ or "", OPTIONS, argv)
    model, version = s.required("model"), s.required("canary_version")
    window = s.required("window")
    s.duration_seconds("window")
    max_error_rate = s.number("max_error_rate", minimum=0, maximum=1)
    max_latency = s.number("max_latency_seconds", minimum=0)
    quantile = s.number("latency_quantile", minimum=0, maximum=1)
    min_requests = s.whole("min_requests", minimum=1)
    selector = _template(
        s.label("selector"),
        s.required("selector"),
        model=promql_string(model),
        version=promql_string(version),
        namespace=promql_string(s.raw("namespace") or ""),
    )
    queries = {
        key: _template(
            s.label(key), s.required(key), selector=selector, window=window, quantile=f"{quantile:g}"
        )
        for key in ("requests_query", "error_rate_query", "latency_query")
    }
    base = s.required("prometheus_url")
    requests = query_scalar(base, queries["requests_query"])
    error_rate = query_scalar(base, queries["error_rate_query"])
    latency = query_scalar(base, queries["latency_query"])
    decision, reasons = decide(
        requests,
        error_rate,
        latency,
        min_requests=min_requests,
        max_error_rate=max_error_rate,
        max_latency=max_latency,
    )
    result: dict[str, object] = {
        "model": model,
        "version": version,
        "decision": decision,
        "reasons": reasons,
        "window": window,
        "requests": requests,
        "errorRate": error_rate,
        "latencySeconds": None if latency is None or math.isinf(latency) else latency,
        "latencyQuantile": quantile,
        "maxErrorRate": max_error_rate,
        "maxLatencySeconds": max_latency,
        "queries": queries,
    }
    tracking_uri = s.raw("tracking_uri")
    if tracking_uri:
        from .mlflow_tags import tag_model_version

        tag_model_version(
            tracking_uri,
            model,
            version,
            {
                "mlops.rollout.decision": decision,
                "mlops.rollout.reasons": "; ".join(reasons),
                "mlops.rollout.window": window,
                "mlops.rollout.decided_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            },
        )
    pushgateway_url = s.raw("pushgateway_url")
    if pushgateway_url:
        sample = pushgateway.Sample(
            "mlops_model_rollout_decision", {"model": model, "version": version, "decision": decision}, 1.0
        )
        result["pushedTo"] = pushgateway.push(pushgateway_url, "modelRollout", {"model": model}, [sample])
    write_decision(s.raw("decision_file"), result)
    return 0


if __name__ == "__main__":
    main()
