"""The model registry as the loop's record: decisions as tags on a model version, and the
production alias as the pointer to the version in production (the loop's promote step moves it;
the gate compares candidates with it and the drift job judges its traffic against its reference
data)."""

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


def production_version(tracking_uri: str, model: str, alias: str) -> str | None:
    """The version of ``model`` under ``alias``; None when the model or the alias does not exist
    (nothing promoted yet). Any other registry error is a JobError."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        return str(client.get_model_version_by_alias(model, alias).version)
    except MlflowException as e:
        if e.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise JobError(f"cannot read alias {alias} of model {model} in MLflow: {e.message}") from None
