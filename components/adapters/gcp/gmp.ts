/**
 * Google Cloud Managed Service for Prometheus (GMP) for the GCP adapter's `managedMetrics`. Managed
 * collection is already on in clusters this toolkit creates (`monitoringConfig.managedPrometheus`),
 * so there is no workspace to create: GKE's collectors read PodMonitoring objects and write to
 * Cloud Monitoring in the project. What the adapter adds is the read path Grafana needs: the GMP
 * frontend, a query proxy that authenticates to GMP with its Workload Identity and re-exposes the
 * Prometheus HTTP API unauthenticated (upstream `cmd/frontend/README.md`), so it stays a ClusterIP
 * Service behind a NetworkPolicy that admits only Grafana's pods.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { dnsLabel } from "../../shared/names";
import {
  dnsEgressRule,
  governanceLabels,
  resources,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  uniqueRules,
  zoneSpreadConstraint,
  type ContainerResources,
} from "../../shared/k8s";
import type { KubernetesContext, ManagedMetrics, ManagedMetricsArgs, WorkloadIdentity } from "../types";
import { ScrapeBackend } from "../../shared/monitors";
import type { GcpAdapterScope } from "./common";
import type { StoreRoleRegistry } from "./gcs";
import { createWorkloadIdentity } from "./identity";

/**
 * The GMP frontend image: the tag upstream's example manifest pins
 * (GoogleCloudPlatform/prometheus-engine `examples/frontend.yaml` at 2ffde4ec, 2026-07-02; v0.15.3
 * is also the newest `cmd/frontend` module on pkg.go.dev). The repository's own manifests run
 * v0.17.3-gke.0 for the operator and rule-evaluator, but a frontend image of that version is not
 * referenced anywhere upstream, so the example's tag is the one known to exist.
 */
export const GMP_FRONTEND_IMAGE = "gke.gcr.io/prometheus-engine/frontend:v0.15.3-gke.0";

/** Port the frontend listens on (`--web.listen-address=:9090`, as upstream's example). */
export const GMP_FRONTEND_PORT = 9090;

/** uid/gid the frontend runs as: 1000, upstream's example `securityContext`. */
export const GMP_FRONTEND_UID = 1000;

/**
 * Requests and limits of a frontend replica. Upstream's example sets none; the frontend is a thin
 * proxy (no storage, no query engine), so these are our sizing, to be revisited with measurements.
 */
export const GMP_FRONTEND_RESOURCES: ContainerResources = {
  cpuRequest: "50m",
  memoryRequest: "64Mi",
  cpuLimit: "500m",
  memoryLimit: "256Mi",
};

/** Frontend replicas: 2, as upstream's example, spread across zones with a PodDisruptionBudget. */
export const GMP_FRONTEND_REPLICAS = 2;

/**
 * Role the frontend's Google service account gets on the project: read metrics
 * (https://cloud.google.com/stackdriver/docs/managed-prometheus/query; IAM role reference,
 * https://cloud.google.com/monitoring/access-control#roles).
 */
export const MONITORING_VIEWER_ROLE = "roles/monitoring.viewer";

/**
 * Days GMP keeps samples: "Data is retained for 24 months" (product overview,
 * https://cloud.google.com/stackdriver/docs/managed-prometheus), fixed by Google; 24 × 365 / 12.
 */
export const GMP_RETENTION_DAYS = 730;

/**
 * GKE's managed rule-evaluator, which the frontend asks for `/api/v1/rules` and `/api/v1/alerts`
 * (`--rules.target-urls` default `http://rule-evaluator.gmp-system.svc.cluster.local:19092`,
 * upstream `cmd/frontend/README.md`).
 */
export const GMP_RULE_EVALUATOR = { namespace: "gmp-system", port: 19092 } as const;

/**
 * Creates, for a context named `n` and role `r`:
 * - the frontend's Workload Identity (`createWorkloadIdentity` with role `r-query`): the Google
 *   service account `n-r-query-gsa`, its `roles/monitoring.viewer` on the project
 *   (`n-r-query-monitoring-viewer-member`), the binding `n-r-query-wi-member` and the Kubernetes
 *   ServiceAccount `queryServiceAccountName` (`n-r-query-serviceaccount`);
 * - the frontend (`createFrontend`): Deployment `n-r-frontend`, ClusterIP Service
 *   `n-r-frontend-service`, NetworkPolicy `n-r-frontend-network-policy` and PodDisruptionBudget
 *   `n-r-frontend-pdb`, all with Kubernetes name `<n>-<r>-frontend`.
 *
 * `retentionDays` is not an error: GMP's retention is fixed (`GMP_RETENTION_DAYS`, reported in the
 * result). `key` is unused: Cloud Monitoring data is encrypted by Google.
 */
export function createGmpManagedMetrics(
  scope: GcpAdapterScope,
  kube: KubernetesContext,
  role: string,
  args: ManagedMetricsArgs,
  stores: StoreRoleRegistry,
): ManagedMetrics {
  const target = scope.gcp;
  const identity = createWorkloadIdentity(
    scope,
    kube,
    `${role}-query`,
    { serviceAccountName: args.queryServiceAccountName, grants: [], labels: args.labels },
    stores,
    [MONITORING_VIEWER_ROLE],
  );
  const frontend = createFrontend(scope, kube, role, args, identity);

  return {
    scrapeBackend: ScrapeBackend.gmp,
    remoteWrite: pulumi.output([]),
    prometheusServiceAccountAnnotations: {},
    queryUrl: pulumi.interpolate`http://${frontend.service.metadata.name}.${kube.namespace}.svc.cluster.local:${GMP_FRONTEND_PORT}`,
    egress: identity.egress,
    endpoint: pulumi.output(target.project),
    retentionDays: GMP_RETENTION_DAYS,
    resources: [frontend.deployment, frontend.service, frontend.networkPolicy],
  };
}

interface Frontend {
  deployment: k8s.apps.v1.Deployment;
  service: k8s.core.v1.Service;
  networkPolicy: k8s.networking.v1.NetworkPolicy;
}

/**
 * The frontend objects (see `createGmpManagedMetrics`). Pod Security "restricted" (uid 1000, no
 * privilege escalation, all capabilities dropped, RuntimeDefault seccomp, read-only root), no API
 * token, requests and limits, `GMP_FRONTEND_REPLICAS` replicas spread across zones with a PDB, and
 * upstream's probes. The NetworkPolicy admits only pods of the namespace with
 * `queryClientPodLabels` on the port, and allows egress to the cluster DNS, the metadata server and
 * Google APIs (Workload Identity, `monitoring.googleapis.com`) and GKE's rule-evaluator.
 *
 * Built here rather than with the shared `SecureWorkload` component, which imports the adapter
 * seam (`MlopsComponent` → `Target`) and so cannot be imported by an adapter without a cycle.
 */
function createFrontend(
  scope: GcpAdapterScope,
  kube: KubernetesContext,
  role: string,
  args: ManagedMetricsArgs,
  identity: WorkloadIdentity,
): Frontend {
  const { ctx, gcp: target } = scope;
  const name = `${ctx.name}-${role}-frontend`;
  const objectName = dnsLabel([ctx.name, role, "frontend"]);
  const selector = {
    "app.kubernetes.io/name": "gmp-frontend",
    "app.kubernetes.io/instance": dnsLabel([ctx.name, role]),
  };
  // Governance labels from the tags, then the caller's labels, then the selector (which must win).
  const labels = { ...governanceLabels(ctx.tags), ...args.labels, ...selector };
  const metadata = { name: objectName, namespace: kube.namespace, labels };
  const opts: pulumi.CustomResourceOptions = {
    parent: ctx.parent,
    provider: kube.k8sProvider,
    dependsOn: kube.dependsOn,
  };
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: "http" },
    timeoutSeconds: 5,
    periodSeconds,
    failureThreshold,
  });

  const deployment = new k8s.apps.v1.Deployment(
    name,
    {
      metadata,
      spec: {
        replicas: GMP_FRONTEND_REPLICAS,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: identity.serviceAccountName,
            // Workload Identity tokens come from the GKE metadata server, not the API token.
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(GMP_FRONTEND_UID),
            topologySpreadConstraints: [zoneSpreadConstraint(selector)],
            containers: [
              {
                name: "frontend",
                image: GMP_FRONTEND_IMAGE,
                imagePullPolicy: "IfNotPresent",
                args: [
                  `--web.listen-address=:${GMP_FRONTEND_PORT}`,
                  pulumi.interpolate`--query.project-id=${target.project}`,
                ],
                ports: [{ name: "http", containerPort: GMP_FRONTEND_PORT, protocol: "TCP" }],
                resources: resources(GMP_FRONTEND_RESOURCES),
                securityContext: restrictedContainerSecurityContext(),
                // Upstream's example: readiness /-/ready, liveness /-/healthy.
                startupProbe: probe("/-/ready", 10, 30),
                readinessProbe: probe("/-/ready", 10, 3),
                livenessProbe: probe("/-/healthy", 20, 3),
              },
            ],
          },
        },
      },
    },
    // Pods started before the ServiceAccount (which waits for the IAM grants) would have no identity.
    { ...opts, dependsOn: [...kube.dependsOn, identity.serviceAccount, ...identity.ready] },
  );

  const service = new k8s.core.v1.Service(
    `${name}-service`,
    {
      metadata,
      spec: {
        // The frontend answers unauthenticated: never exposed outside the cluster.
        type: "ClusterIP",
        selector,
        ports: [{ name: "http", port: GMP_FRONTEND_PORT, targetPort: "http", protocol: "TCP" }],
      },
    },
    opts,
  );

  const networkPolicy = new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    {
      metadata,
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: args.queryClientPodLabels } }],
            ports: [{ protocol: "TCP", port: GMP_FRONTEND_PORT }],
          },
        ],
        egress: uniqueRules([
          dnsEgressRule(),
          ...identity.egress,
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": GMP_RULE_EVALUATOR.namespace },
                },
              },
            ],
            ports: [{ protocol: "TCP", port: GMP_RULE_EVALUATOR.port }],
          },
        ]),
      },
    },
    opts,
  );

  new k8s.policy.v1.PodDisruptionBudget(
    `${name}-pdb`,
    { metadata, spec: { minAvailable: 1, selector: { matchLabels: selector } } },
    opts,
  );

  return { deployment, service, networkPolicy };
}
