"""The recommender's Feast feature definitions: users, products and their purchase history.

The Parquet sources live under the offline store's data root, `FEAST_OFFLINE_DATA_URI` (the
feature-store component sets it on the Feast servers: components/feature-store/store-config.ts
`offlineStoreEnv`), in `recommender/`. On an S3-compatible endpoint other than AWS (MinIO, or
moto in the loop test) `FEAST_S3_ENDPOINT_URL` names it for pyarrow, and each path ends with
`FEAST_OFFLINE_PATH_QUERY` (`?s3_url_style=path`), which makes Feast's DuckDB offline store address
the bucket path style (DuckDB takes the endpoint itself from `DUCKDB_S3_ENDPOINT`); such a path no
longer ends in `.parquet`, so the sources name their format. `recommender.data` writes the files.
"""

from __future__ import annotations

import os
from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.data_format import ParquetFormat
from feast.types import Float64, Int64

DATA_ROOT = os.environ.get("FEAST_OFFLINE_DATA_URI", "data").rstrip("/") + "/recommender"
S3_ENDPOINT = os.environ.get("FEAST_S3_ENDPOINT_URL") or None
PATH_QUERY = os.environ.get("FEAST_OFFLINE_PATH_QUERY", "")


def _source(table: str) -> FileSource:
    return FileSource(
        name=f"{table}_source",
        path=f"{DATA_ROOT}/{table}.parquet{PATH_QUERY}",
        file_format=ParquetFormat(),
        timestamp_field="event_timestamp",
        s3_endpoint_override=S3_ENDPOINT,
    )


user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64, description="A shopper")
product = Entity(
    name="product", join_keys=["product_id"], value_type=ValueType.INT64, description="A product"
)

user_features = FeatureView(
    name="user_features",
    entities=[user],
    ttl=timedelta(days=30),
    schema=[
        Field(name="age", dtype=Int64),
        Field(name="tenure_days", dtype=Int64),
        Field(name="sessions_per_week", dtype=Float64),
        Field(name="avg_basket_value", dtype=Float64),
    ],
    source=_source("users"),
    online=True,
)

product_features = FeatureView(
    name="product_features",
    entities=[product],
    ttl=timedelta(days=30),
    schema=[
        Field(name="price", dtype=Float64),
        Field(name="rating", dtype=Float64),
        Field(name="discount", dtype=Float64),
        Field(name="category", dtype=Int64),
    ],
    source=_source("products"),
    online=True,
)

purchase_history = FeatureView(
    name="purchase_history",
    entities=[user],
    ttl=timedelta(days=30),
    schema=[
        Field(name="purchases_30d", dtype=Int64),
        Field(name="spend_30d", dtype=Float64),
    ],
    source=_source("history"),
    online=True,
)

#: What the purchase-propensity model reads, in `recommender.data.FEATURES` order.
purchase_propensity = FeatureService(
    name="purchase_propensity",
    features=[user_features, product_features, purchase_history],
    description="Features of the purchase-propensity (recommender) model",
)
