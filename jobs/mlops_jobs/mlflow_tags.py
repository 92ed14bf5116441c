"""Decisions as tags on an MLflow model version (the registry is the audit log of the loop)."""

from __future__ import annotations

from .config import JobError


def tag_model_version(tracking_uri: str | None, model: str, version: str, tags: dict[str, str]) -> None:
    """Set ``tags`` on version ``version`` of registered model ``model``. ``tracking_uri`` None
    uses MLflow's own settings (``MLFLOW_TRACKING_URI``)."""
    from mlflow.exceptions import MlflowException  # imported late: MLflow is slow to import
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        for key, value in tags.items():
            client.set_model_version_tag(model, version, key, value)
    except MlflowException as e:
        raise JobError(f"cannot tag version {version} of model {model} in MLflow: {e.message}") from None
