"""``mlops-payload-sink``: the serving logger's sink. An HTTP server that receives KServe's
inference logger CloudEvents and writes them to the object store as Parquet, the current data of
the drift job (``mlops_jobs.drift``: plain feature columns plus the ``timestamp`` column).

KServe's logger (``pkg/logger/worker.go``, v0.15 to v0.20) POSTs each request and each response as
a CloudEvent in binary mode: the body is the payload, the attributes are headers — ``ce-id`` (the
request id, the same for a request and its response), ``ce-type``
(``org.kubeflow.serving.inference.request`` / ``.response``), ``ce-inferenceservicename``,
``ce-namespace``, ``ce-component`` (``predictor``, ...) and ``ce-endpoint`` (``default`` or
``canary``). The sink pairs a request with its response by ``ce-id`` and flattens them into rows:

- protocol v2 (Open Inference Protocol, MLServer): every ``inputs[]`` tensor of shape ``[n]`` or
  ``[n, 1]`` is one column named after the input; a ``[n, k]`` tensor is ``k`` columns
  ``<name>_0`` .. ``<name>_<k-1>``; outputs alike with the prefix ``prediction_``;
- protocol v1: ``instances`` (rows as lists: ``feature_<j>``; as objects: one column per key) and
  ``predictions`` (``prediction`` or ``prediction_<j>`` / ``prediction_<key>``);

plus ``timestamp`` (when the request arrived, UTC), ``request_id``, ``model``, ``version``,
``endpoint`` (these names win over a feature of the same name). A request whose response does not
arrive within ``--pending-timeout`` is written without prediction columns (the ``request`` logger
mode); a response without its request is dropped.

Files: ``<prefix>/<model>/<version>/date=YYYY-MM-DD/part-<uuid>.parquet``. The model and version
come from the logger URL's path ``/models/<model>/versions/<version>`` (the ModelServing component
sets one per predictor), else from ``ce-inferenceservicename`` and ``unknown``. Rows are buffered
and written when ``--flush-rows`` are waiting or the oldest is ``--flush-interval`` old; a full
buffer (``--max-buffer-rows``) answers 503 and keeps nothing of the event (the logger agent logs
the failed post), so a full sink loses payloads rather than memory.
SIGTERM stops accepting, writes every buffered row (requests still waiting for a response
without predictions) and exits 0.

Storage goes through ``pyarrow.fs`` only (its own small lock, ``requirements-sink.lock``):
``s3://`` (the AWS SDK's default chain: IRSA / Pod Identity; an S3-compatible endpoint such as
MinIO with ``MLOPS_S3_ENDPOINT_URL``), ``gs://`` (Application Default Credentials: GKE Workload
Identity) or a local path. Encryption is the bucket's (the platform's customer-managed key).
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

from .config import ConfigError, Option, Settings, parse, run

PROG = "mlops-payload-sink"
REQUEST_TYPE = "org.kubeflow.serving.inference.request"
RESPONSE_TYPE = "org.kubeflow.serving.inference.response"
#: The logger URL path that names the served model and version.
_PATH = re.compile(r"^/models/([A-Za-z0-9._-]+)/versions/([A-Za-z0-9._-]+)/?$")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")

OPTIONS = [
    Option("--prefix", "MLOPS_SINK_PREFIX", "where Parquet goes (s3://, gs://, path)", required=True),
    Option("--host", "MLOPS_SINK_HOST", "address to listen on", "0.0.0.0"),
    Option("--port", "MLOPS_SINK_PORT", "port to listen on", "8080"),
    Option("--flush-rows", "MLOPS_SINK_FLUSH_ROWS", "write when this many rows wait", "1000"),
    Option("--flush-interval", "MLOPS_SINK_FLUSH_INTERVAL", "write rows at most this old", "5m"),
    Option("--max-buffer-rows", "MLOPS_SINK_MAX_BUFFER_ROWS", "refuse events (503) beyond", "100000"),
    Option("--max-body-bytes", "MLOPS_SINK_MAX_BODY_BYTES", "largest event body (413)", "10485760"),
    Option("--pending-timeout", "MLOPS_SINK_PENDING_TIMEOUT", "wait this long for a response", "60s"),
]


class PayloadError(Exception):
    """An event the sink cannot read (answered 400 with this message)."""


# ---------------------------------------------------------------------------------------------
# Flattening


def _flat(values: Any) -> list[Any]:
    if isinstance(values, list):
        out: list[Any] = []
        for v in values:
            out.extend(_flat(v))
        return out
    return [values]


def _tensor_columns(tensors: Any, prefix: str, what: str) -> tuple[int, dict[str, list[Any]]]:
    """Columns of v2 tensors (``inputs`` / ``outputs``) and their row count."""
    if not isinstance(tensors, list) or not tensors:
        raise PayloadError(f"{what}: expected a non-empty list of tensors")
    rows: int | None = None
    columns: dict[str, list[Any]] = {}
    for i, t in enumerate(tensors):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or "data" not in t:
            raise PayloadError(f"{what}[{i}]: expected an object with name, shape and data")
        shape = t.get("shape")
        if not isinstance(shape, list) or not shape or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise PayloadError(f"{what}[{i}] ({t['name']}): shape must be a list of sizes")
        data = _flat(t["data"])
        n = shape[0]
        width = math.prod(shape[1:]) if len(shape) > 1 else 1
        if n * width != len(data):
            raise PayloadError(f"{what}[{i}] ({t['name']}): {len(data)} values do not fill shape {shape}")
        if rows is not None and n != rows:
            raise PayloadError(f"{what}[{i}] ({t['name']}): {n} rows, the others have {rows}")
        rows = n
        name = prefix + t["name"]
        if width == 1:
            columns[name] = data
        else:
            for j in range(width):
                columns[f"{name}_{j}"] = data[j::width]
    assert rows is not None
    return rows, columns


def _rows_columns(rows: Any, prefix: str, what: str) -> tuple[int, dict[str, list[Any]]]:
    """Columns of v1 ``instances`` / ``predictions`` (scalars, lists or objects per row)."""
    if not isinstance(rows, list) or not rows:
        raise PayloadError(f"{what}: expected a non-empty list")
    columns: dict[str, list[Any]] = {}
    for i, row in enumerate(rows):
        if isinstance(row, dict):
            cells = {f"{prefix}_{k}" if prefix else str(k): v for k, v in row.items()}
        elif isinstance(row, list):
            cells = {f"{prefix or 'feature'}_{j}": v for j, v in enumerate(_flat(row))}
        else:
            cells = {prefix or "feature_0": row}
        for k, v in cells.items():
            columns.setdefault(k, [None] * i).append(v)
        for values in columns.values():
            if len(values) == i:
                values.append(None)
    return len(rows), columns


def request_columns(body: Any) -> tuple[int, dict[str, list[Any]]]:
    """Feature columns of an inference request (v2 ``inputs`` or v1 ``instances``)."""
    if isinstance(body, dict) and "inputs" in body:
        return _tensor_columns(body["inputs"], "", "inputs")
    if isinstance(body, dict) and "instances" in body:
        return _rows_columns(body["instances"], "", "instances")
    raise PayloadError("request: neither v2 inputs nor v1 instances")


def response_columns(body: Any) -> tuple[int, dict[str, list[Any]]]:
    """Prediction columns of an inference response (v2 ``outputs`` or v1 ``predictions``)."""
    if isinstance(body, dict) and "outputs" in body:
        return _tensor_columns(body["outputs"], "prediction_", "outputs")
    if isinstance(body, dict) and "predictions" in body:
        return _rows_columns(body["predictions"], "prediction", "predictions")
    raise PayloadError("response: neither v2 outputs nor v1 predictions")


# ---------------------------------------------------------------------------------------------
# Buffer


@dataclass
class _Pending:
    received: float
    model: str
    version: str
    endpoint: str
    request: tuple[int, dict[str, list[Any]]] | None = None
    response: tuple[int, dict[str, list[Any]]] | None = None


@dataclass
class _Batch:
    rows: list[dict[str, Any]] = field(default_factory=list)
    oldest: float = 0.0


class BufferFullError(Exception):
    """The buffer holds ``--max-buffer-rows`` rows: the event is refused (503)."""


class Sink:
    """Pairs events, buffers rows per (model, version, day) and writes them as Parquet."""

    def __init__(
        self,
        prefix: str,
        *,
        flush_rows: int,
        flush_interval: float,
        max_buffer_rows: int,
        pending_timeout: float,
    ) -> None:
        self.store = ParquetStore(prefix)
        self.flush_rows = flush_rows
        self.flush_interval = flush_interval
        self.max_buffer_rows = max_buffer_rows
        self.pending_timeout = pending_timeout
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._batches: dict[tuple[str, str, str], _Batch] = {}
        self._rows = 0
        self.written_files: list[str] = []
        self.dropped_responses = 0
        self.write_errors = 0

    def buffered_rows(self) -> int:
        """Rows held in memory: batches, and requests and responses waiting for their pair."""
        with self._lock:
            return self._held()

    def _held(self) -> int:
        pending = sum(
            (p.request[0] if p.request else 0) + (p.response[0] if p.response else 0)
            for p in self._pending.values()
        )
        return self._rows + pending

    def accept(self, kind: str, event_id: str, *, model: str, version: str, endpoint: str, body: Any) -> None:
        """Take one event; raises PayloadError (400) or BufferFullError (503)."""
        columns = request_columns(body) if kind == REQUEST_TYPE else response_columns(body)
        now = time.time()
        with self._lock:
            held = self._held()
            waiting = self._pending.get(event_id)
            completes = waiting is not None and (
                waiting.request if kind == RESPONSE_TYPE else waiting.response
            )
            # An event that completes a pair adds no rows; a new one must fit.
            if not completes and held + columns[0] > self.max_buffer_rows:
                raise BufferFullError(f"{held} rows buffered, at most {self.max_buffer_rows}")
            pending = self._pending.setdefault(event_id, _Pending(now, model, version, endpoint))
            if kind == REQUEST_TYPE:
                pending.request = columns
                pending.received = now
            else:
                pending.response = columns
            if pending.request is not None and pending.response is not None:
                del self._pending[event_id]
                self._add(event_id, pending)

    def _add(self, event_id: str, p: _Pending) -> None:
        """Rows of a request (and its response, when it has as many rows) into the batch."""
        assert p.request is not None
        n, features = p.request
        predictions = p.response[1] if p.response is not None and p.response[0] == n else {}
        stamp = datetime.fromtimestamp(p.received, UTC)
        key = (p.model, p.version, stamp.strftime("%Y-%m-%d"))
        batch = self._batches.setdefault(key, _Batch(oldest=p.received))
        if not batch.rows:
            batch.oldest = p.received
        for i in range(n):
            row: dict[str, Any] = {k: v[i] for k, v in features.items()}
            row.update({k: v[i] for k, v in predictions.items()})
            row.update(
                timestamp=stamp, request_id=event_id, model=p.model, version=p.version, endpoint=p.endpoint
            )
            batch.rows.append(row)
        self._rows += n

    def tick(self, *, force: bool = False) -> None:
        """Expire pending requests, then write the batches that are due (all with ``force``)."""
        now = time.time()
        with self._lock:
            for event_id, p in list(self._pending.items()):
                if force or now - p.received >= self.pending_timeout:
                    del self._pending[event_id]
                    if p.request is None:
                        self.dropped_responses += 1
                    else:
                        self._add(event_id, p)
            due = force or self._rows >= self.flush_rows
            taken: list[tuple[tuple[str, str, str], _Batch]] = []
            for key, batch in list(self._batches.items()):
                if batch.rows and (due or now - batch.oldest >= self.flush_interval):
                    taken.append((key, batch))
                    self._rows -= len(batch.rows)
                    del self._batches[key]
        for key, batch in taken:
            try:
                self.written_files.append(self.store.write(*key, batch.rows))
            except Exception as e:  # keep the rows; the next tick tries again
                self.write_errors += 1
                log(f"cannot write {len(batch.rows)} rows of {key[0]}/{key[1]}: {type(e).__name__}: {e}")
                with self._lock:
                    newer = self._batches.get(key)
                    if newer is not None:
                        batch.rows.extend(newer.rows)
                    self._batches[key] = batch
                    self._rows += len(batch.rows) - (len(newer.rows) if newer else 0)
                if force:
                    raise


# ---------------------------------------------------------------------------------------------
# Storage


class ParquetStore:
    """Writes row batches as Parquet under ``prefix`` through ``pyarrow.fs``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.rstrip("/")
        self.fs, self.root = filesystem(self.prefix)

    def write(self, model: str, version: str, day: str, rows: list[dict[str, Any]]) -> str:
        import pyarrow as pa
        import pyarrow.parquet as pq

        names: dict[str, None] = {}
        for r in rows:
            names.update(dict.fromkeys(r))
        arrays = {}
        for name in names:
            values = [r.get(name) for r in rows]
            try:
                arrays[name] = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed kinds: keep them as text
                arrays[name] = pa.array([None if v is None else json.dumps(v) for v in values])
        table = pa.table(arrays)
        relative = f"{_SAFE.sub('_', model)}/{_SAFE.sub('_', version)}/date={day}/part-{uuid.uuid4()}.parquet"
        path = f"{self.root}/{relative}"
        if self.fs.type_name == "local":  # object stores have no directories (S3 would get markers)
            self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self.fs.open_output_stream(path) as out:
            pq.write_table(table, out, compression="zstd")
        return f"{self.prefix}/{relative}"


def filesystem(prefix: str) -> tuple[Any, str]:
    """The ``pyarrow.fs`` filesystem of ``prefix`` and the path in it; a bad prefix is a ConfigError."""
    import pyarrow.fs as pafs

    setting = "--prefix (MLOPS_SINK_PREFIX)"
    parsed = urlparse(prefix)
    if parsed.scheme in ("s3", "gs"):
        if not parsed.netloc:
            raise ConfigError(setting, f'"{prefix}" names no bucket')
        path = f"{parsed.netloc}{parsed.path}".rstrip("/")
        if parsed.scheme == "gs":
            return pafs.GcsFileSystem(), path
        endpoint = os.environ.get("MLOPS_S3_ENDPOINT_URL")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        options: dict[str, Any] = {}
        if region:
            options["region"] = region
        if endpoint:
            target = urlparse(endpoint)
            if target.scheme not in ("http", "https") or not target.netloc:
                raise ConfigError("MLOPS_S3_ENDPOINT_URL", f'"{endpoint}" is not an http(s) URL')
            options.update(endpoint_override=target.netloc, scheme=target.scheme)
        return pafs.S3FileSystem(**options), path
    if parsed.scheme not in ("", "file"):
        raise ConfigError(setting, f'"{prefix}" is not an s3://, gs:// or local path')
    local = os.path.abspath(parsed.path if parsed.scheme == "file" else prefix)
    return pafs.LocalFileSystem(), local


# ---------------------------------------------------------------------------------------------
# HTTP


def log(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # one line per error, not per request
        pass

    def _answer(self, status: HTTPStatus, text: str) -> None:
        data = (text + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(HTTPStatus.OK, "ok")
        else:
            self._answer(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            self._answer(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
            return
        size = int(length)
        if size > self.server.max_body_bytes:
            self.close_connection = True
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {self.server.max_body_bytes} bytes")
            return
        raw = self.rfile.read(size)
        if self.server.stopping:
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "shutting down")
            return
        kind = self.headers.get("ce-type", "")
        event_id = self.headers.get("ce-id", "")
        if kind not in (REQUEST_TYPE, RESPONSE_TYPE):
            self._answer(HTTPStatus.BAD_REQUEST, f'ce-type "{kind}" is not an inference request or response')
            return
        if not event_id:
            self._answer(HTTPStatus.BAD_REQUEST, "ce-id is missing")
            return
        route = _PATH.match(urlparse(self.path).path)
        model = route.group(1) if route else self.headers.get("ce-inferenceservicename", "")
        version = route.group(2) if route else "unknown"
        if not model:
            self._answer(
                HTTPStatus.BAD_REQUEST, "no model: no /models/<m>/versions/<v>, no ce-inferenceservicename"
            )
            return
        try:
            body = json.loads(raw)
            endpoint = self.headers.get("ce-endpoint", "default")
            self.server.sink.accept(
                kind, event_id, model=model, version=version, endpoint=endpoint, body=body
            )
        except (ValueError, PayloadError) as e:
            self._answer(HTTPStatus.BAD_REQUEST, f"cannot read the event: {e}")
            return
        except BufferFullError as e:
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, f"buffer full: {e}")
            return
        self._answer(HTTPStatus.ACCEPTED, "accepted")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sink: Sink, max_body_bytes: int) -> None:
        super().__init__(address, _Handler)
        self.sink = sink
        self.max_body_bytes = max_body_bytes
        self.stopping = False


def serve(settings: Settings, *, ready: threading.Event | None = None) -> int:
    """Run the sink until SIGTERM/SIGINT, then write every buffered row and return 0."""
    sink = Sink(
        settings.required("prefix"),
        flush_rows=settings.whole("flush_rows", minimum=1),
        flush_interval=settings.duration_seconds("flush_interval"),
        max_buffer_rows=settings.whole("max_buffer_rows", minimum=1),
        pending_timeout=settings.duration_seconds("pending_timeout"),
    )
    port = settings.whole("port", minimum=1)
    if port > 65535:
        raise ConfigError(settings.label("port"), f"{port} must be 65535 or less")
    server = _Server((settings.required("host"), port), sink, settings.whole("max_body_bytes", minimum=1))
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        server.stopping = True
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log(f"listening on {settings.required('host')}:{port}, writing to {sink.store.prefix}")
    if ready is not None:
        ready.set()
    while not stop.wait(1.0):
        sink.tick()
    server.shutdown()
    sink.tick(force=True)
    server.server_close()
    summary = {
        "files": len(sink.written_files),
        "dropped_responses": sink.dropped_responses,
        "write_errors": sink.write_errors,
    }
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    run(PROG, lambda: serve(parse(PROG, __doc__ or PROG, OPTIONS, argv)))


if __name__ == "__main__":
    main()
