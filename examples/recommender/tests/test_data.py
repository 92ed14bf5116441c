"""The generator: reproducible from its seed, valid ranges, and a `drift` knob that moves both the
inputs and the label's relationship to them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recommender.data import (
    FEATURES,
    LABEL,
    TABLES,
    feature_rows,
    generate,
    read_parquet,
    write_feature_tables,
)


def test_same_seed_same_shop_other_seed_other_shop() -> None:
    a, b, c = generate(seed=7), generate(seed=7), generate(seed=8)
    pd.testing.assert_frame_equal(a.impressions, b.impressions)
    pd.testing.assert_frame_equal(a.users, b.users)
    assert not a.users.equals(c.users)


def test_tables_have_the_feature_columns_and_sane_values() -> None:
    shop = generate(seed=1, users=50, products=20, impressions=300)
    assert list(shop.users.columns) == [
        "user_id",
        "age",
        "tenure_days",
        "sessions_per_week",
        "avg_basket_value",
        "event_timestamp",
    ]
    assert list(shop.products.columns) == [
        "product_id",
        "price",
        "rating",
        "discount",
        "category",
        "event_timestamp",
    ]
    assert list(shop.history.columns) == ["user_id", "purchases_30d", "spend_30d", "event_timestamp"]
    assert list(shop.impressions.columns) == ["user_id", "product_id", "event_timestamp", LABEL]
    assert len(shop.impressions) == 300
    assert shop.users["age"].between(16, 90).all()
    assert shop.products["rating"].between(1, 5).all()
    assert shop.products["discount"].between(0, 0.9).all()
    assert set(shop.impressions[LABEL].unique()) <= {0, 1}
    # Every feature row is older than every impression (a point-in-time join finds them).
    assert shop.users["event_timestamp"].max() < shop.impressions["event_timestamp"].min()
    rows = feature_rows(shop)
    assert list(rows.columns) == [*FEATURES, LABEL]
    assert len(rows) == 300


def test_drift_shifts_the_inputs() -> None:
    base, drifted = generate(seed=3, drift=0.0), generate(seed=3, drift=1.0)
    assert drifted.users["age"].mean() < base.users["age"].mean() - 8
    assert drifted.products["price"].median() > base.products["price"].median() * 1.4
    assert drifted.users["sessions_per_week"].mean() > base.users["sessions_per_week"].mean() * 1.5


def test_drift_changes_what_predicts_a_purchase() -> None:
    """Discount barely matters before the drift and strongly after it (concept drift)."""

    def corr(drift: float) -> float:
        rows = feature_rows(generate(seed=4, drift=drift, impressions=20_000))
        return float(np.corrcoef(rows["discount"], rows[LABEL])[0, 1])

    assert corr(0.0) < 0.1
    assert corr(1.0) > 0.2


def test_label_noise_replaces_labels_by_coin_flips() -> None:
    clean = generate(seed=5, impressions=4000)
    noisy = generate(seed=5, impressions=4000, label_noise=1.0)
    agreement = float((clean.impressions[LABEL] == noisy.impressions[LABEL]).mean())
    assert 0.4 < agreement < 0.6


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"drift": 1.5}, "drift must be between 0.0 and 1.0, not 1.5"),
        ({"label_noise": -0.1}, "label_noise must be between 0.0 and 1.0, not -0.1"),
        ({"users": 0}, "users must be at least 1, not 0"),
    ],
)
def test_bad_knobs_are_refused_by_name(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        generate(**kwargs)  # type: ignore[arg-type]


def test_feature_tables_go_where_the_feast_sources_read(tmp_path: Path) -> None:
    shop = generate(seed=6, users=10, products=5, impressions=20)
    written = write_feature_tables(shop, str(tmp_path))
    assert written == [str(tmp_path / "recommender" / f"{t}.parquet") for t in TABLES]
    pd.testing.assert_frame_equal(read_parquet(written[0]), shop.users)
