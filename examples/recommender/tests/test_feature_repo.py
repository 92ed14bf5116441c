"""The Feast definitions: entities, feature views and the FeatureService the model reads, and the
sources' location from the offline store's environment (what the feature-store component sets)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest
from feast.data_format import ParquetFormat

from recommender.data import FEATURES


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for key in ("FEAST_OFFLINE_DATA_URI", "FEAST_S3_ENDPOINT_URL", "FEAST_OFFLINE_PATH_QUERY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    sys.modules.pop("feature_repo.features", None)
    return importlib.import_module("feature_repo.features")


def test_the_feature_service_serves_the_models_features_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = load(monkeypatch)
    service = repo.purchase_propensity
    assert service.name == "purchase_propensity"
    names = [f.name for projection in service.feature_view_projections for f in projection.features]
    assert tuple(names) == FEATURES
    assert [p.name for p in service.feature_view_projections] == [
        "user_features",
        "product_features",
        "purchase_history",
    ]
    assert repo.user.join_key == "user_id"
    assert repo.product.join_key == "product_id"


def test_sources_read_the_offline_store_from_the_components_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = load(
        monkeypatch,
        FEAST_OFFLINE_DATA_URI="s3://shop/offline/",
        FEAST_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    source = repo.user_features.batch_source
    assert source.path == "s3://shop/offline/recommender/users.parquet"
    assert source.s3_endpoint_override == "http://127.0.0.1:9000"
    assert isinstance(source.file_format, ParquetFormat)
    assert repo.purchase_history.batch_source.path == "s3://shop/offline/recommender/history.parquet"


def test_on_an_s3_compatible_endpoint_the_paths_end_with_the_path_style_query(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the component renders for MinIO (`offlineStoreEnv`): DuckDB addresses the bucket path
    style only when the path says so; the format is explicit because the path no longer ends in
    `.parquet` (Feast's DuckDB store then reads nothing without it)."""
    repo = load(
        monkeypatch,
        FEAST_OFFLINE_DATA_URI="s3://shop/offline",
        FEAST_S3_ENDPOINT_URL="http://minio.feast.svc:9000",
        FEAST_OFFLINE_PATH_QUERY="?s3_url_style=path",
    )
    for view, table in (
        (repo.user_features, "users"),
        (repo.product_features, "products"),
        (repo.purchase_history, "history"),
    ):
        source = view.batch_source
        assert source.path == f"s3://shop/offline/recommender/{table}.parquet?s3_url_style=path"
        assert isinstance(source.file_format, ParquetFormat)


def test_without_the_environment_the_sources_are_local(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = load(monkeypatch)
    assert repo.product_features.batch_source.path == "data/recommender/products.parquet"
    assert not repo.product_features.batch_source.s3_endpoint_override
