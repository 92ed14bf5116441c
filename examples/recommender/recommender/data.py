"""Synthetic shop data: users, products and purchases, reproducible from a seed.

The label is whether a user bought a product shown to them (purchase propensity). `drift` (0 = the
training world, 1 = a shifted one) moves the inputs' distributions (younger users who browse more,
higher prices, deeper discounts) *and* the relationship between them and a purchase, so a model
trained on undrifted data both sees drifted inputs and gets worse on them: what the loop detects
and what retraining fixes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

#: The features a model reads, in order: the Feast FeatureService serves exactly these.
USER_FEATURES = ("age", "tenure_days", "sessions_per_week", "avg_basket_value")
PRODUCT_FEATURES = ("price", "rating", "discount", "category")
HISTORY_FEATURES = ("purchases_30d", "spend_30d")
FEATURES = USER_FEATURES + PRODUCT_FEATURES + HISTORY_FEATURES
LABEL = "purchased"

#: Where the generator puts the feature tables' event times (a fixed day: reproducible files).
BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ShopData:
    """One generated shop: the three feature tables and the labelled impressions."""

    users: pd.DataFrame
    """`user_id`, the user features, `event_timestamp`."""
    products: pd.DataFrame
    """`product_id`, the product features, `event_timestamp`."""
    history: pd.DataFrame
    """`user_id`, the purchase-history features, `event_timestamp`."""
    impressions: pd.DataFrame
    """`user_id`, `product_id`, `event_timestamp`, `purchased`: the training entity frame."""


def _check(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")


def generate(
    seed: int = 0,
    *,
    users: int = 500,
    products: int = 200,
    impressions: int = 5000,
    drift: float = 0.0,
    label_noise: float = 0.0,
    start: datetime = BASE_TIME,
) -> ShopData:
    """Generates a shop. `label_noise` is the share of labels replaced by coin flips."""
    _check("drift", drift, 0.0, 1.0)
    _check("label_noise", label_noise, 0.0, 1.0)
    for name, count in (("users", users), ("products", products), ("impressions", impressions)):
        if count < 1:
            raise ValueError(f"{name} must be at least 1, not {count}")
    rng = np.random.default_rng(seed)
    features_time = start - timedelta(days=1)

    user_ids = np.arange(1, users + 1, dtype=np.int64)
    user_df = pd.DataFrame(
        {
            "user_id": user_ids,
            "age": np.clip(rng.normal(42 - 14 * drift, 11, users), 16, 90).round().astype(np.int64),
            "tenure_days": rng.gamma(2.0, 200 * (1 - 0.6 * drift), users).round().astype(np.int64),
            "sessions_per_week": rng.gamma(2.0 + 4 * drift, 1.5, users).astype(np.float64),
            "avg_basket_value": rng.lognormal(3.6 + 0.5 * drift, 0.4, users).astype(np.float64),
            "event_timestamp": pd.Timestamp(features_time),
        }
    )
    product_ids = np.arange(1, products + 1, dtype=np.int64)
    product_df = pd.DataFrame(
        {
            "product_id": product_ids,
            "price": rng.lognormal(3.4 + 0.6 * drift, 0.6, products).astype(np.float64),
            "rating": np.clip(rng.normal(3.9 - 0.5 * drift, 0.6, products), 1, 5).astype(np.float64),
            "discount": np.clip(rng.beta(1.5, 8 - 5 * drift, products), 0, 0.9).astype(np.float64),
            "category": rng.integers(0, 12, products).astype(np.int64),
            "event_timestamp": pd.Timestamp(features_time),
        }
    )
    purchases = rng.poisson(2 + 3 * drift, users).astype(np.int64)
    history_df = pd.DataFrame(
        {
            "user_id": user_ids,
            "purchases_30d": purchases,
            "spend_30d": (purchases * user_df["avg_basket_value"].to_numpy()).astype(np.float64),
            "event_timestamp": pd.Timestamp(features_time),
        }
    )

    u = rng.integers(0, users, impressions)
    p = rng.integers(0, products, impressions)
    uf, pf, hf = user_df.iloc[u], product_df.iloc[p], history_df.iloc[u]
    # Standardised drivers of a purchase; their weights turn with `drift` (concept drift): in the
    # drifted world discounts and browsing matter, price and loyalty much less.
    z_price = (np.log(pf["price"].to_numpy()) - 3.4) / 0.6
    z_rating = (pf["rating"].to_numpy() - 3.9) / 0.6
    z_discount = (pf["discount"].to_numpy() - 0.16) / 0.12
    z_sessions = (uf["sessions_per_week"].to_numpy() - 3) / 2.1
    z_loyalty = (hf["purchases_30d"].to_numpy() - 2) / 1.4
    z_age = (uf["age"].to_numpy() - 42) / 11
    logit = (
        -0.3
        + (-1.6 + 1.9 * drift) * z_price
        + 0.9 * z_rating
        + (0.1 + 1.7 * drift) * z_discount
        + (0.3 - 1.2 * drift) * z_sessions
        + (1.2 - 2.0 * drift) * z_loyalty
        + (0.6 - 1.4 * drift) * z_age
    )
    label = (rng.random(impressions) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    noisy = rng.random(impressions) < label_noise
    label[noisy] = rng.integers(0, 2, int(noisy.sum()))
    impressions_df = pd.DataFrame(
        {
            "user_id": user_ids[u],
            "product_id": product_ids[p],
            "event_timestamp": [
                start + timedelta(seconds=int(s)) for s in rng.integers(0, 86_400, impressions)
            ],
            LABEL: label,
        }
    )
    return ShopData(user_df, product_df, history_df, impressions_df)


def feature_rows(data: ShopData) -> pd.DataFrame:
    """The impressions joined with their features (what a model reads), with the label: a point-in-time
    join is trivial here (one feature row per entity, before every impression)."""
    out = (
        data.impressions.merge(data.users.drop(columns="event_timestamp"), on="user_id")
        .merge(data.products.drop(columns="event_timestamp"), on="product_id")
        .merge(data.history.drop(columns="event_timestamp"), on="user_id")
    )
    return out[[*FEATURES, LABEL]].reset_index(drop=True)


#: The feature tables' file names under `<offline data root>/recommender/` (feature_repo/features.py).
TABLES = ("users", "products", "history")


def filesystem(uri: str) -> tuple[object | None, str]:
    """pyarrow's filesystem and path for `s3://` (endpoint from `MLOPS_S3_ENDPOINT_URL` or
    `AWS_ENDPOINT_URL_S3`, as the loop's jobs) or a local path."""
    if not uri.startswith("s3://"):
        return None, uri
    from pyarrow import fs

    endpoint = os.environ.get("MLOPS_S3_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
    s3 = fs.S3FileSystem(endpoint_override=endpoint) if endpoint else fs.S3FileSystem()
    return s3, uri.removeprefix("s3://")


def write_parquet(frame: pd.DataFrame, uri: str) -> str:
    """Writes one Parquet file (`s3://` or a path); returns the URI."""
    fs, path = filesystem(uri)
    if fs is None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, filesystem=fs)
    return uri


def read_parquet(uri: str) -> pd.DataFrame:
    """Reads a Parquet file (`s3://` or a path)."""
    fs, path = filesystem(uri)
    return pd.read_parquet(path, filesystem=fs)


def write_feature_tables(data: ShopData, offline_root: str) -> list[str]:
    """Writes the feature tables where the Feast sources read them:
    `<offline_root>/recommender/<table>.parquet`."""
    root = offline_root.rstrip("/") + "/recommender"
    frames = {"users": data.users, "products": data.products, "history": data.history}
    return [write_parquet(frames[t], f"{root}/{t}.parquet") for t in TABLES]


def main(argv: list[str] | None = None) -> int:
    """`python -m recommender.data`: writes a shop's feature tables and its labelled impressions."""
    p = argparse.ArgumentParser(prog="recommender-data", description=main.__doc__)
    p.add_argument(
        "--offline-root", required=True, help="the offline store's data root (FEAST_OFFLINE_DATA_URI)"
    )
    p.add_argument("--entities-out", required=True, help="where the labelled impressions go (Parquet)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--drift", type=float, default=0.0)
    p.add_argument("--label-noise", type=float, default=0.0)
    p.add_argument("--impressions", type=int, default=5000)
    a = p.parse_args(argv)
    try:
        data = generate(seed=a.seed, drift=a.drift, label_noise=a.label_noise, impressions=a.impressions)
    except ValueError as e:
        print(f"recommender-data: configuration error: {e}", file=sys.stderr)
        return 2
    written = [*write_feature_tables(data, a.offline_root), write_parquet(data.impressions, a.entities_out)]
    print(json.dumps({"written": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
