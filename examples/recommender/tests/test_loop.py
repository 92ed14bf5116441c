"""The closed loop, run for real on loopback (issue 12; `npm run test:loop`, docs/loop-test.md).

Services: PostgreSQL (MLflow's backend store and Feast's SQL registry), Redis (Feast's online
store), moto's S3 server (MLflow's artifacts, payload logs, reference and hold-out data, drift
reports), a real MLflow server, the payload sink, Prometheus + Pushgateway + Alertmanager and a
webhook receiver standing in for Argo Events' EventSource (it checks the bearer token). Every
configuration they load is rendered by the components (`npm run -s loop:render`,
bin/render-loop.ts): MLflow's flags and migration, `feature_store.yaml`, the rule files,
`alertmanager.yml` with the loop's route and receiver, and the commands and environments of the
loop's steps from the rendered CronJob, Job and WorkflowTemplate, run here as Argo would run them
(`{{...}}` parameters filled in, the pod's `/tmp` a directory per step). Where Kubernetes is needed
(Argo's scheduling, Kueue's admission, the InferenceService patches) the test stops: those objects
are schema-checked by test/retraining-loop.

Flow: generate the shop, `feast apply` + materialise, train and register v1 (production), serve
it (online features from Redis, predictions in process, the KServe logger's CloudEvents to the
real payload sink); undrifted traffic -> the drift job finds nothing and nothing fires; drifted
traffic -> the drift gauge rises, `ModelDrift` fires and reaches the webhook; the retraining steps
train, register and gate v2 (promoted: better on the drifted hold-out; the `production` step moves
the MLflow alias), then a worse candidate v3 (rejected). Each training run writes its training set
to `reference/<model>/<version>/`; the drift job judges the version under the `production` alias
against its own set: v1's, then v2's once v2 is promoted, and still v2's after v3 is rejected.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from recommender.data import FEATURES, feature_rows, generate, write_feature_tables, write_parquet

from .services import (
    Daemon,
    Webhook,
    duckdb_httpfs,
    free_port,
    get_json,
    http_ok,
    need,
    postgres,
    redis,
    s3_server,
    start_daemon,
    wait_until,
)

pytestmark = pytest.mark.loop

EXAMPLE = Path(__file__).resolve().parents[1]
REPO = EXAMPLE.parents[1]
#: The pod's scratch directory in a rendered value (a path component, not a longer name).
POD_TMP = re.compile(r"(?<![\w.-])/tmp(?=/|$)")
JOBS = REPO / "jobs"
MODEL = "recommender"
BUCKET = "loop"
#: The jobs' interpreter (jobs/requirements-dev.lock's venv, as `npm run test:python` builds it).
JOBS_PYTHON = os.environ.get("LOOP_JOBS_PYTHON", str(REPO / ".tmp" / "jobs-venv" / "bin" / "python"))
#: Rows of traffic per phase (the drift job needs at least the rendered MLOPS_MIN_ROWS, 100).
TRAFFIC_ROWS = 400
#: The drift rule's `for` and Alertmanager's group_wait (the components' own args), short here.
DRIFT_FOR = "5s"

STEP_TIMEOUT = 300
#: moto accepts any keys; the jobs and MLflow find these through the AWS SDK chain.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def log(message: str) -> None:
    print(f"[loop {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Loop:
    work: Path
    rendered: dict[str, Any]
    """loop.json: the steps' commands and environments."""
    env: dict[str, str]
    """What every process gets: the S3 endpoint and dummy keys (the pods' identity)."""
    feast_env: dict[str, str]
    s3: str
    mlflow: str
    prometheus: str
    pushgateway: str
    sink: str
    webhook: Webhook
    offline_root: str
    feature_store_yaml: Path

    # -- running the rendered steps --------------------------------------------------------------

    def run_step(
        self, step: str, python: str, params: dict[str, str], extra_env: dict[str, str] | None = None
    ) -> tuple[subprocess.CompletedProcess[str], Path]:
        """Runs a rendered step as its pod would: the command with `python` this venv's, `{{...}}`
        parameters filled in, and the pod's `/tmp` (emptyDir) a directory of its own."""
        rendered = self.rendered[step]
        tmp = self.work / "steps" / f"{step}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)

        def fill(value: str) -> str:
            for key, v in params.items():
                value = value.replace("{{" + key + "}}", v)
            assert "{{" not in value, f"{step}: unfilled parameter in {value!r}"
            # Only the pod's own `/tmp` moves; the test's paths stay (the checkout itself may be
            # under /tmp, e.g. a clone in /tmp/ci).
            parts = value.split(str(REPO))
            return str(REPO).join(POD_TMP.sub(lambda _m: str(tmp), part) for part in parts)

        command = [fill(c) for c in rendered["command"]]
        assert command[0] == "python", command
        command[0] = python
        env = {**self.env, **{k: fill(v) for k, v in rendered["env"].items()}, **(extra_env or {})}
        cwd = JOBS if python == JOBS_PYTHON else EXAMPLE
        env["PYTHONPATH"] = str(cwd)
        if "FEAST_FS_YAML_FILE" in env:
            # Feast reads the offline store with DuckDB, which looks for httpfs in the pod's HOME
            # (its `/tmp` here) and, in a cluster, downloads it there on the first s3:// read.
            duckdb_httpfs(Path(env["HOME"]))
        started = time.monotonic()
        result = subprocess.run(
            command, check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=STEP_TIMEOUT
        )
        log(
            f"{step} exit {result.returncode} in {time.monotonic() - started:.1f}s: {result.stdout.strip()[-300:]}"
        )
        return result, tmp

    def train(self, workflow_uid: str) -> str:
        """The retraining Job's container, then the register step; returns the registered version
        (its training set written to its own reference path)."""
        result, _ = self.run_step(
            "train",
            sys.executable,
            {"workflow.uid": workflow_uid},
            {**self.feast_env, "FEAST_FS_YAML_FILE": str(self.feature_store_yaml)},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        registered, tmp = self.run_step("register", JOBS_PYTHON, {"workflow.uid": workflow_uid})
        assert registered.returncode == 0, registered.stderr[-3000:]
        version = (tmp / "version").read_text()
        trained = json.loads(result.stdout.strip().splitlines()[-1])
        assert trained["version"] == version
        assert trained["reference"] == self.reference_of(version) + "train.parquet"
        return version

    def evaluate(self, version: str) -> tuple[int, dict[str, Any]]:
        result, tmp = self.run_step("evaluate", JOBS_PYTHON, {"inputs.parameters.version": version})
        assert result.returncode in (0, 3), result.stderr[-3000:]
        return result.returncode, json.loads((tmp / "decision.json").read_text())

    def reference_of(self, version: str) -> str:
        """The URI of a version's reference data, as the training run writes it."""
        return f"s3://{BUCKET}/reference/{MODEL}/{version}/"

    def object_bytes(self, uri: str) -> bytes:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        body: bytes = self._s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def drift(self) -> dict[str, Any]:
        result, _ = self.run_step("drift", JOBS_PYTHON, {})
        assert result.returncode == 0, result.stderr[-3000:]
        summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return summary

    # -- serving ---------------------------------------------------------------------------------

    def serve(self, version: str, seed: int, rows: int = TRAFFIC_ROWS, batch: int = 20) -> None:
        """Predicts `rows` impressions with the model version, features from the online store, and
        sends each request and response to the payload sink as KServe's logger does."""
        import mlflow
        from feast import FeatureStore

        impressions = generate(seed=seed, impressions=rows).impressions
        store = FeatureStore(repo_path=str(EXAMPLE / "feature_repo"), fs_yaml_file=self.feature_store_yaml)
        online = store.get_online_features(
            features=store.get_feature_service("purchase_propensity"),
            entity_rows=[
                {"user_id": int(u), "product_id": int(p)}
                for u, p in zip(impressions["user_id"], impressions["product_id"], strict=True)
            ],
        ).to_df()[list(FEATURES)]
        assert online.notna().all().all(), "the online store has no features for some served entities"
        model = mlflow.pyfunc.load_model(f"models:/{MODEL}/{version}")
        scores = model.predict(online)
        for start in range(0, rows, batch):
            instances = online.iloc[start : start + batch]
            event = str(uuid.uuid4())
            request = {"instances": json.loads(instances.to_json(orient="records"))}
            response = {"predictions": [[float(x) for x in row] for row in scores[start : start + batch]]}
            for kind, body in (("request", request), ("response", response)):
                self._post_event(kind, event, version, body)
        wait_until(
            f"{rows} payload rows of version {version} in S3", lambda: self.payload_rows(version) >= rows, 60
        )

    def _post_event(self, kind: str, event: str, version: str, body: Any) -> None:
        r = urllib.request.Request(
            f"{self.sink}/models/{MODEL}/versions/{version}", data=json.dumps(body).encode(), method="POST"
        )
        for key, value in {
            "Content-Type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": event,
            "ce-type": f"org.kubeflow.serving.inference.{kind}",
            "ce-source": "http://localhost:9081/",
            "ce-inferenceservicename": MODEL,
            "ce-namespace": "serving",
            "ce-component": "predictor",
            "ce-endpoint": "default",
        }.items():
            r.add_header(key, value)
        with urllib.request.urlopen(r, timeout=10) as answer:
            assert answer.status in (200, 202), answer.status

    def _s3(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.s3, region_name="us-east-1")

    def payload_keys(self, version: str) -> list[str]:
        listed = self._s3().list_objects_v2(Bucket=BUCKET, Prefix=f"payload-logs/{MODEL}/{version}/")
        return [o["Key"] for o in listed.get("Contents", [])]

    def payload_rows(self, version: str) -> int:
        import pyarrow.parquet as pq
        from pyarrow import fs

        s3 = fs.S3FileSystem(endpoint_override=self.s3, access_key="testing", secret_key="testing")
        return sum(
            pq.ParquetFile(s3.open_input_file(f"{BUCKET}/{k}")).metadata.num_rows
            for k in self.payload_keys(version)
        )

    def rotate_payload_logs(self, version: str) -> None:
        """Removes the version's payload logs (what the drift window does in time)."""
        for key in self.payload_keys(version):
            self._s3().delete_object(Bucket=BUCKET, Key=key)

    # -- Prometheus ------------------------------------------------------------------------------

    def query(self, expr: str) -> list[dict[str, Any]]:
        url = f"{self.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        data: list[dict[str, Any]] = get_json(url)["data"]["result"]
        return data

    def alerts(self, name: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = get_json(f"{self.prometheus}/api/v1/alerts")["data"]["alerts"]
        return [a for a in found if a["labels"].get("alertname") == name]


def _stop_all(daemons: list[Daemon]) -> None:
    for d in reversed(daemons):
        d.stop()


def _render(work: Path, endpoints: dict[str, Any]) -> None:
    (work / "endpoints.json").write_text(json.dumps(endpoints, indent=2))
    started = time.monotonic()
    npx = need("npx", "nodejs (npm)")
    result = subprocess.run(
        [npx, "tsx", str(REPO / "bin" / "render-loop.ts"), str(work)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    log(f"rendered in {time.monotonic() - started:.1f}s: {result.stdout.strip()}")


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    assert Path(JOBS_PYTHON).exists(), (
        f"{JOBS_PYTHON} is missing: run `npm run test:python` once (it builds the jobs' venv)"
    )
    # Not under /tmp: the steps' `/tmp` is the pod's scratch directory, mapped per step.
    (REPO / ".tmp").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="loop-", dir=REPO / ".tmp"))
    logs = work / "logs"
    logs.mkdir()
    timings: dict[str, float] = {}
    with ExitStack() as stack:
        # The test process is a client too (boto3, Feast, MLflow): the same dummy keys as the steps.
        environ = stack.enter_context(pytest.MonkeyPatch.context())
        for key, value in AWS_ENV.items():
            environ.setenv(key, value)
        t = time.monotonic()
        pg = stack.enter_context(postgres(secrets.token_hex(12), ["mlflow", "feast"]))
        timings["postgres"] = time.monotonic() - t
        t = time.monotonic()
        rd = stack.enter_context(redis(logs, secrets.token_hex(12)))
        timings["redis"] = time.monotonic() - t
        s3 = stack.enter_context(s3_server(BUCKET))
        # Feast's DuckDB store reads the offline store on the S3 endpoint with httpfs, from HOME's
        # extension directory in this process and in the steps (whose HOME is `work` too).
        environ.setenv("HOME", str(work))
        duckdb_httpfs(work)
        webhook = stack.enter_context(Webhook(secrets.token_hex(16)))
        ports = {
            name: free_port() for name in ("mlflow", "pushgateway", "prometheus", "alertmanager", "sink")
        }
        url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        endpoints = {
            "postgres": {**pg, "mlflowDb": "mlflow", "feastDb": "feast"},
            "redis": rd,
            "s3": {"endpoint": s3, "bucket": BUCKET},
            # The offline store on the S3 endpoint, as on MinIO (`local`): the renderer adds the
            # component's endpoint settings for pyarrow, boto3 and DuckDB (offlineStoreEnv).
            "offlineStoreUri": f"s3://{BUCKET}",
            "mlflow": {"host": "127.0.0.1", "port": ports["mlflow"], "workers": 1},
            "pushgatewayUrl": url["pushgateway"],
            "prometheusUrl": url["prometheus"],
            "alertmanagerUrl": url["alertmanager"],
            "webhook": {"url": webhook.url, "token": webhook.token},
            "model": {"name": MODEL, "version": "1"},
            "feastProject": MODEL,
            "driftFor": DRIFT_FOR,
            "groupWait": "1s",
        }
        t = time.monotonic()
        _render(work, endpoints)
        timings["render"] = time.monotonic() - t
        base_env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "HOME": str(work),
            **AWS_ENV,
            "AWS_ENDPOINT_URL_S3": s3,
            "MLOPS_S3_ENDPOINT_URL": s3,
        }
        for key in ("AWS_ENDPOINT_URL_S3", "MLOPS_S3_ENDPOINT_URL"):
            environ.setenv(key, s3)

        # MLflow: the migration Job's script, then the server with the rendered flags.
        t = time.monotonic()
        mlflow_cfg = json.loads((work / "mlflow.json").read_text())
        mlflow_env = {**base_env, **mlflow_cfg["env"]}
        subprocess.run(
            ["sh", "-c", mlflow_cfg["migration"]],
            env=mlflow_env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        command = [
            c.replace("/tmp/prometheus", str(work / "mlflow-prometheus")) for c in mlflow_cfg["command"]
        ]
        (work / "mlflow-prometheus").mkdir()
        daemons: list[Daemon] = []
        stack.callback(_stop_all, daemons)
        daemons.append(
            start_daemon(
                "mlflow", command, logs, lambda: http_ok(f"{url['mlflow']}/health"), env=mlflow_env, cwd=work
            )
        )
        timings["mlflow"] = time.monotonic() - t

        # Prometheus, Pushgateway, Alertmanager with the rendered configuration.
        t = time.monotonic()
        pgw = need("prometheus-pushgateway", "prometheus-pushgateway")
        daemons.append(
            start_daemon(
                "pushgateway",
                [
                    pgw,
                    f"--web.listen-address=127.0.0.1:{ports['pushgateway']}",
                    f"--persistence.file={work / 'pgw.data'}",
                ],
                logs,
                lambda: http_ok(f"{url['pushgateway']}/-/ready"),
            )
        )
        am = need("prometheus-alertmanager", "prometheus-alertmanager")
        daemons.append(
            start_daemon(
                "alertmanager",
                [
                    am,
                    f"--config.file={work / 'alertmanager.yml'}",
                    f"--storage.path={work / 'am'}",
                    f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
                    "--cluster.listen-address=",
                ],
                logs,
                lambda: http_ok(f"{url['alertmanager']}/-/ready"),
            )
        )
        prom = need("prometheus", "prometheus")
        daemons.append(
            start_daemon(
                "prometheus",
                [
                    prom,
                    f"--config.file={work / 'prometheus.yml'}",
                    f"--storage.tsdb.path={work / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                ],
                logs,
                lambda: http_ok(f"{url['prometheus']}/-/ready"),
            )
        )
        timings["monitoring"] = time.monotonic() - t

        # The payload sink (jobs/mlops_jobs/payload_sink.py), writing to S3.
        daemons.append(
            start_daemon(
                "payload-sink",
                [
                    JOBS_PYTHON,
                    "-m",
                    "mlops_jobs.payload_sink",
                    "--prefix",
                    f"s3://{BUCKET}/payload-logs",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(ports["sink"]),
                    "--flush-rows",
                    "100",
                    "--flush-interval",
                    "1s",
                ],
                logs,
                lambda: http_ok(f"{url['sink']}/healthz"),
                env={**base_env, "PYTHONPATH": str(JOBS)},
                cwd=JOBS,
            )
        )
        feast_env = json.loads((work / "feast.json").read_text())
        for key, value in {**feast_env, "MLFLOW_TRACKING_URI": url["mlflow"]}.items():
            environ.setenv(key, value)
        loop = Loop(
            work=work,
            rendered=json.loads((work / "loop.json").read_text()),
            env=base_env,
            feast_env=feast_env,
            s3=s3,
            mlflow=url["mlflow"],
            prometheus=url["prometheus"],
            pushgateway=url["pushgateway"],
            sink=url["sink"],
            webhook=webhook,
            offline_root=feast_env["FEAST_OFFLINE_DATA_URI"],
            feature_store_yaml=work / "feature_store.yaml",
        )
        log("services up: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
        try:
            yield loop
        except BaseException:
            for d in daemons:
                log(f"--- {d.name} log ---\n{d.tail()}")
            raise
    shutil.rmtree(work, ignore_errors=True)  # kept when the test fails (logs/ has every service's log)


def _feast_apply(loop: Loop) -> None:
    """`feast apply` of the example's repository with the rendered feature_store.yaml (in process:
    Feast's CLI does exactly this, and the process has Feast imported already)."""
    from feast.repo_config import load_repo_config
    from feast.repo_operations import apply_total

    repo, cwd, started = EXAMPLE / "feature_repo", os.getcwd(), time.monotonic()
    if str(repo) not in sys.path:
        sys.path.append(str(repo))  # as the CLI does: the repository's modules import by file name
    try:
        apply_total(load_repo_config(repo, loop.feature_store_yaml), repo, skip_source_validation=False)
    finally:
        os.chdir(cwd)  # apply_total changes into the repository
    log(f"feast apply in {time.monotonic() - started:.1f}s")
    # The registered sources are on the S3 endpoint, addressed path style for DuckDB.
    from feast import FeatureStore, FileSource

    store = FeatureStore(repo_path=str(repo), fs_yaml_file=loop.feature_store_yaml)
    sources = [view.batch_source for view in store.list_feature_views()]
    paths = sorted(source.path for source in sources if isinstance(source, FileSource))
    assert paths == [
        f"s3://{BUCKET}/offline/{MODEL}/{table}.parquet?s3_url_style=path"
        for table in ("history", "products", "users")
    ], paths


def _feast_materialize(loop: Loop, start: datetime, end: datetime) -> None:
    from feast import FeatureStore

    started = time.monotonic()
    store = FeatureStore(repo_path=str(EXAMPLE / "feature_repo"), fs_yaml_file=loop.feature_store_yaml)
    store.materialize(start_date=start, end_date=end)
    log(f"feast materialize in {time.monotonic() - started:.1f}s")


def _shop(loop: Loop, *, seed: int, drift: float, label_noise: float = 0.0, start: datetime) -> None:
    """A new state of the shop: its feature tables in the offline store (materialised to Redis) and
    its labelled impressions (the training entities)."""
    shop = generate(seed=seed, drift=drift, label_noise=label_noise, start=start)
    write_feature_tables(shop, loop.offline_root)
    write_parquet(shop.impressions, f"{loop.offline_root}/{MODEL}/impressions.parquet")


def test_the_closed_loop(loop: Loop) -> None:
    t0 = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = time.monotonic() - t0 - sum(phases.values())

    holdout = f"s3://{BUCKET}/reference/{MODEL}/holdout.parquet"
    assert loop.rendered["evaluate"]["env"]["MLOPS_HOLDOUT"] == holdout
    reference_prefix = f"s3://{BUCKET}/reference/{MODEL}/"
    assert loop.rendered["train"]["env"]["MLOPS_REFERENCE"] == reference_prefix
    assert loop.rendered["drift"]["env"]["MLOPS_REFERENCE"] == reference_prefix
    assert loop.rendered["train"]["command"][:3] == ["python", "-m", "recommender.train"]

    # --- v1: the shop as it was; features applied, materialised, trained and registered -----------
    day0 = datetime(2026, 1, 1, tzinfo=UTC)
    _shop(loop, seed=1, drift=0.0, start=day0)
    _feast_apply(loop)
    _feast_materialize(loop, day0 - timedelta(days=3), day0 + timedelta(days=1))
    v1 = loop.train("initial-training")
    assert v1 == "1"
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=loop.mlflow)
    client.set_registered_model_alias(MODEL, "production", v1)  # the deployment's first version
    phase("v1")

    # --- undrifted traffic: the drift job finds nothing, nothing fires -----------------------------
    loop.serve(v1, seed=10)
    summary = loop.drift()
    assert summary["detected"] is False, summary
    assert (summary["version"], summary["versionFrom"]) == ("1", "alias production")
    assert summary["reference"] == loop.reference_of(v1)
    wait_until(
        "drift gauge 0 scraped",
        lambda: (
            [r["value"][1] for r in loop.query(f'mlops_model_drift_detected{{model="{MODEL}",version="1"}}')]
            == ["0"]
        ),
        30,
    )
    time.sleep(8)  # longer than the rule's `for` (5s) plus an evaluation and Alertmanager's group_wait
    assert loop.alerts("ModelDrift") == []
    assert loop.webhook.snapshot() == []
    phase("undrifted")

    # --- the shop drifts: new features (materialised), drifted traffic -> alert -> webhook --------
    loop.rotate_payload_logs(v1)
    day2 = day0 + timedelta(days=2)
    _shop(loop, seed=2, drift=1.0, start=day2)
    _feast_materialize(loop, day2 - timedelta(days=2), day2 + timedelta(days=1))
    loop.serve(v1, seed=20)
    summary = loop.drift()
    assert summary["detected"] is True, summary
    assert summary["share"] >= 0.5, summary
    wait_until(
        "drift gauge 1 scraped",
        lambda: (
            [r["value"][1] for r in loop.query(f'mlops_model_drift_detected{{model="{MODEL}",version="1"}}')]
            == ["1"]
        ),
        30,
    )
    wait_until("ModelDrift firing", lambda: [a["state"] for a in loop.alerts("ModelDrift")] == ["firing"], 60)
    wait_until("the webhook notified", lambda: len(loop.webhook.snapshot()) > 0, 60)
    notification = loop.webhook.snapshot()[0]["body"]
    assert notification["status"] == "firing"
    assert notification["receiver"] == "retraining-loop"
    assert [
        (a["labels"]["alertname"], a["labels"]["model"], a["labels"]["version"])
        for a in notification["alerts"]
    ] == [("ModelDrift", MODEL, "1")]
    assert loop.webhook.refused == 0
    phase("drift alert")

    # --- retraining: the drifted hold-out; train + register v2; the gate promotes it --------------
    hold = feature_rows(generate(seed=3, drift=1.0, impressions=2000))
    write_parquet(hold, holdout)
    v2 = loop.train("wf-2")
    assert v2 == "2"
    code, decision = loop.evaluate(v2)
    assert code == 0, decision
    assert decision["decision"] == "promote"
    assert decision["candidateValue"] > decision["productionValue"]
    tags = client.get_model_version(MODEL, v2).tags
    assert tags["mlops.gate.decision"] == "promote"
    assert tags["mlops.workflow.uid"] == "wf-2"
    # The canary decision: no canary traffic was measured here (KServe is the boundary): hold.
    decided, tmp = loop.run_step("decide", JOBS_PYTHON, {"inputs.parameters.version": v2})
    assert decided.returncode == 0, decided.stderr[-3000:]
    assert json.loads((tmp / "decision.json").read_text())["decision"] == "hold"
    # The rollout (the InferenceService patches) needs KServe; the step after it moves the alias.
    moved, _ = loop.run_step("production", JOBS_PYTHON, {"inputs.parameters.version": v2})
    assert moved.returncode == 0, moved.stderr[-3000:]
    assert client.get_model_version_by_alias(MODEL, "production").version == v2
    # v2 serves the drifted shop: the drift job judges it against v2's own training set.
    loop.rotate_payload_logs(v1)
    loop.serve(v2, seed=30)
    summary = loop.drift()
    assert (summary["version"], summary["versionFrom"]) == (v2, "alias production"), summary
    assert summary["reference"] == loop.reference_of(v2)
    assert summary["detected"] is False, summary
    v2_reference = loop.object_bytes(loop.reference_of(v2) + "train.parquet")
    v2_rows = summary["rows"]["reference"]
    wait_until(
        "drift gauge of v2 scraped",
        lambda: (
            {
                r["metric"]["version"]: r["value"][1]
                for r in loop.query(f'mlops_model_drift_detected{{model="{MODEL}"}}')
            }
            == {v2: "0"}
        ),
        30,
    )
    phase("v2 promoted")

    # --- a worse candidate (trained on coin-flip labels) is rejected ------------------------------
    _shop(loop, seed=4, drift=1.0, label_noise=1.0, start=day2)
    v3 = loop.train("wf-3")
    assert v3 == "3"
    code, decision = loop.evaluate(v3)
    assert code == 3, decision
    assert decision["decision"] == "reject"
    assert decision["productionVersion"] == v2
    assert client.get_model_version(MODEL, v3).tags["mlops.gate.decision"] == "reject"
    # The rejected candidate's training set is its own; the reference stays v2's, unchanged.
    assert loop.object_bytes(loop.reference_of(v3) + "train.parquet") != v2_reference
    assert client.get_model_version_by_alias(MODEL, "production").version == v2
    summary = loop.drift()
    assert (summary["version"], summary["reference"]) == (v2, loop.reference_of(v2)), summary
    assert summary["rows"]["reference"] == v2_rows
    assert loop.object_bytes(loop.reference_of(v2) + "train.parquet") == v2_reference
    wait_until(
        "gate gauges scraped",
        lambda: (
            {
                r["metric"]["version"]: r["value"][1]
                for r in loop.query(f'mlops_model_evaluation_passed{{model="{MODEL}"}}')
            }
            == {"3": "0"}
        ),  # one group per model (the push contract): the last verdict
        30,
    )
    phase("v3 rejected")
    log(
        "phases: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in phases.items())
        + f"; total {time.monotonic() - t0:.1f}s"
    )
