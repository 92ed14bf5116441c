"""In-container jobs of the pulumi-mlops closed loop (issue 12).

- ``mlops_jobs.drift``: Evidently data drift of a served model's payload logs against its
  training data; gauges to the Pushgateway, the report to the object store.
- ``mlops_jobs.evaluate``: the evaluation gate, candidate against production on a held-back set.
- ``mlops_jobs.promote``: the canary decision from Prometheus (error rate and latency vs the SLO).

Every job pushes its gauges following the repo's push contract
(``components/monitoring/pushgateway.ts``), loaded from ``contract.generated.json``.
"""
