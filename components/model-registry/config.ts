/**
 * Pure renderers of the model registry's configuration and secret content (basic_auth.ini, the
 * backend store URI, the in-cluster Ingress annotations, the migration script), so that tests
 * assert their exact content and a weakened default cannot go unnoticed.
 */

/**
 * The admin password MLflow ships in its default basic_auth.ini
 * (mlflow/server/auth/basic_auth.ini, `admin_password = password1234`). Never rendered.
 */
export const MLFLOW_DEFAULT_ADMIN_PASSWORD = "password1234";

/** Shortest admin password `basicAuthIni` accepts (the component generates 32 characters). */
export const MIN_ADMIN_PASSWORD_LENGTH = 16;

/** MLflow's basic-auth check of a user name and password on every request. */
export const BASIC_AUTH_FUNCTION = "mlflow.server.auth:authenticate_request_basic_auth";

export interface BasicAuthSettings {
  /** Permission of users on resources they were not granted (READ unless the args say otherwise). */
  defaultPermission: string;
  /** Where users and permissions live (the backend store's PostgreSQL database). */
  databaseUri: string;
  adminUsername: string;
  adminPassword: string;
}

/** ConfigParser (which MLflow reads the file with) interpolates `%`: write it as `%%`. */
function iniValue(key: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`basic_auth.ini: ${key} must be a single line`);
  return value.replace(/%/g, "%%");
}

/**
 * MLflow's basic-auth configuration (the format of mlflow/server/auth/basic_auth.ini). Refuses
 * MLflow's well-known default admin password and short passwords.
 */
export function basicAuthIni(s: BasicAuthSettings): string {
  if (s.adminPassword === MLFLOW_DEFAULT_ADMIN_PASSWORD) {
    throw new Error("basic_auth.ini: admin_password must not be MLflow's published default");
  }
  if (s.adminPassword.length < MIN_ADMIN_PASSWORD_LENGTH) {
    throw new Error(
      `basic_auth.ini: admin_password must have at least ${MIN_ADMIN_PASSWORD_LENGTH} characters`,
    );
  }
  return [
    "[mlflow]",
    `default_permission = ${iniValue("default_permission", s.defaultPermission)}`,
    `database_uri = ${iniValue("database_uri", s.databaseUri)}`,
    `admin_username = ${iniValue("admin_username", s.adminUsername)}`,
    `admin_password = ${iniValue("admin_password", s.adminPassword)}`,
    `authorization_function = ${BASIC_AUTH_FUNCTION}`,
    "",
  ].join("\n");
}

export interface BackendStoreParts {
  username: string;
  password: string;
  host: string;
  port: number;
  databaseName: string;
  /** libpq sslmode ("require" on the clouds). */
  sslMode: string;
}

/** The SQLAlchemy URI of the PostgreSQL backend store (user and password percent-encoded). */
export function backendStoreUri(p: BackendStoreParts): string {
  const user = encodeURIComponent(p.username);
  const password = encodeURIComponent(p.password);
  return `postgresql+psycopg2://${user}:${password}@${p.host}:${p.port}/${encodeURIComponent(p.databaseName)}?sslmode=${encodeURIComponent(p.sslMode)}`;
}

/**
 * Largest request body an in-cluster controller accepts: 5 GiB, the largest object one S3
 * PutObject takes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html),
 * i.e. the largest artifact MLflow's proxied upload can write in one request (bigger files use
 * MLflow's multipart proxy upload, in smaller parts). ingress-nginx's default is 1 MiB.
 */
export const ARTIFACT_MAX_BODY_SIZE = "5g";
/** Seconds a connection may stay idle during an artifact transfer (nginx read/send, ALB idle timeout). */
export const ARTIFACT_IDLE_TIMEOUT_SECONDS = 600;
/** Seconds a whole artifact request may take where the load balancer bounds it (GKE backend timeout). */
export const ARTIFACT_REQUEST_TIMEOUT_SECONDS = 3600;

/**
 * ingress-nginx annotations for MLflow
 * (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/):
 * HTTPS only (redirect, HSTS from the controller's defaults), a body size and timeouts that fit
 * model artifacts, and request streaming instead of buffering gigabytes on the controller's disk.
 */
export function nginxIngressAnnotations(): Record<string, string> {
  const n = "nginx.ingress.kubernetes.io";
  return {
    [`${n}/ssl-redirect`]: "true",
    [`${n}/force-ssl-redirect`]: "true",
    [`${n}/proxy-body-size`]: ARTIFACT_MAX_BODY_SIZE,
    [`${n}/proxy-request-buffering`]: "off",
    [`${n}/proxy-read-timeout`]: String(ARTIFACT_IDLE_TIMEOUT_SECONDS),
    [`${n}/proxy-send-timeout`]: String(ARTIFACT_IDLE_TIMEOUT_SECONDS),
  };
}

/** Annotations for an in-cluster controller's class: ingress-nginx's for "nginx", none for others. */
export function inClusterIngressAnnotations(className: string): Record<string, string> {
  return className === "nginx" ? nginxIngressAnnotations() : {};
}

/**
 * The schema migration the Job runs once per rollout, before any server replica starts (replicas
 * that start together on an empty database otherwise race each other's migrations):
 * - a fresh database: constructing MLflow's SQLAlchemy tracking store creates the initial tables
 *   and migrates them to head (mlflow/store/db/utils.py `_initialize_tables`); `mlflow db upgrade`
 *   alone cannot start from an empty database (its first migration alters existing tables);
 * - an existing database at an older revision: the store refuses it and `mlflow db upgrade`
 *   (https://mlflow.org/docs/latest/cli.html#mlflow-db) migrates it;
 * - with basic auth, the auth store's `init_db` migrates the users and permissions tables
 *   (mlflow/server/auth/sqlalchemy_store.py), which the server would otherwise also race.
 * The store is constructed with the server's own default artifact root: on a fresh database it
 * also creates the Default experiment (id 0) at `<root>/0`, which must be where the server puts
 * it; `mlflow server --serve-artifacts` without `--default-artifact-root` uses
 * `mlflow-artifacts:/` (DEFAULT_ARTIFACTS_URI in mlflow/store/tracking/__init__.py).
 * The URI comes from the environment (a Secret), never from the command line.
 */
export const SERVED_ARTIFACTS_ROOT = "mlflow-artifacts:/";

export function migrationScript(auth: boolean): string {
  const lines = [
    "set -eu",
    "python -c 'import os; from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore; " +
      `SqlAlchemyStore(os.environ["MLFLOW_BACKEND_STORE_URI"], "${SERVED_ARTIFACTS_ROOT}")' ` +
      '|| mlflow db upgrade "$MLFLOW_BACKEND_STORE_URI"',
  ];
  if (auth) {
    lines.push(
      "python -c 'import os; from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore; " +
        'SqlAlchemyStore().init_db(os.environ["MLFLOW_BACKEND_STORE_URI"])\'',
    );
  }
  return lines.join("\n");
}
