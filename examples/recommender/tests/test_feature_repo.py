"""The Feast definitions: entities, feature views and the FeatureService the model reads, and the
sources' location from the offline store's environment (what the feature-store component sets)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest

from recommender.data import FEATURES


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for key in ("FEAST_OFFLINE_DATA_URI", "FEAST_S3_ENDPOINT_URL"):
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
    assert repo.purchase_history.batch_source.path == "s3://shop/offline/recommender/history.parquet"


def test_without_the_environment_the_sources_are_local(monkeypatch: pytest.MonkeyPatch) -> None:
    repo = load(monkeypatch)
    assert repo.product_features.batch_source.path == "data/recommender/products.parquet"
    assert not repo.product_features.batch_source.s3_endpoint_override
