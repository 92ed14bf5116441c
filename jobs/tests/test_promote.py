"""The canary decision against a Prometheus HTTP API on loopback (a tiny server answering the
job's three instant queries with what a real Prometheus returns): promote within the SLO, roll
back on a breach, hold without enough traffic; the decision is JSON, a pushed state-set gauge and
tags on the canary's MLflow version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mlops_jobs import promote
from tests.conftest import Pushgateway

JOBS = Path(__file__).resolve().parents[1]


class FakePrometheus:
    """Answers /api/v1/query: the first registered fragment found in the query picks the value
    (None: an empty vector, as for a canary without traffic; "bad": a 400 as for bad PromQL)."""

    def __init__(self) -> None:
        self.values: dict[str, str | None] = {}
        self.queries: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query).get("query", [""])[0]
                fake.queries.append(query)
                if url.path != "/api/v1/query":
                    self.send_response(404)
                    self.end_headers()
                    return
                value = next((v for k, v in fake.values.items() if k in query), None)
                if value == "bad":
                    body: dict[str, Any] = {
                        "status": "error",
                        "errorType": "bad_data",
                        "error": "parse error",
                    }
                    status = 400
                else:
                    result = [] if value is None else [{"metric": {}, "value": [1796000000.0, value]}]
                    body = {"status": "success", "data": {"resultType": "vector", "result": result}}
                    status = 200
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def set(self, requests: str | None, error_rate: str | None, latency: str | None) -> None:
        self.values = {"increase(": requests, "rate(model_infer": error_rate, "histogram_quantile": latency}


@pytest.fixture
def prometheus() -> Iterator[FakePrometheus]:
    fake = FakePrometheus()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()


def base_args(prometheus: FakePrometheus, *extra: str) -> list[str]:
    return [
        f"--prometheus-url={prometheus.base}",
        "--model=recommender",
        "--canary-version=4",
        "--namespace=shop",
        *extra,
    ]


@pytest.mark.parametrize(
    ("requests", "error_rate", "latency", "decision", "reasons"),
    [
        ("5000", "0.001", "0.2", "promote", ["error rate 0.001 <= 0.005", "latency 0.2s <= 1s"]),
        ("5000", "0.02", "0.2", "rollback", ["error rate 0.02 > 0.005"]),
        ("5000", "0.001", "2.5", "rollback", ["latency 2.5s > 1s"]),
        ("5000", "0.001", "+Inf", "rollback", ["latency above the histogram's highest bucket"]),
        ("40", "0.5", "0.2", "rollback", ["error rate 0.5 > 0.005"]),
        ("40", "0", "0.2", "hold", ["40 requests in the window, 100 needed"]),
        (None, None, None, "hold", ["no requests in the window, 100 needed"]),
        ("5000", "0", None, "hold", ["no latency data for the canary"]),
        ("5000", "NaN", "0.1", "hold", ["no error rate data for the canary"]),
    ],
)
def test_decides_from_the_live_error_rate_and_latency(
    prometheus: FakePrometheus,
    capsys: pytest.CaptureFixture[str],
    requests: str | None,
    error_rate: str | None,
    latency: str | None,
    decision: str,
    reasons: list[str],
) -> None:
    prometheus.set(requests, error_rate, latency)
    assert promote.promote(base_args(prometheus)) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["decision"], out["reasons"]) == (decision, reasons)


def test_queries_select_the_canary_over_the_window(
    prometheus: FakePrometheus, capsys: pytest.CaptureFixture[str]
) -> None:
    prometheus.set("5000", "0", "0.1")
    promote.promote(base_args(prometheus, "--window=1h", "--latency-quantile=0.95"))
    selector = 'namespace="shop",model_name="recommender",model_version="4"'
    assert prometheus.queries == [
        f"sum(increase(model_infer_request_success_total{{{selector}}}[1h]))"
        f" + sum(increase(model_infer_request_failure_total{{{selector}}}[1h]))",
        f"sum(rate(model_infer_request_failure_total{{{selector}}}[1h]))"
        f" / (sum(rate(model_infer_request_success_total{{{selector}}}[1h]))"
        f" + sum(rate(model_infer_request_failure_total{{{selector}}}[1h])))",
        f"histogram_quantile(0.95, sum by (le) (rate(request_predict_seconds_bucket{{{selector}}}[1h])))",
    ]
    assert json.loads(capsys.readouterr().out)["queries"]["latency_query"] == prometheus.queries[2]


def test_pushes_the_decision_and_tags_the_canary(
    prometheus: FakePrometheus, pushgateway: Pushgateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.tracking import MlflowClient

    uri = (tmp_path / "mlruns").as_uri()
    client = MlflowClient(uri, uri)
    client.create_registered_model("recommender")
    for _ in range(4):
        client.create_model_version("recommender", source=str(tmp_path))
    prometheus.set("5000", "0.02", "0.1")
    promote.promote(base_args(prometheus, f"--pushgateway-url={pushgateway.base}", f"--tracking-uri={uri}"))
    assert json.loads(capsys.readouterr().out)["decision"] == "rollback"
    prometheus.set("5000", "0.001", "0.1")
    promote.promote(base_args(prometheus, f"--pushgateway-url={pushgateway.base}", f"--tracking-uri={uri}"))
    # PUT per model: the rollback series is gone, only the last decision remains.
    assert pushgateway.series() == [
        'mlops_model_rollout_decision{decision="promote",instance="",job="model-rollout",model="recommender",version="4"} 1'
    ]
    version_tags = client.get_model_version("recommender", "4").tags
    assert version_tags["mlops.rollout.decision"] == "promote"
    assert version_tags["mlops.rollout.window"] == "30m"


def run_cli(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLOPS_", "MLFLOW_"))}
    return subprocess.run(
        [sys.executable, "-m", "mlops_jobs.promote", *argv],
        cwd=JOBS,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bad_settings_and_unreachable_prometheus_are_one_line(prometheus: FakePrometheus) -> None:
    cases = {
        "--window=half-an-hour": 'mlops-promote: configuration error: --window (MLOPS_WINDOW): "half-an-hour" is not a duration like 30m, 6h or 1d\n',
        "--max-error-rate=2": "mlops-promote: configuration error: --max-error-rate (MLOPS_MAX_ERROR_RATE): 2 must be 1 or less\n",
        "--min-requests=0": "mlops-promote: configuration error: --min-requests (MLOPS_MIN_REQUESTS): 0 must be 1 or more\n",
        "--selector={modell}": "mlops-promote: configuration error: --selector (MLOPS_CANARY_SELECTOR): bad template (KeyError('modell')); placeholders are {model}, {version}, {namespace}\n",
    }
    for flag, message in cases.items():
        result = run_cli([*base_args(prometheus), flag])
        assert (result.returncode, result.stderr, result.stdout) == (2, message, ""), flag
    missing = run_cli(["--model=m"])
    assert (missing.returncode, missing.stderr) == (
        2,
        "mlops-promote: configuration error: --prometheus-url (MLOPS_PROMETHEUS_URL): required, not set\n",
    )
    prometheus.set("bad", None, None)
    rejected = run_cli(base_args(prometheus))
    assert rejected.returncode == 1
    assert rejected.stderr.startswith("mlops-promote: error: Prometheus rejected the query 'sum(increase(")
    assert rejected.stderr.endswith(": HTTP 400 parse error\n")
    down = run_cli(["--prometheus-url=http://127.0.0.1:9", "--model=m", "--canary-version=1"])
    assert down.returncode == 1
    assert down.stderr.startswith("mlops-promote: error: cannot query Prometheus at http://127.0.0.1:9: ")


def test_label_values_are_escaped_in_the_selector(prometheus: FakePrometheus) -> None:
    prometheus.set("5000", "0", "0.1")
    promote.promote(
        [f"--prometheus-url={prometheus.base}", '--model=rec"}) or vector(1) #', "--canary-version=a\\b"]
    )
    assert prometheus.queries[0].startswith(
        'sum(increase(model_infer_request_success_total{namespace="",model_name="rec\\"}) or vector(1) #",model_version="a\\\\b"}[30m]))'
    )
