"""Real services on loopback for the loop test, each started with a bounded start timeout and
stopped by the process it started: PostgreSQL (Debian's binaries, a throwaway cluster), Redis,
moto's S3 server, and the Debian Prometheus, Pushgateway and Alertmanager. A missing binary fails
the test with the package to install (.ci/run installs them); nothing skips."""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

#: Longest a service may take to come up before the test fails.
START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(
    what: str, check: Callable[[], bool], timeout: float = START_TIMEOUT, every: float = 0.2
) -> None:
    """Polls `check` until it is true; a `TimeoutError` naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as e:  # the service is not up yet
            last = e
        time.sleep(every)
    raise TimeoutError(f"{what} not within {timeout:.0f}s" + (f" (last error: {last})" if last else ""))


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(200 <= r.status < 300)
    except (OSError, urllib.error.HTTPError):
        return False


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def need(binary: str, package: str) -> str:
    path = shutil.which(binary)
    assert path, f"{binary} is not installed (Debian package {package}; .ci/run installs it)"
    return path


class Daemon:
    """A started process, its log file, and how it is stopped."""

    def __init__(self, name: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.name = name
        self.process = process
        self.log = log

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}): {self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_daemon(
    name: str,
    command: list[str],
    logs: Path,
    ready: Callable[[], bool],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Daemon:
    """Starts `command` (its output to `<logs>/<name>.log`) and waits until `ready()`; stops it
    and fails with its log when it exits or is not ready within `START_TIMEOUT`."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    daemon = Daemon(name, process, log)

    def up() -> bool:
        daemon.check_alive()
        return ready()

    try:
        wait_until(f"{name} ready", up)
    except BaseException as e:
        daemon.stop()
        raise RuntimeError(f"{name} did not start: {e}\n{daemon.tail()}") from e
    return daemon


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    assert found, f"PostgreSQL's {tool} is not installed (Debian package postgresql; .ci/run installs it)"
    return found[-1]


@contextmanager
def postgres(password: str, databases: list[str]) -> Iterator[dict[str, Any]]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with password (scram) authentication. As root,
    the server runs as the `postgres` user (PostgreSQL refuses to run as root), in a directory of
    its own under the system temp dir (pytest's is private to root)."""
    root = Path(tempfile.mkdtemp(prefix="loop-pg-"))
    try:
        yield from _postgres(root, password, databases)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str], timeout: float, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0:5]} failed ({result.returncode}): {result.stdout}{result.stderr}")


def _postgres(root: Path, password: str, databases: list[str]) -> Iterator[dict[str, Any]]:
    data, sockets = root / "pgdata", root / "pgsock"
    sockets.mkdir(parents=True)
    pwfile = root / "pgpass"
    pwfile.write_text(password + "\n")
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        for p in (root, sockets, pwfile):
            shutil.chown(p, "postgres")
    port = free_port()
    initdb = [_pg_bin("initdb"), "-D", str(data), "-U", "loop", f"--pwfile={pwfile}", "--no-sync"]
    _run([*as_user, *initdb, "--auth-host=scram-sha-256", "--auth-local=scram-sha-256"], START_TIMEOUT)
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_user, _pg_bin("pg_ctl"), "-D", str(data)]
    _run(
        [*pg_ctl, "-o", options, "-l", str(root / "postgres.log"), "-w", "-t", "60", "start"],
        START_TIMEOUT + 10,
    )
    try:
        env = {**os.environ, "PGPASSWORD": password}
        psql = [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "loop",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
        ]
        for db in databases:
            _run([*psql, "-q", "-c", f'CREATE DATABASE "{db}"'], 30, env)
        yield {"host": "127.0.0.1", "port": port, "user": "loop", "password": password}
    finally:
        subprocess.run(
            [*pg_ctl, "-m", "immediate", "-w", "-t", "30", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )


# --- Redis -----------------------------------------------------------------------------------


@contextmanager
def redis(logs: Path, password: str) -> Iterator[dict[str, Any]]:
    binary = need("redis-server", "redis-server")
    port = free_port()

    def ping() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            return b"+PONG" in s.recv(64) or b"+PONG" in s.recv(64)

    daemon = start_daemon(
        "redis",
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            password,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(logs),
        ],
        logs,
        ping,
    )
    try:
        yield {"host": "127.0.0.1", "port": port, "password": password}
    finally:
        daemon.stop()


# --- moto's S3 -------------------------------------------------------------------------------


@contextmanager
def s3_server(bucket: str) -> Iterator[str]:
    """moto's S3 server (a real HTTP endpoint) with one bucket; returns its URL."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until("moto S3", lambda: http_ok(f"{endpoint}/moto-api/"))
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        yield endpoint
    finally:
        server.stop()


def duckdb_httpfs(home: Path) -> Path:
    """DuckDB's httpfs extension installed in `<home>/.duckdb/extensions`, DuckDB's default
    `extension_directory` for every process whose `HOME` is `<home>`; returns the installed file.

    In a cluster DuckDB installs httpfs itself from extensions.duckdb.org on the first `s3://`
    read; here that host is out of reach, so it comes from the `duckdb-extension-httpfs` wheel
    (the lock pins it with DuckDB's own version). The binary is DuckDB's signed build: DuckDB
    refuses to load an unsigned extension unless told to, and nothing here tells it to."""
    import importlib.util

    import duckdb

    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    assert spec and spec.submodule_search_locations, "duckdb-extension-httpfs is not installed"
    package = Path(next(iter(spec.submodule_search_locations)))
    binary = package / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
    assert binary.exists(), (
        f"{binary} is missing: duckdb-extension-httpfs does not match DuckDB {duckdb.__version__}"
    )
    directory = home / ".duckdb" / "extensions"
    con = duckdb.connect(config={"extension_directory": str(directory)})
    try:
        con.execute("INSTALL '{}'".format(str(binary).replace("'", "''")))
        con.execute("LOAD httpfs")
    finally:
        con.close()
    installed = list(directory.glob(f"v{duckdb.__version__}/*/httpfs.duckdb_extension"))
    assert installed, f"httpfs for DuckDB {duckdb.__version__} was not installed under {directory}"
    return installed[0]


# --- The webhook receiver (what Argo Events' EventSource is in the cluster) -----------------


class Webhook:
    """Records every POST; answers 401 unless `Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Authorization") != f"Bearer {hook.token}":
                    with hook._lock:
                        hook.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                with hook._lock:
                    hook.received.append({"path": self.path, "body": json.loads(body)})
                self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/drift"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.received)
