"""The Python pusher follows the TypeScript push contract: it replays every worked example of
contract.generated.json (generated from components/monitoring/pushgateway.ts by `npm run docs`)
byte for byte, and its pushes land on the real Pushgateway as the contract says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mlops_jobs import pushgateway as pg
from tests.conftest import Pushgateway

EXAMPLES = pg.contract().examples


def test_the_contract_is_the_generated_one() -> None:
    c = pg.contract()
    assert c.content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert list(c.metrics)[2:] == [
        "mlops_model_drift_score",
        "mlops_model_drift_share",
        "mlops_model_drift_detected",
        "mlops_model_drift_last_success_timestamp_seconds",
        "mlops_model_evaluation_passed",
        "mlops_model_rollout_decision",
    ]
    assert c.jobs["modelDrift"] == pg.JobSpec(
        "model-drift",
        ("model",),
        "PUT",
        (
            "mlops_model_drift_score",
            "mlops_model_drift_share",
            "mlops_model_drift_detected",
            "mlops_model_drift_last_success_timestamp_seconds",
        ),
    )
    assert len(EXAMPLES) == 7


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["name"] for e in EXAMPLES])
def test_replays_the_worked_example(example: dict[str, Any]) -> None:
    samples = [pg.Sample(s["metric"], s["labels"], s["value"]) for s in example["samples"]]
    expected = example["expected"]
    if "problems" in expected:
        with pytest.raises(pg.PushContractError) as raised:
            pg.push_request(example["job"], example["groupingKey"], samples)
        assert raised.value.problems == expected["problems"]
    else:
        request = pg.push_request(example["job"], example["groupingKey"], samples)
        assert (request.path, request.body) == (expected["path"], expected["body"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1.0, "1"),
        (0.31, "0.31"),
        (1796000000.25, "1796000000.25"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (1e21, "1e+21"),
        (1.2345e22, "1.2345e+22"),
        (123456789012345680000.0, "123456789012345680000"),
        (100.0, "100"),
        (-0.1, "-0.1"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
    ],
)
def test_formats_numbers_as_javascript(value: float, text: str) -> None:
    assert pg.format_number(value) == text


def test_job_request_checks_the_jobs_grouping_key_and_metrics() -> None:
    score = pg.Sample("mlops_model_drift_share", {"model": "m", "version": "1"}, 0.5)
    method, request = pg.job_request("modelDrift", {"model": "m"}, [score])
    assert (method, request.path) == ("PUT", "/metrics/job/model-drift/model/m")
    with pytest.raises(pg.PushContractError) as raised:
        pg.job_request(
            "modelRollout",
            {"model": "m", "version": "1"},
            [score],
        )
    assert raised.value.problems == [
        "groupingKey: model-rollout groups by model, not model, version",
        "samples[0].metric: mlops_model_drift_share is not pushed by model-rollout",
    ]


def test_pushes_to_the_real_pushgateway_and_replaces_the_group(pushgateway: Pushgateway) -> None:
    def share(version: str, value: float) -> pg.Sample:
        return pg.Sample("mlops_model_drift_share", {"model": "shop/rec", "version": version}, value)

    url = pg.push(pushgateway.base, "modelDrift", {"model": "shop/rec"}, [share("1", 0.25)])
    assert url == f"{pushgateway.base}/metrics/job/model-drift/model@base64/c2hvcC9yZWM"
    # PUT: the next run's group replaces the earlier version's series.
    pg.push(pushgateway.base, "modelDrift", {"model": "shop/rec"}, [share("2", 0.75)])
    assert pushgateway.series("mlops_model_drift_share") == [
        'mlops_model_drift_share{instance="",job="model-drift",model="shop/rec",version="2"} 0.75'
    ]
    (group,) = [g for g in pushgateway.groups() if g["labels"].get("job") == "model-drift"]
    assert group["labels"] == {"job": "model-drift", "model": "shop/rec"}
    assert group["mlops_model_drift_share"]["help"] == pg.contract().metrics["mlops_model_drift_share"].help


def test_a_refused_push_is_a_one_line_job_error(pushgateway: Pushgateway) -> None:
    # The same metric with another TYPE in another group: the Pushgateway refuses the push (400).
    bad = "# HELP mlops_model_drift_share x\n# TYPE mlops_model_drift_share counter\nmlops_model_drift_share 1\n"
    import urllib.request

    urllib.request.urlopen(
        urllib.request.Request(f"{pushgateway.base}/metrics/job/other", data=bad.encode(), method="PUT"),
        timeout=5,
    ).read()
    sample = pg.Sample("mlops_model_drift_share", {"model": "m", "version": "1"}, 0.5)
    with pytest.raises(
        pg.JobError, match=r"^the Pushgateway refused PUT .*/metrics/job/model-drift/model/m: HTTP 400"
    ):
        pg.push(pushgateway.base, "modelDrift", {"model": "m"}, [sample])
    with pytest.raises(pg.JobError, match=r"^cannot push to the Pushgateway at http://127.0.0.1:9/"):
        pg.push("http://127.0.0.1:9", "modelDrift", {"model": "m"}, [sample])
    assert json.dumps(pg.contract().jobs["modelDrift"].grouping_labels) == '["model"]'
