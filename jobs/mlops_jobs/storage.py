"""Object-store access for the jobs through fsspec: ``s3://`` (AWS, or any S3-compatible endpoint
such as MinIO via ``MLOPS_S3_ENDPOINT_URL``), ``gs://`` and local paths (tests, mounted volumes).
Credentials come from the platform (IRSA / GKE Workload Identity / the SDK's default chain), never
from settings."""

from __future__ import annotations

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


def _filesystem(url: str, setting: str) -> tuple[Any, str]:
    protocol, sep, _ = url.partition("://")
    if not sep:
        return fsspec.filesystem("file"), os.path.abspath(url)
    if protocol not in ("s3", "gs", "file"):
        raise ConfigError(setting, f'"{url}" is not an s3://, gs:// or local path')
    options: dict[str, Any] = {}
    if protocol == "s3":
        endpoint = os.environ.get(S3_ENDPOINT_ENV)
        if endpoint:
            options["client_kwargs"] = {"endpoint_url": endpoint}
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
