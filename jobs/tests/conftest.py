"""Real services on loopback for the jobs' tests: the Debian Pushgateway binary, moto's S3 server.
A missing binary fails the test that needs it (it does not skip)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_ambient_mlflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """mlflow.set_tracking_uri exports MLFLOW_TRACKING_URI; no test inherits another's."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as e:
            last = e
            time.sleep(0.1)
    raise TimeoutError(f"{url} not up after {timeout}s: {last}")


class Pushgateway:
    def __init__(self, base: str) -> None:
        self.base = base

    def groups(self) -> list[dict[str, Any]]:
        """The Pushgateway's stored groups (its own JSON API)."""
        with urllib.request.urlopen(f"{self.base}/api/v1/metrics", timeout=5) as r:
            data: list[dict[str, Any]] = json.load(r)["data"]
            return data

    def scrape(self) -> str:
        with urllib.request.urlopen(f"{self.base}/metrics", timeout=5) as r:
            return str(r.read().decode("utf-8"))

    def series(self, prefix: str = "mlops_") -> list[str]:
        """The sample lines Prometheus would scrape for metrics starting with ``prefix``."""
        return sorted(line for line in self.scrape().splitlines() if line.startswith(prefix))


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[Pushgateway]:
    binary = shutil.which("prometheus-pushgateway")
    assert binary, (
        "prometheus-pushgateway is not installed (Debian package prometheus-pushgateway; see .ci/run)"
    )
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--web.listen-address=127.0.0.1:{port}",
            # Debian builds in a persistence file under /var/lib: keep it in the test's directory.
            f"--persistence.file={tmp_path / 'pushgateway.data'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/-/ready")
        yield Pushgateway(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server (server mode, a real HTTP endpoint) for the whole session."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 S3 client on moto, and the environment the jobs read (endpoint, dummy keys)."""
    import boto3

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MLOPS_S3_ENDPOINT_URL": s3_endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def job_env(s3: Any) -> dict[str, str]:
    """The environment for a job run as a subprocess."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_") or k == "MLOPS_S3_ENDPOINT_URL"}
