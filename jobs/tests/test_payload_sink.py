"""The payload sink as a real process: KServe logger events over HTTP in, Parquet read back out
(local directory and moto's S3 server), flushing by rows, by age and on SIGTERM, refusals, and
settings errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from mlops_jobs.payload_sink import PayloadError, request_columns, response_columns
from mlops_jobs.storage import read_parquet

from .conftest import free_port, wait_for

JOBS = Path(__file__).resolve().parent.parent
REQUEST = "org.kubeflow.serving.inference.request"
RESPONSE = "org.kubeflow.serving.inference.response"

V2_REQUEST = {
    "inputs": [
        {"name": "age", "shape": [2], "datatype": "INT64", "data": [31, 47]},
        {"name": "income", "shape": [2, 1], "datatype": "FP64", "data": [[52000.5], [61000.0]]},
        {"name": "embedding", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]},
    ]
}
V2_RESPONSE = {
    "model_name": "recommender",
    "outputs": [{"name": "predict", "shape": [2], "datatype": "FP64", "data": [0.25, 0.75]}],
}


class Sink:
    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process = process
        self.base = base

    def post(
        self,
        kind: str,
        event_id: str,
        body: Any,
        path: str = "/models/recommender/versions/3",
        **headers: str,
    ) -> tuple[int, str]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=data, method="POST")
        for key, value in {
            "Content-Type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": event_id,
            "ce-type": kind,
            "ce-source": "http://localhost:9081/",
            "ce-inferenceservicename": "recommender",
            "ce-namespace": "serving",
            "ce-component": "predictor",
            "ce-endpoint": "default",
            **headers,
        }.items():
            if value:
                request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    processes: list[subprocess.Popen[str]] = []

    def _start(prefix: str, *args: str, env: dict[str, str] | None = None) -> Sink:
        port = free_port()
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mlops_jobs.payload_sink", "--prefix", prefix),
                *("--host", "127.0.0.1", "--port", str(port), *args),
            ],
            cwd=JOBS,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        wait_for(f"http://127.0.0.1:{port}/healthz")
        return Sink(process, f"http://127.0.0.1:{port}")

    yield _start
    for p in processes:
        if p.poll() is None:
            p.kill()
            p.wait()


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def test_flattens_v2_tensors_by_name_and_position() -> None:
    assert request_columns(V2_REQUEST) == (
        2,
        {
            "age": [31, 47],
            "income": [52000.5, 61000.0],
            "embedding_0": [1, 4],
            "embedding_1": [2, 5],
            "embedding_2": [3, 6],
        },
    )
    assert response_columns(V2_RESPONSE) == (2, {"prediction_predict": [0.25, 0.75]})


def test_flattens_v1_instances_and_predictions() -> None:
    assert request_columns({"instances": [[1.0, 2.0], [3.0, 4.0]]}) == (
        2,
        {"feature_0": [1.0, 3.0], "feature_1": [2.0, 4.0]},
    )
    assert request_columns({"instances": [{"a": 1, "b": "x"}, {"a": 2}]}) == (
        2,
        {"a": [1, 2], "b": ["x", None]},
    )
    assert response_columns({"predictions": [1, 0]}) == (2, {"prediction": [1, 0]})
    assert response_columns({"predictions": [[0.1, 0.9], [0.8, 0.2]]}) == (
        2,
        {"prediction_0": [0.1, 0.8], "prediction_1": [0.9, 0.2]},
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"foo": 1}, "request: neither v2 inputs nor v1 instances"),
        ({"inputs": []}, "inputs: expected a non-empty list of tensors"),
        (
            {"inputs": [{"name": "a", "shape": [2, 2], "data": [1, 2, 3]}]},
            "inputs[0] (a): 3 values do not fill shape [2, 2]",
        ),
        (
            {
                "inputs": [
                    {"name": "a", "shape": [2], "data": [1, 2]},
                    {"name": "b", "shape": [1], "data": [1]},
                ]
            },
            "inputs[1] (b): 1 rows, the others have 2",
        ),
    ],
)
def test_refuses_unreadable_requests(body: Any, message: str) -> None:
    with pytest.raises(PayloadError) as e:
        request_columns(body)
    assert str(e.value) == message


def test_pairs_request_and_response_and_writes_on_sigterm(start: Any, tmp_path: Path) -> None:
    out = tmp_path / "logs"
    sink = start(str(out))
    # The response may arrive first: the pair is matched by ce-id either way.
    assert sink.post(RESPONSE, "req-1", V2_RESPONSE) == (202, "accepted\n")
    assert sink.post(REQUEST, "req-1", V2_REQUEST) == (202, "accepted\n")
    assert parquet_files(out) == []  # below --flush-rows and --flush-interval: still buffered
    code, stdout, stderr = sink.stop()
    assert code == 0, stderr
    assert json.loads(stdout) == {"dropped_responses": 0, "files": 1, "write_errors": 0}
    [path] = parquet_files(out)
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert path.parent == out / "recommender" / "3" / f"date={day}"
    assert path.name.startswith("part-")
    table = pq.read_table(path)
    assert table.column_names == [
        "age",
        "income",
        "embedding_0",
        "embedding_1",
        "embedding_2",
        "prediction_predict",
        "timestamp",
        "request_id",
        "model",
        "version",
        "endpoint",
    ]
    rows = table.to_pylist()
    assert [(r["age"], r["income"], r["embedding_2"], r["prediction_predict"]) for r in rows] == [
        (31, 52000.5, 3, 0.25),
        (47, 61000.0, 6, 0.75),
    ]
    assert {(r["request_id"], r["model"], r["version"], r["endpoint"]) for r in rows} == {
        ("req-1", "recommender", "3", "default")
    }
    assert str(table.schema.field("timestamp").type) == "timestamp[us, tz=UTC]"
    # The drift job reads the model version's prefix as its current data.
    frame = read_parquet(str(out / "recommender" / "3"), "--current")
    assert list(frame["age"]) == [31, 47]


def test_writes_to_s3_by_row_count_and_unpaired_requests_after_the_timeout(start: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="payload-logs")
    env = {k: os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "MLOPS_S3_ENDPOINT_URL")}
    env["AWS_REGION"] = "us-east-1"
    sink = start("s3://payload-logs/serving", "--flush-rows", "3", "--pending-timeout", "1s", env=env)
    v1 = {"instances": [[1.5, 2.5], [3.5, 4.5], [5.5, 6.5]]}
    assert sink.post(REQUEST, "a", v1, path="/models/churn/versions/7")[0] == 202
    # No response: after --pending-timeout the rows go without predictions; 3 rows reach --flush-rows.
    deadline = time.monotonic() + 15
    keys: list[str] = []
    while time.monotonic() < deadline and not keys:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="payload-logs").get("Contents", [])]
        time.sleep(0.2)
    [key] = keys
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert key.startswith(f"serving/churn/7/date={day}/part-") and key.endswith(".parquet")
    body = s3.get_object(Bucket="payload-logs", Key=key)["Body"].read()
    local = Path(os.environ.get("TMPDIR", "/tmp")) / f"sink-{os.getpid()}.parquet"
    local.write_bytes(body)
    try:
        table = pq.read_table(local)
    finally:
        local.unlink()
    assert table.column_names == [
        "feature_0",
        "feature_1",
        "timestamp",
        "request_id",
        "model",
        "version",
        "endpoint",
    ]
    assert table.column("feature_1").to_pylist() == [2.5, 4.5, 6.5]
    code, stdout, stderr = sink.stop()
    assert code == 0, stderr
    assert json.loads(stdout)["files"] == 1


def test_flushes_by_age(start: Any, tmp_path: Path) -> None:
    out = tmp_path / "logs"
    sink = start(str(out), "--flush-interval", "1s")
    assert sink.post(REQUEST, "r", {"instances": [{"x": 1}]})[0] == 202
    assert sink.post(RESPONSE, "r", {"predictions": [0]})[0] == 202
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not parquet_files(out):
        time.sleep(0.2)
    [path] = parquet_files(out)
    assert pq.read_table(path).select(["x", "prediction"]).to_pylist() == [{"x": 1, "prediction": 0}]
    assert sink.stop()[0] == 0


def test_refuses_what_it_cannot_hold_or_read(start: Any, tmp_path: Path) -> None:
    sink = start(str(tmp_path / "logs"), "--max-buffer-rows", "2", "--max-body-bytes", "400")
    with urllib.request.urlopen(f"{sink.base}/healthz", timeout=5) as r:
        assert (r.status, r.read()) == (200, b"ok\n")
    assert sink.post(REQUEST, "1", {"instances": [[1], [2]]}) == (202, "accepted\n")
    assert sink.post(REQUEST, "2", {"instances": [[3]]}) == (
        503,
        "buffer full: 2 rows buffered, at most 2\n",
    )
    assert sink.post(REQUEST, "3", {"instances": [[0] * 200]}) == (413, "body over 400 bytes\n")
    assert sink.post("dev.knative.other", "4", {"instances": [[1]]}) == (
        400,
        'ce-type "dev.knative.other" is not an inference request or response\n',
    )
    assert sink.post(REQUEST, "", {"instances": [[1]]}) == (400, "ce-id is missing\n")
    assert sink.post(REQUEST, "5", b"{not json")[0] == 400
    assert sink.post(REQUEST, "6", {"inputs": [{"name": "a", "shape": [2], "data": [1]}]}) == (
        400,
        "cannot read the event: inputs[0] (a): 1 values do not fill shape [2]\n",
    )
    # A response posted without the route still pairs with its request, whose route names the version.
    assert sink.post(RESPONSE, "1", {"predictions": [1, 0]}, path="/") == (202, "accepted\n")
    code, _, _ = sink.stop()
    assert code == 0
    [path] = parquet_files(tmp_path / "logs")
    assert path.parts[-4:-2] == ("recommender", "3")  # the request's route decides


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "--prefix (MLOPS_SINK_PREFIX): required, not set"),
        (
            ["--prefix", "ftp://x/y"],
            {},
            '--prefix (MLOPS_SINK_PREFIX): "ftp://x/y" is not an s3://, gs:// or local path',
        ),
        (["--prefix", "s3:///logs"], {}, '--prefix (MLOPS_SINK_PREFIX): "s3:///logs" names no bucket'),
        (
            ["--prefix", "/tmp/x"],
            {"MLOPS_SINK_FLUSH_INTERVAL": "soon"},
            '--flush-interval (MLOPS_SINK_FLUSH_INTERVAL): "soon" is not a duration like 30m, 6h or 1d',
        ),
        (
            ["--prefix", "/tmp/x", "--max-buffer-rows", "0"],
            {},
            "--max-buffer-rows (MLOPS_SINK_MAX_BUFFER_ROWS): 0 must be 1 or more",
        ),
        (
            ["--prefix", "/tmp/x", "--port", "70000"],
            {},
            "--port (MLOPS_SINK_PORT): 70000 must be 65535 or less",
        ),
        (
            ["--prefix", "s3://b/p"],
            {"MLOPS_S3_ENDPOINT_URL": "minio:9000"},
            'MLOPS_S3_ENDPOINT_URL: "minio:9000" is not an http(s) URL',
        ),
    ],
)
def test_bad_settings_exit_2_naming_the_setting(args: list[str], env: dict[str, str], message: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    result = subprocess.run(
        [sys.executable, "-m", "mlops_jobs.payload_sink", *args],
        check=False,
        cwd=JOBS,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"mlops-payload-sink: configuration error: {message}\n"
