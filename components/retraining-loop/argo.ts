/**
 * Argo Workflows and Argo Events, pinned, each in its own restricted namespace with a
 * NetworkPolicy and requests/limits on every container.
 *
 * Charts (argoproj/argo-helm, https://argoproj.github.io/argo-helm):
 * - `argo-workflows` 1.0.18 (appVersion v4.0.6, charts/argo-workflows/Chart.yaml at af0a9310):
 *   the controller only (`server.enabled: false`: no UI/API endpoint), watching the loop's
 *   namespace (`controller.workflowNamespaces`); minified CRDs (`crds.full: false`), so no
 *   pre-install Job downloads the full CRDs from GitHub; the toolkit's tests check every object
 *   against the full v4 schemas instead (test/schemas/argo/).
 * - `argo-events` 2.4.22 (appVersion v1.9.10, charts/argo-events/Chart.yaml at af0a9310): the
 *   controller-manager, which runs the EventBus, EventSources and Sensors.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ComponentContext } from "../shared/component";
import { dnsEgressRule, restrictedContainerSecurityContext } from "../shared/k8s";
import { RestrictedNamespace } from "../shared/restricted-namespace";

export const ARGO_HELM_REPO = "https://argoproj.github.io/argo-helm";
export const ARGO_WORKFLOWS_CHART = "argo-workflows";
export const ARGO_WORKFLOWS_CHART_VERSION = "1.0.18";
export const ARGO_WORKFLOWS_VERSION = "v4.0.6";
export const ARGO_EVENTS_CHART = "argo-events";
export const ARGO_EVENTS_CHART_VERSION = "2.4.22";
export const ARGO_EVENTS_VERSION = "v1.9.10";
/** The workflow controller's metrics port (chart `controller.metricsConfig.port`). */
export const ARGO_METRICS_PORT = 9090;

const CONTROLLER_RESOURCES = {
  requests: { cpu: "100m", memory: "256Mi" },
  limits: { cpu: "1", memory: "1Gi" },
};
/** Argo's init/wait containers in every workflow pod (chart `executor.resources`). */
export const EXECUTOR_RESOURCES = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
};
const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 8737,
  runAsGroup: 8737,
  seccompProfile: { type: "RuntimeDefault" },
};

/** Values of the argo-workflows chart. */
export function argoWorkflowsValues(workflowNamespace: string) {
  return {
    images: { pullPolicy: "IfNotPresent" },
    crds: { install: true, keep: true, full: false },
    singleNamespace: false,
    createAggregateRoles: false,
    // The loop's ServiceAccounts and Roles are the component's (least privilege).
    workflow: { serviceAccount: { create: false }, rbac: { create: false } },
    controller: {
      workflowNamespaces: [workflowNamespace],
      resources: CONTROLLER_RESOURCES,
      podSecurityContext: POD_SECURITY,
      securityContext: restrictedContainerSecurityContext(),
      metricsConfig: { enabled: true, port: ARGO_METRICS_PORT },
    },
    executor: { resources: EXECUTOR_RESOURCES, securityContext: restrictedContainerSecurityContext() },
    mainContainer: { resources: EXECUTOR_RESOURCES },
    server: { enabled: false },
  };
}

/** Values of the argo-events chart. */
export function argoEventsValues() {
  return {
    crds: { install: true, keep: true },
    createAggregateRoles: false,
    global: { securityContext: POD_SECURITY },
    controller: {
      replicas: 1,
      resources: CONTROLLER_RESOURCES,
      containerSecurityContext: restrictedContainerSecurityContext(),
    },
    webhook: { enabled: false },
  };
}

/** DNS and the Kubernetes API (443/6443: the control plane's address is not known in advance). */
function controllerPolicy(
  namespace: pulumi.Input<string>,
  labels: Record<string, string>,
  metricsPort?: number,
) {
  return {
    metadata: { name: "controller", namespace, labels },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: metricsPort
        ? [{ from: [{ namespaceSelector: {} }], ports: [{ protocol: "TCP", port: metricsPort }] }]
        : [],
      egress: [
        dnsEgressRule(),
        {
          ports: [
            { protocol: "TCP", port: 443 },
            { protocol: "TCP", port: 6443 },
          ],
        },
      ],
    },
  };
}

/** What the installs give the rest of the loop. */
export interface ArgoInstalls {
  workflows: k8s.helm.v3.Release;
  events: k8s.helm.v3.Release;
}

/** The two controllers: `n-argo-namespace`, `n-argo`, `n-argo-network-policy`, and the same for `n-argo-events`. */
export function installArgo(
  ctx: ComponentContext,
  provider: k8s.Provider,
  settings: {
    argoNamespace: string;
    argoEventsNamespace: string;
    loopNamespace: string;
    labels: Record<string, string>;
  },
): ArgoInstalls {
  const install = (
    role: string,
    namespace: string,
    chart: string,
    version: string,
    values: Record<string, unknown>,
    metricsPort?: number,
  ) => {
    const ns = new RestrictedNamespace(
      `${ctx.name}-${role}-namespace`,
      { namespace, labels: settings.labels, dnsEgress: false },
      ctx.opts({ provider }),
    );
    new k8s.networking.v1.NetworkPolicy(
      `${ctx.name}-${role}-network-policy`,
      controllerPolicy(ns.namespaceName, settings.labels, metricsPort),
      ctx.opts({ provider, dependsOn: [ns.namespace] }),
    );
    return new k8s.helm.v3.Release(
      `${ctx.name}-${role}`,
      {
        name: role,
        chart,
        version,
        repositoryOpts: { repo: ARGO_HELM_REPO },
        namespace: ns.namespaceName,
        createNamespace: false,
        atomic: true,
        cleanupOnFail: true,
        values,
      },
      ctx.opts({ provider, dependsOn: [ns.namespace, ns.defaultDeny] }),
    );
  };
  return {
    workflows: install(
      "argo",
      settings.argoNamespace,
      ARGO_WORKFLOWS_CHART,
      ARGO_WORKFLOWS_CHART_VERSION,
      argoWorkflowsValues(settings.loopNamespace),
      ARGO_METRICS_PORT,
    ),
    events: install(
      "argo-events",
      settings.argoEventsNamespace,
      ARGO_EVENTS_CHART,
      ARGO_EVENTS_CHART_VERSION,
      argoEventsValues(),
    ),
  };
}
