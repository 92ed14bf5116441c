/**
 * The Kubernetes side of the model registry: the MLflow server's Secret and schema-migration Job
 * (with its NetworkPolicy), the server as a SecureWorkload (Deployment, Service, NetworkPolicy,
 * PodDisruptionBudget; the ServiceAccount is the adapter's workload identity), the optional
 * Ingress, and MLflow's scrape target (`mlflowScrapeTarget`; the registry creates the monitor
 * through the one helper when its cluster has monitoring on). The Secret, the Job and the Ingress
 * stay MLflow's own: the Secret's keys, the migration script and the Ingress's class settings are
 * specific to this server.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { WorkloadIdentity } from "../adapters";
import { httpsIngressClass, httpsIngressPeers, type HttpsIngressSettings } from "../shared/https-ingress";
import {
  dnsEgressRule,
  resources,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  selectorLabels,
  uniqueRules,
  type ContainerResources,
} from "../shared/k8s";
import { movedFrom } from "../shared/aliases";
import { MonitorKind, ScrapeBackend } from "../shared/monitors";
import { dnsLabel } from "../shared/names";
import type { WorkloadScrapeTarget } from "../shared/scrape-target";
import { SecureWorkload } from "../shared/secure-workload";
import { basicAuthIni, inClusterIngressAnnotations, migrationScript } from "./config";

/** Port of the MLflow server (MLflow's default). */
export const MLFLOW_PORT = 5000;
/** uid/gid MLflow runs as: the official image sets no USER; MLflow's own Helm chart uses 1000. */
export const MLFLOW_UID = 1000;
const AUTH_CONFIG_DIR = "/etc/mlflow/auth";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface MlflowSettings {
  name: string;
  namespace: pulumi.Output<string>;
  labels: Record<string, string>;
  image: string;
  replicas: number;
  workers: number;
  podDisruptionBudget: boolean;
  /** Spread replicas across zones (staging/prod). */
  spreadAcrossZones: boolean;
  resources: ContainerResources;
  backendStoreUri: pulumi.Output<string>;
  artifactsDestination: pulumi.Output<string>;
  identity: WorkloadIdentity;
  env: EnvVar[];
  egress: EgressRule[];
  /** Egress the schema-migration Job needs (the database only). */
  migrationEgress: EgressRule[];
  clientNamespaceLabels: Record<string, string>;
  ingress?: HttpsIngressSettings;
  auth?: { adminUsername: string; defaultPermission: string };
  /**
   * MLflow is scraped (`isScraped`: the cluster's monitoring is on and its backend can express
   * `mlflowScrapeTarget`): the scrapers' NetworkPolicy rule, and whether the Secret keeps the
   * credentials the monitor authenticates with (auth on). Undefined: nothing of this exists, and
   * the objects are exactly those of a registry without monitoring.
   */
  scrape?: { ingress: IngressRule; credentials: boolean };
  dependsOn: pulumi.Resource[];
}

export interface MlflowWorkload {
  serviceName: pulumi.Output<string>;
  adminPassword?: pulumi.Output<string>;
  /** The server (Deployment, Service, NetworkPolicy, PDB): what the monitor comes after. */
  server: SecureWorkload;
  /** The server's config Secret (backend URI, auth config, scrape credentials). */
  secret: k8s.core.v1.Secret;
}

/** The Kubernetes name of the server's config Secret. */
export function serverConfigSecretName(name: string): string {
  return dnsLabel([name, "server-config"]);
}

/**
 * Keys of the server-config Secret that hold the credentials Prometheus scrapes `/metrics` with
 * when basic auth is on (only then, and only while MLflow is scraped).
 */
export const METRICS_CREDENTIAL_KEYS = {
  username: "metrics-username",
  password: "metrics-password",
} as const;

/**
 * The Kubernetes name of MLflow's monitor: "mlflow-" first, so that the `job` label of its
 * targets always contains "mlflow" (`<namespace>/mlflow-<name>` for a prometheus-operator
 * PodMonitor, `mlflow-<name>` for a GMP PodMonitoring), whatever the registry and namespace are
 * called and however long (dnsLabel truncates the end): that is what the `MlflowDown` /
 * `MlflowTargetMissing` rules and the MLflow dashboard select by default (`job=~".*mlflow.*"`,
 * components/monitoring/rules.ts `mlflowRules`).
 */
export function mlflowMonitorName(name: string): string {
  return dnsLabel(["mlflow", name]);
}

/** Host headers of a scrape of the pod's own address (IPv4 `ip:port`, IPv6 `[ip]:port`). */
export const SCRAPE_HOSTS = [`$(POD_IP):${MLFLOW_PORT}`, `[$(POD_IP)]:${MLFLOW_PORT}`] as const;

/**
 * MLflow's scrape target, for `createScrapeTarget`. MLflow 3.x serves its metrics on the server
 * port at `/metrics` with `mlflow server --expose-prometheus <dir>` (always on here, the dir in
 * the /tmp emptyDir): the CLI sets `prometheus_multiproc_dir` for the server process
 * (mlflow/server/__init__.py `_run_server`), and the Flask app then registers
 * prometheus_flask_exporter's multiprocess `GunicornInternalPrometheusMetrics` on `/metrics`
 * (mlflow/server/prometheus_exporter.py), which sums every worker's samples from that dir. With
 * the default uvicorn server the FastAPI app mounts that Flask app at "/" (mlflow/server/
 * fastapi_app.py `create_fastapi_app`), so `/metrics` is served there too (read in the mlflow
 * 3.15.2 wheel; prometheus-flask-exporter comes with the "-full" image's `mlflow[extras]`,
 * docker/Dockerfile.full).
 *
 * A PodMonitor on the named container port "http", so that both backends can scrape it (GMP
 * reads only PodMonitorings, which select pods). With basic auth on, `/metrics` needs
 * credentials: the auth app's only unprotected paths are /static, /favicon.ico and /health
 * (mlflow/server/auth/__init__.py `_UNPROTECTED_PATH_PREFIXES`, 3.15.2), and its
 * `_before_request` authenticates every other request of the Flask app. The monitor then reads
 * them from the server-config Secret (`METRICS_CREDENTIAL_KEYS`). They are the admin user's:
 * MLflow's basic-auth configuration declares exactly one user (basic_auth.ini has
 * `admin_username` / `admin_password` and no other users; mlflow/server/auth/config.py
 * `read_auth_config`); any other user is created at run time through the REST API, so a dedicated
 * read-only scrape user is not declarative and is not created. The price: the prometheus-operator
 * copies the admin password into the Prometheus's generated configuration (a Secret in the
 * monitoring namespace). If the admin password is changed through MLflow's API, the scrape fails
 * with 401 (MlflowDown's runbook says to check the scrape credentials). GMP cannot take them
 * (its PodMonitoring's basicAuth user name is plain text, not a Secret reference; the helper
 * rejects it), so with auth on the target lists only `prometheusOperator`: on a GMP cluster MLflow
 * is then not scraped, and its NetworkPolicy stays closed to the collectors.
 */
export function mlflowScrapeTarget(name: string, namespace: string, auth: boolean): WorkloadScrapeTarget {
  const secretName = serverConfigSecretName(name);
  return {
    ...(auth ? { backends: [ScrapeBackend.prometheusOperator] } : {}),
    kind: MonitorKind.podMonitor,
    name: mlflowMonitorName(name),
    namespace,
    selector: selectorLabels("mlflow", name, "model-registry"),
    endpoints: [
      {
        port: "http",
        ...(auth
          ? {
              basicAuth: {
                usernameSecret: { name: secretName, key: METRICS_CREDENTIAL_KEYS.username },
                passwordSecret: { name: secretName, key: METRICS_CREDENTIAL_KEYS.password },
              },
            }
          : {}),
      },
    ],
  };
}

/**
 * Host headers MLflow accepts (MLflow ≥ 3.5 rejects others with 403: DNS-rebinding protection),
 * then `extra` (the pod's own address when it is scraped: `SCRAPE_HOSTS`).
 */
export function allowedHosts(
  service: string,
  namespace: string,
  ingressHost?: string,
  extra: readonly string[] = [],
): string {
  const names = [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
  const hosts = names.flatMap((n) => [n, `${n}:${MLFLOW_PORT}`]);
  // kubectl port-forward sends Host: localhost:<port>.
  hosts.push("localhost", "localhost:*", "127.0.0.1", "127.0.0.1:*");
  if (ingressHost) hosts.push(ingressHost);
  hosts.push(...extra);
  return hosts.join(",");
}

/**
 * The server's arguments (after the `mlflow` command): all interfaces on {@link MLFLOW_PORT},
 * `workers` uvicorn workers, artifacts proxied to `artifactsDestination` (clients never hold store
 * credentials), Prometheus metrics from `/tmp/prometheus`, and MLflow's basic-auth app when
 * `basicAuth`. The backend store comes from `MLFLOW_BACKEND_STORE_URI` (a Secret), never from the
 * command line. Pure, so the loop test (bin/render-loop.ts) starts a real server with exactly these.
 */
export function mlflowServerArgs<D>(
  workers: number,
  artifactsDestination: D,
  basicAuth: boolean,
): (string | D)[] {
  return [
    "server",
    "--host",
    "0.0.0.0",
    "--port",
    String(MLFLOW_PORT),
    "--workers",
    String(workers),
    "--serve-artifacts",
    "--artifacts-destination",
    artifactsDestination,
    "--expose-prometheus",
    "/tmp/prometheus",
    ...(basicAuth ? ["--app-name", "basic-auth"] : []),
  ];
}

export function mlflowWorkload(
  parent: pulumi.Resource,
  provider: k8s.Provider,
  s: MlflowSettings,
): MlflowWorkload {
  const opts = { parent, provider };
  const name = s.name;
  const serviceName = dnsLabel([name]);
  const selector = selectorLabels("mlflow", name, "model-registry");

  let adminPassword: pulumi.Output<string> | undefined;
  const secretData: Record<string, pulumi.Input<string>> = { "backend-store-uri": s.backendStoreUri };
  if (s.auth) {
    const admin = new random.RandomPassword(
      `${name}-admin-password`,
      { length: 32, special: false },
      { parent, additionalSecretOutputs: ["result"] },
    );
    const flaskKey = new random.RandomPassword(
      `${name}-flask-secret-key`,
      { length: 48, special: false },
      { parent, additionalSecretOutputs: ["result"] },
    );
    adminPassword = pulumi.secret(admin.result);
    secretData["flask-secret-key"] = pulumi.secret(flaskKey.result);
    // MLflow's basic-auth configuration (mlflow/server/auth/basic_auth.ini format). Users and
    // permissions live in the backend database; MLflow ≥ 3.6 versions them in alembic_version_auth.
    const { adminUsername, defaultPermission } = s.auth;
    secretData["basic_auth.ini"] = pulumi.secret(
      pulumi
        .all([s.backendStoreUri, admin.result])
        .apply(([databaseUri, adminPassword]) =>
          basicAuthIni({ defaultPermission, databaseUri, adminUsername, adminPassword }),
        ),
    );
    if (s.scrape?.credentials) {
      // The monitor's basicAuth (see mlflowScrapeTarget for why these are the admin's).
      secretData[METRICS_CREDENTIAL_KEYS.username] = adminUsername;
      secretData[METRICS_CREDENTIAL_KEYS.password] = pulumi.secret(admin.result);
    }
  }

  const secret = new k8s.core.v1.Secret(
    `${name}-server-config`,
    {
      metadata: { name: serverConfigSecretName(name), namespace: s.namespace, labels: s.labels },
      type: "Opaque",
      stringData: secretData,
    },
    { ...opts, dependsOn: s.dependsOn },
  );
  const secretName = secret.metadata.name;

  // A scrape addresses the pod by its IP (the target's `__address__`), so its Host header is
  // `<pod IP>:5000`, which MLflow's host check rejects with 403 unless allowed (only /health and
  // /version skip the check; mlflow/server/fastapi_security.py `HostValidationMiddleware`, 3.15.2).
  // A scraped pod allows its own address, from the downward API, and nothing wider.
  const scrapeEnv: EnvVar[] = s.scrape
    ? [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]
    : [];
  const env: EnvVar[] = [
    {
      name: "MLFLOW_BACKEND_STORE_URI",
      valueFrom: { secretKeyRef: { name: secretName, key: "backend-store-uri" } },
    },
    // Before MLFLOW_SERVER_ALLOWED_HOSTS: Kubernetes expands $(POD_IP) from earlier entries only.
    ...scrapeEnv,
    {
      name: "MLFLOW_SERVER_ALLOWED_HOSTS",
      value: s.namespace.apply((ns) =>
        allowedHosts(serviceName, ns, s.ingress?.host, s.scrape ? SCRAPE_HOSTS : []),
      ),
    },
    { name: "HOME", value: "/tmp" },
    { name: "TMPDIR", value: "/tmp" },
    ...s.env,
  ];
  if (s.ingress) {
    env.push({ name: "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS", value: `https://${s.ingress.host}` });
  }
  const args = mlflowServerArgs(s.workers, s.artifactsDestination, s.auth !== undefined);
  const volumes: k8s.types.input.core.v1.Volume[] = [{ name: "tmp", emptyDir: { sizeLimit: "2Gi" } }];
  const mounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: "tmp", mountPath: "/tmp" }];
  if (s.auth) {
    env.push(
      { name: "MLFLOW_AUTH_CONFIG_PATH", value: `${AUTH_CONFIG_DIR}/basic_auth.ini` },
      {
        name: "MLFLOW_FLASK_SERVER_SECRET_KEY",
        valueFrom: { secretKeyRef: { name: secretName, key: "flask-secret-key" } },
      },
    );
    volumes.push({
      name: "auth-config",
      secret: { secretName, items: [{ key: "basic_auth.ini", path: "basic_auth.ini" }], defaultMode: 0o440 },
    });
    mounts.push({ name: "auth-config", mountPath: AUTH_CONFIG_DIR, readOnly: true });
  }

  // The schema migration, once per rollout and before any replica starts (see migrationScript).
  // Pulumi waits for a Job to complete (pulumi-kubernetes await logic for batch/v1 Job), and a
  // changed image replaces the Job (its pod template is immutable) under a new generated name,
  // so the migration reruns before the Deployment rolls to the new version.
  const migrationSelector = selectorLabels("mlflow", name, "db-migration");
  const migrationLabels = { ...s.labels, "app.kubernetes.io/component": "db-migration" };
  const migrationPolicy = new k8s.networking.v1.NetworkPolicy(
    `${name}-db-migrate-network-policy`,
    {
      metadata: { name: dnsLabel([name, "db-migrate"]), namespace: s.namespace, labels: migrationLabels },
      spec: {
        podSelector: { matchLabels: migrationSelector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [],
        egress: uniqueRules([dnsEgressRule(), ...s.migrationEgress]),
      },
    },
    { ...opts, dependsOn: s.dependsOn },
  );
  const migration = new k8s.batch.v1.Job(
    `${name}-db-migrate`,
    {
      metadata: { namespace: s.namespace, labels: migrationLabels },
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: migrationLabels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(MLFLOW_UID),
            containers: [
              {
                name: "migrate",
                image: s.image,
                imagePullPolicy: "IfNotPresent",
                command: ["/bin/sh", "-c"],
                args: [migrationScript(s.auth !== undefined)],
                env: [
                  {
                    name: "MLFLOW_BACKEND_STORE_URI",
                    valueFrom: { secretKeyRef: { name: secretName, key: "backend-store-uri" } },
                  },
                  { name: "HOME", value: "/tmp" },
                  { name: "TMPDIR", value: "/tmp" },
                ],
                resources: resources(s.resources),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
          },
        },
      },
    },
    { ...opts, dependsOn: [...s.dependsOn, secret, migrationPolicy] },
  );

  const lb = s.ingress?.loadBalancer;
  const ingressFrom: Peer[] = [
    { podSelector: {} },
    { namespaceSelector: { matchLabels: s.clientNamespaceLabels } },
  ];
  // A cloud load balancer connects to pod IPs from its own ranges; an in-cluster controller
  // from its namespace (explicit sourceCidrs are admitted in both cases).
  if (s.ingress) ingressFrom.push(...httpsIngressPeers(s.ingress));

  // The server: Deployment, Service, NetworkPolicy and PDB. They were created directly under the
  // registry before the SecureWorkload existed; the aliases keep the deployed objects.
  const server = new SecureWorkload(
    `${name}-server`,
    {
      namespace: s.namespace,
      objectName: serviceName,
      networkPolicyName: dnsLabel([name, "server"]),
      labels: s.labels,
      selectorLabels: selector,
      image: s.image,
      containerName: "mlflow",
      command: ["mlflow"],
      args,
      env,
      volumes,
      volumeMounts: mounts,
      port: MLFLOW_PORT,
      // /health is the one endpoint that bypasses basic auth and the host check.
      healthCheckPath: "/health",
      replicas: s.replicas,
      resources: s.resources,
      runAsUser: MLFLOW_UID,
      // The ServiceAccount is the adapter's: it carries the cloud identity binding.
      serviceAccountName: s.identity.serviceAccountName,
      spreadAcrossZones: s.spreadAcrossZones,
      podDisruptionBudget: s.podDisruptionBudget,
      ingressFrom,
      // The cluster's scrapers, to the server port (where /metrics is served).
      ...(s.scrape ? { extraIngress: [s.scrape.ingress] } : {}),
      egress: s.egress,
      serviceAnnotations: lb?.serviceAnnotations,
      // The identity's pending pieces (EKS Pod Identity association, role policy): pods created
      // before them start without credentials.
      deploymentDependsOn: [secret, migration, ...s.identity.ready],
      serviceDependsOn: lb?.resources ?? [],
    },
    {
      parent,
      provider,
      dependsOn: s.dependsOn,
      transformations: [movedFrom(parent, { [`${name}-server-service`]: `${name}-service` })],
    },
  );
  const deployment = server.deployment;

  if (s.ingress) {
    const ing = s.ingress;
    const ingressClass = httpsIngressClass(ing, inClusterIngressAnnotations(ing.className));
    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          name: dnsLabel([name]),
          namespace: s.namespace,
          labels: s.labels,
          // The class's own settings (HTTPS only, body size, timeouts), then the caller's.
          annotations: ingressClass.annotations,
        },
        spec: {
          ...(ingressClass.ingressClassName !== undefined
            ? { ingressClassName: ingressClass.ingressClassName }
            : {}),
          tls: [{ hosts: [ing.host], ...(ing.tlsSecretName ? { secretName: ing.tlsSecretName } : {}) }],
          rules: [
            {
              host: ing.host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: server.serviceName, port: { name: "http" } } },
                  },
                ],
              },
            },
          ],
        },
      },
      { ...opts, dependsOn: [...s.dependsOn, deployment, ...(lb?.resources ?? [])] },
    );
  }

  return { serviceName: server.serviceName, adminPassword, server, secret };
}
