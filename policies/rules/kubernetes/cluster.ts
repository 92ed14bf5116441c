/** Service exposure, NetworkPolicy coverage and Helm chart pinning. */
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type PolicyResource } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import { classPulumiType, resourceRule, stackRule, type ResourceRule, type StackRule } from "../types";
import { dig, rec, str, stringMap } from "../util";
import { namespaceOf, WORKLOAD_TYPES } from "./workload";

const INTERNAL_LB_ANNOTATIONS: Record<string, string[]> = {
  "service.beta.kubernetes.io/aws-load-balancer-internal": ["true"],
  "service.beta.kubernetes.io/aws-load-balancer-scheme": ["internal"],
  "networking.gke.io/load-balancer-type": ["Internal"],
  "cloud.google.com/load-balancer-type": ["Internal"],
};

/** No LoadBalancer/NodePort Services unless allowed. */
export const serviceExposure: ResourceRule = resourceRule(
  {
    name: "k8s-service-no-external-exposure",
    area: "kubernetes",
    description:
      "Services are not of type LoadBalancer (unless internal) or NodePort, unless allowLoadBalancerServices / allowNodePortServices is set.",
    severity: "high",
    configKeys: ["allowLoadBalancerServices", "allowNodePortServices"],
    remediation:
      "Use ClusterIP behind an Ingress/Gateway with authentication, or annotate the LoadBalancer as internal.",
    reference: "Checkov CKV_K8S_... (NodePort); Kyverno restrict-service-type / restrict-nodeport",
  },
  validateResourceOfType(k8s.core.v1.Service, (svc, args, report) => {
    const cfg = ruleConfig(args);
    const type = str(dig(svc.spec, "type")) ?? "ClusterIP";
    if (type === "LoadBalancer" && !cfg.allowLoadBalancerServices) {
      const ann = stringMap(dig(svc.metadata, "annotations"));
      const internal = Object.entries(INTERNAL_LB_ANNOTATIONS).some(([k, vals]) =>
        vals.includes(ann[k] ?? ""),
      );
      if (!internal) report("Service type LoadBalancer exposes the workload outside the cluster.");
    }
    if (type === "NodePort" && !cfg.allowNodePortServices)
      report("Service type NodePort opens a port on every node.");
  }),
);

const NAMESPACE = classPulumiType(k8s.core.v1.Namespace);
const NETWORK_POLICY = classPulumiType(k8s.networking.v1.NetworkPolicy);
const SYSTEM_NAMESPACES = new Set(["kube-system", "kube-public", "kube-node-lease"]);

/** Every namespace with workloads has a NetworkPolicy. */
export const namespaceNetworkPolicy: StackRule = stackRule(
  {
    name: "k8s-namespace-network-policy",
    area: "kubernetes",
    description:
      "Every namespace that runs workloads (or is declared) has at least one NetworkPolicy (default-deny recommended).",
    severity: "medium",
    remediation:
      "Add a networking.k8s.io/v1 NetworkPolicy to the namespace, e.g. default-deny ingress plus explicit allows.",
    reference: "CIS Kubernetes Benchmark 5.3.2; Kyverno add-networkpolicy",
    resourceTypes: [NAMESPACE, NETWORK_POLICY, ...WORKLOAD_TYPES],
  },
  (args, report) => {
    const policies = args.resources.filter((r) => r.type === NETWORK_POLICY);
    const covered = new Set(policies.map((p) => namespaceOf(rec(rec(p.props)?.metadata) ?? {})));
    const needed = new Map<string, PolicyResource>();
    for (const ns of args.resources.filter((r) => r.type === NAMESPACE)) {
      const name = str(dig(ns.props, "metadata", "name"));
      if (name === undefined) {
        // Auto-named namespace: covered when a NetworkPolicy depends on it.
        if (!policies.some((p) => p.dependencies.some((d) => d.urn === ns.urn)))
          report(`Namespace '${ns.name}' has no NetworkPolicy.`, ns.urn);
        continue;
      }
      needed.set(name, ns);
    }
    for (const w of args.resources.filter((r) => WORKLOAD_TYPES.includes(r.type))) {
      const ns = namespaceOf(rec(rec(w.props)?.metadata) ?? {});
      if (!needed.has(ns)) needed.set(ns, w);
    }
    for (const [ns, where] of needed) {
      if (SYSTEM_NAMESPACES.has(ns) || covered.has(ns)) continue;
      report(`Namespace '${ns}' has workloads or is declared but has no NetworkPolicy.`, where.urn);
    }
  },
);

/** True when a chart reference is a local path (pinned by the repository's own history). */
function isLocalChart(chart: string): boolean {
  return chart.startsWith("./") || chart.startsWith("../") || chart.startsWith("/") || chart.endsWith(".tgz");
}

/** An exact semver-ish version (no ranges or wildcards). */
export function isPinnedVersion(version: string | undefined): boolean {
  return version !== undefined && /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/.test(version);
}

const HELM_SPEC = {
  area: "kubernetes" as const,
  severity: "medium" as const,
  remediation:
    'Set version to an exact chart version (e.g. "1.16.3"); avoid ranges (^, ~, x, *) and omitting it (which installs the latest).',
  reference: "Checkov CKV_K8S_... equivalent (pinned dependencies); Helm best practices",
};

function checkChart(chart: unknown, version: unknown, report: (m: string) => void): void {
  const c = str(chart);
  if (c !== undefined && isLocalChart(c)) return;
  const v = str(version);
  if (!isPinnedVersion(v))
    report(
      `Chart '${c ?? "?"}' version ${v === undefined ? "is not set" : `'${v}' is not an exact version`}.`,
    );
}

/** helm.v3.Release pins a version. */
export const helmReleasePinned: ResourceRule = resourceRule(
  {
    ...HELM_SPEC,
    name: "k8s-helm-release-version-pinned",
    description: "Helm releases (helm.v3.Release) pin an exact chart version.",
  },
  validateResourceOfType(k8s.helm.v3.Release, (rel, _args, report) =>
    checkChart(rel.chart, rel.version, report),
  ),
);

/** helm.v4.Chart pins a version. */
export const helmV4ChartPinned: ResourceRule = resourceRule(
  {
    ...HELM_SPEC,
    name: "k8s-helm-chart-version-pinned",
    description: "Helm charts (helm.v4.Chart) pin an exact chart version.",
  },
  validateResourceOfType(k8s.helm.v4.Chart, (chart, _args, report) =>
    checkChart(chart.chart, chart.version, report),
  ),
);

/** helm.v3.Chart pins a version. */
export const helmV3ChartPinned: ResourceRule = resourceRule(
  {
    ...HELM_SPEC,
    name: "k8s-helm-v3-chart-version-pinned",
    description: "Helm charts (helm.v3.Chart) pin an exact chart version (local path charts are exempt).",
  },
  validateResourceOfType(k8s.helm.v3.Chart, (chart, args, report) => {
    const opts = rec(chart) ?? {};
    if (opts.path !== undefined) args.notApplicable("local chart path");
    checkChart(opts.chart, opts.version, report);
  }),
);

/** Service, NetworkPolicy and Helm rules. */
export const clusterRules: (ResourceRule | StackRule)[] = [
  serviceExposure,
  namespaceNetworkPolicy,
  helmReleasePinned,
  helmV4ChartPinned,
  helmV3ChartPinned,
];
