/**
 * The cluster's part of monitoring (issue 9): the prometheus-operator CRDs, installed with the
 * cluster before any monitor, the monitors of the platform workloads the cluster runs, and the
 * `ClusterMonitoring` its handle carries to every other component.
 *
 * Why the CRDs come with the cluster, not with the `Monitoring` component: every component that
 * owns a workload creates its monitor itself (issue 9, "scrape coverage"), the cluster included
 * (Kueue, DCGM, Karpenter), and the `Monitoring` component needs the cluster's handle. With the
 * CRDs in `Monitoring`, the cluster's monitors would need `Monitoring` and `Monitoring` the
 * cluster: a cycle. With the CRDs here, the order is cluster → CRDs → monitors (any component),
 * and `Monitoring`'s Prometheus reads them whenever it starts.
 */
import * as k8s from "@pulumi/kubernetes";
import type { ComponentContext } from "../shared/component";
import { createScrapeTarget, type ClusterMonitoring } from "../shared/scrape-target";
import type { ResolvedClusterMonitoringArgs } from "./in-cluster/args";
import type { BuiltCluster } from "./types";

/**
 * The prometheus-operator CRDs as their own release, chart `prometheus-operator-crds` 31.0.1
 * (appVersion v0.93.1, the operator kube-prometheus-stack 88.5.3 runs; prometheus-community/helm-charts
 * charts/prometheus-operator-crds/Chart.yaml at cf408a29). Its CRDs are templates, so Helm
 * upgrades them (kube-prometheus-stack's own `crds/` are never upgraded by Helm, its README), and
 * Helm writes no last-applied annotation, which the large CRDs (prometheuses: 833 kB) would
 * overflow under client-side apply (docs/design/monitoring-research.md §1).
 */
export const PROMETHEUS_OPERATOR_CRDS_CHART = {
  repo: "https://prometheus-community.github.io/helm-charts",
  chart: "prometheus-operator-crds",
  version: "31.0.1",
} as const;

/** Namespace of the CRD release's record (the CRDs themselves are cluster-scoped). */
export const PROMETHEUS_OPERATOR_CRDS_NAMESPACE = "kube-system";

/**
 * The cluster's monitoring: the CRD release (with `installCrds`), and
 * the monitors of the platform workloads the cluster's builder installed (Karpenter, the AWS Load
 * Balancer Controller), each under the sub-component that owns it. Undefined when monitoring is off.
 */
export function installClusterMonitoring(
  ctx: ComponentContext,
  built: BuiltCluster,
  args: ResolvedClusterMonitoringArgs | undefined,
): ClusterMonitoring | undefined {
  if (args === undefined) return undefined;
  const dependsOn = args.installCrds
    ? [
        new k8s.helm.v3.Release(
          `${ctx.name}-prometheus-crds`,
          {
            name: PROMETHEUS_OPERATOR_CRDS_CHART.chart,
            chart: PROMETHEUS_OPERATOR_CRDS_CHART.chart,
            version: PROMETHEUS_OPERATOR_CRDS_CHART.version,
            repositoryOpts: { repo: PROMETHEUS_OPERATOR_CRDS_CHART.repo },
            namespace: PROMETHEUS_OPERATOR_CRDS_NAMESPACE,
            createNamespace: false,
            atomic: true,
            cleanupOnFail: true,
            maxHistory: 10,
          },
          ctx.opts({ provider: built.provider, dependsOn: built.ready }),
        ),
      ]
    : [];
  const monitoring: ClusterMonitoring = { backend: args.backend, dependsOn };
  for (const t of built.scrapeTargets ?? []) {
    createScrapeTarget(
      { ctx: t.owner, provider: built.provider, monitoring, dependsOn: t.dependsOn },
      t.role,
      t.target,
    );
  }
  return monitoring;
}
