"""Object-store access for the jobs through fsspec: ``s3://`` (AWS, or any S3-compatible endpoint
such as MinIO via ``MLOPS_S3_ENDPOINT_URL``), ``gs://`` and local paths (tests, mounted volumes).
Credentials come from the platform (IRSA / GKE Workload Identity / the SDK's default chain), never
from settings.

Per-bucket endpoints (``MLOPS_S3_STORES``): where each bucket is its own S3-compatible server with
its own credentials (the ``local`` target's MinIO stores), a JSON object
``{"<bucket>": {"endpoint_url": "...", "access_key_env": "VAR", "secret_key_env": "VAR"}}`` names,
per bucket, the endpoint and the environment variables holding its keys (the values never appear
in it). A bucket not in it uses ``MLOPS_S3_ENDPOINT_URL`` and the default credential chain."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import fsspec
import pandas as pd
import pyarrow.parquet as pq

from .config import ConfigError, JobError

#: Environment variable of an S3-compatible endpoint (MinIO, moto in the tests).
S3_ENDPOINT_ENV = "MLOPS_S3_ENDPOINT_URL"
#: Environment variable of the per-bucket endpoints and credential variables (JSON, see above).
S3_STORES_ENV = "MLOPS_S3_STORES"
_STORE_KEYS = ("endpoint_url", "access_key_env", "secret_key_env")


def _stores() -> dict[str, dict[str, str]]:
    raw = os.environ.get(S3_STORES_ENV, "").strip()
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise ConfigError("MLOPS_S3_STORES", f"is not JSON: {e}") from None
    if not isinstance(value, dict):
        raise ConfigError("MLOPS_S3_STORES", "must be a JSON object of bucket name to store")
    for bucket, store in value.items():
        if not isinstance(store, dict) or sorted(store) != sorted(_STORE_KEYS):
            raise ConfigError(
                "MLOPS_S3_STORES", f'"{bucket}" must have exactly the keys {", ".join(_STORE_KEYS)}'
            )
        if not all(isinstance(v, str) and v for v in store.values()):
            raise ConfigError("MLOPS_S3_STORES", f'"{bucket}": every value must be a non-empty string')
    return value


def s3_options(url: str) -> dict[str, Any]:
    """The s3fs options of ``url`` (``s3://bucket/...``): the bucket's endpoint and keys from
    ``MLOPS_S3_STORES``, else ``MLOPS_S3_ENDPOINT_URL`` (if set) and the default credential chain.
    A credential variable named there but unset is a ConfigError naming it."""
    bucket = url.partition("://")[2].split("/", 1)[0]
    store = _stores().get(bucket)
    if store is None:
        endpoint = os.environ.get(S3_ENDPOINT_ENV)
        return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}
    keys = {}
    for option, var in (("key", store["access_key_env"]), ("secret", store["secret_key_env"])):
        value = os.environ.get(var)
        if not value:
            raise ConfigError(var, f'is not set (MLOPS_S3_STORES names it for bucket "{bucket}")')
        keys[option] = value
    return {"client_kwargs": {"endpoint_url": store["endpoint_url"]}, **keys}


def _filesystem(url: str, setting: str) -> tuple[Any, str]:
    protocol, sep, _ = url.partition("://")
    if not sep:
        return fsspec.filesystem("file"), os.path.abspath(url)
    if protocol not in ("s3", "gs", "file"):
        raise ConfigError(setting, f'"{url}" is not an s3://, gs:// or local path')
    options: dict[str, Any] = s3_options(url) if protocol == "s3" else {}
    return fsspec.filesystem(protocol, **options), url.partition("://")[2] if protocol == "file" else url


@dataclass(frozen=True)
class ParquetFile:
    path: str
    #: Unix time of the last modification (None when the store does not say).
    modified: float | None


def _modified(info: dict[str, Any]) -> float | None:
    for key in ("LastModified", "mtime", "updated", "last_modified"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, int | float):
            return float(value)
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        try:
            return float(pd.Timestamp(str(value)).timestamp())
        except ValueError:
            continue
    return None


def list_parquet(url: str, setting: str) -> tuple[Any, list[ParquetFile]]:
    """The ``.parquet`` files at ``url`` (one file, or every file under a prefix, recursively),
    sorted by path. A missing location is a JobError naming the setting."""
    fs, path = _filesystem(url, setting)
    try:
        infos = {path: fs.info(path)} if fs.isfile(path) else fs.find(path.rstrip("/"), detail=True)
    except (OSError, ValueError) as e:
        raise JobError(f"{setting}: cannot list {url}: {e}") from None
    files = [
        ParquetFile(p, _modified(info))
        for p, info in sorted(infos.items())
        if p.endswith(".parquet") and info.get("type", "file") == "file"
    ]
    return fs, files


def read_parquet(
    url: str, setting: str, *, since: float | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """Every Parquet file at ``url`` as one frame; with ``since`` (Unix time), only the files
    modified at or after it (the current window of payload logs). No file is a JobError."""
    fs, files = list_parquet(url, setting)
    if since is not None:
        files = [f for f in files if f.modified is None or f.modified >= since]
    if not files:
        window = (
            ""
            if since is None
            else f" modified since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(since))}"
        )
        raise JobError(f"{setting}: no .parquet file at {url}{window}")
    frames = []
    for f in files:
        try:
            with fs.open(f.path, "rb") as handle:
                frames.append(pq.read_table(handle, columns=columns).to_pandas())
        except (OSError, ValueError) as e:
            raise JobError(f"{setting}: cannot read {f.path}: {e}") from None
    frame: pd.DataFrame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame


def write_bytes(url: str, setting: str, data: bytes) -> str:
    """Write ``data`` to ``url`` (parents created for local paths); returns the URL."""
    fs, path = _filesystem(url, setting)
    try:
        if "://" not in url:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with fs.open(path, "wb") as handle:
            handle.write(data)
    except OSError as e:
        raise JobError(f"{setting}: cannot write {url}: {e}") from None
    return url
