"""Per-bucket S3 endpoints and credentials (``MLOPS_S3_STORES``, the ``local`` target's MinIO
stores): the options each bucket gets, the fallback to ``MLOPS_S3_ENDPOINT_URL``, refusals naming
the setting, and a round trip on moto's server with the single endpoint pointing nowhere."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from mlops_jobs import storage
from mlops_jobs.config import ConfigError

STORES = {
    "reference": {
        "endpoint_url": "http://offline-minio.feast.svc:9000",
        "access_key_env": "MLOPS_S3_0_ACCESS_KEY_ID",
        "secret_key_env": "MLOPS_S3_0_SECRET_ACCESS_KEY",
    }
}


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("MLOPS_S3_STORES", "MLOPS_S3_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)


def test_without_the_map_every_bucket_uses_the_single_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    assert storage.s3_options("s3://any/x.parquet") == {}
    monkeypatch.setenv("MLOPS_S3_ENDPOINT_URL", "http://minio:9000")
    assert storage.s3_options("s3://any/x.parquet") == {
        "client_kwargs": {"endpoint_url": "http://minio:9000"}
    }


def test_a_listed_bucket_gets_its_endpoint_and_keys_others_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_S3_STORES", json.dumps(STORES))
    monkeypatch.setenv("MLOPS_S3_ENDPOINT_URL", "http://payload-minio.serving.svc:9000")
    monkeypatch.setenv("MLOPS_S3_0_ACCESS_KEY_ID", "reader")
    monkeypatch.setenv("MLOPS_S3_0_SECRET_ACCESS_KEY", "pw")
    assert storage.s3_options("s3://reference/train/part-0.parquet") == {
        "client_kwargs": {"endpoint_url": "http://offline-minio.feast.svc:9000"},
        "key": "reader",
        "secret": "pw",
    }
    assert storage.s3_options("s3://payload-logs/recommender/") == {
        "client_kwargs": {"endpoint_url": "http://payload-minio.serving.svc:9000"}
    }


def test_an_unset_credential_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_S3_STORES", json.dumps(STORES))
    monkeypatch.setenv("MLOPS_S3_0_ACCESS_KEY_ID", "reader")
    with pytest.raises(ConfigError, match=r'^MLOPS_S3_0_SECRET_ACCESS_KEY: is not set .*"reference"'):
        storage.s3_options("s3://reference/x.parquet")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", r"^MLOPS_S3_STORES: is not JSON"),
        ("[]", r"^MLOPS_S3_STORES: must be a JSON object"),
        ('{"b": {"endpoint_url": "http://x"}}', r'^MLOPS_S3_STORES: "b" must have exactly the keys'),
        (
            '{"b": {"endpoint_url": "", "access_key_env": "A", "secret_key_env": "B"}}',
            r'^MLOPS_S3_STORES: "b": every value must be a non-empty string',
        ),
    ],
)
def test_a_bad_map_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("MLOPS_S3_STORES", value)
    with pytest.raises(ConfigError, match=message):
        storage.s3_options("s3://b/x")


def test_round_trip_through_the_map_on_moto(
    s3: Any, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.create_bucket(Bucket="per-store")
    # The single endpoint points nowhere: only the map's endpoint reaches the bucket.
    monkeypatch.setenv("MLOPS_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv(
        "MLOPS_S3_STORES",
        json.dumps(
            {
                "per-store": {
                    "endpoint_url": s3_endpoint,
                    "access_key_env": "STORE_KEY",
                    "secret_key_env": "STORE_SECRET",
                }
            }
        ),
    )
    monkeypatch.setenv("STORE_KEY", "testing")
    monkeypatch.setenv("STORE_SECRET", "testing")
    frame = pd.DataFrame({"price": [1.0, 2.0]})
    storage.write_bytes("s3://per-store/ref/a.parquet", "reference", frame.to_parquet())
    back = storage.read_parquet("s3://per-store/ref/", "reference")
    pd.testing.assert_frame_equal(back, frame)
