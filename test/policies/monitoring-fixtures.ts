/**
 * Resources for the monitoring rules: the kube-prometheus-stack Release the Monitoring component
 * emits (issue 9), with one part replaceable per test, and custom resources as the plan records
 * them (`kubernetes:<apiVersion>:<kind>`).
 */
import { renderAlertmanagerConfig, resolveAlertingArgs, ReceiverKind } from "../../components/monitoring";
import type { TestResource } from "./helpers";

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const V4_CHART = "kubernetes:helm.sh/v4:Chart";
export const V3_CHART = "kubernetes:helm.sh/v3:Chart";

/** The Alertmanager configuration the component renders: Slack, PagerDuty and webhook receivers, all `*_file`. */
export function componentAlertmanagerConfig(): Record<string, unknown> {
  const r = resolveAlertingArgs({
    receivers: [
      {
        name: "pager",
        kind: ReceiverKind.pagerduty,
        pagerduty: { routingKeySecret: { name: "pagerduty", key: "routing-key" } },
      },
      { name: "slack", kind: ReceiverKind.slack, slack: { apiUrlSecret: { name: "slack", key: "url" } } },
      {
        name: "hook",
        kind: ReceiverKind.webhook,
        webhook: {
          url: "https://hooks.example.com/alertmanager",
          credentialsSecret: { name: "hook", key: "token" },
        },
      },
    ],
    routes: [{ receiver: "pager", matchers: [{ label: "severity", value: "critical" }] }],
  });
  if (!r.resolved) throw new Error(JSON.stringify(r.problems));
  return renderAlertmanagerConfig(r.resolved).config;
}

/** kube-prometheus-stack values as the Monitoring component writes them. */
export function componentValues(): Record<string, unknown> {
  return {
    crds: { enabled: false },
    prometheus: {
      service: { type: "ClusterIP" },
      prometheusSpec: {
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        serviceMonitorSelector: {},
        podMonitorSelector: {},
        ruleSelector: {},
        enableAdminAPI: false,
        enableRemoteWriteReceiver: false,
        retention: "15d",
        retentionSize: "45GiB",
      },
    },
    alertmanager: {
      service: { type: "ClusterIP" },
      alertmanagerSpec: { secrets: ["hook", "pagerduty", "slack"] },
      config: componentAlertmanagerConfig(),
    },
    grafana: {
      "grafana.ini": { "auth.anonymous": { enabled: false } },
      admin: {
        existingSecret: "monitoring-grafana-admin",
        userKey: "admin-user",
        passwordKey: "admin-password",
      },
      service: { type: "ClusterIP" },
      ingress: { enabled: false },
    },
  };
}

/** The component's Release, with `values` edited by `edit` (a deep copy). */
export function kpsRelease(
  edit: (values: Record<string, unknown>) => void = () => {},
  props: Record<string, unknown> = {},
): TestResource {
  const values = componentValues();
  edit(values);
  return {
    type: RELEASE,
    name: "monitoring-stack",
    props: {
      chart: "kube-prometheus-stack",
      version: "88.5.3",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
      namespace: "monitoring",
      name: "monitoring",
      values,
      ...props,
    },
  };
}

/** A record at `path` under `values`, created when missing. */
export function at(values: Record<string, unknown>, ...path: string[]): Record<string, unknown> {
  let cur = values;
  for (const p of path) {
    const next = cur[p];
    if (typeof next === "object" && next !== null && !Array.isArray(next))
      cur = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      cur[p] = created;
      cur = created;
    }
  }
  return cur;
}

/** A custom resource as a plan records it. */
export function customResource(
  apiVersion: string,
  kind: string,
  name: string,
  metadata: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): TestResource {
  return {
    type: `kubernetes:${apiVersion}:${kind}`,
    name,
    props: { apiVersion, kind, metadata: { name, ...metadata }, spec },
  };
}

/** A ServiceMonitor in `namespace` with `labels`. */
export function serviceMonitor(
  name: string,
  namespace: string,
  labels: Record<string, string> = {},
): TestResource {
  return customResource(
    "monitoring.coreos.com/v1",
    "ServiceMonitor",
    name,
    { namespace, labels },
    {
      selector: { matchLabels: { app: name } },
      endpoints: [{ port: "metrics" }],
    },
  );
}

/** A Namespace with labels. */
export function namespace(name: string, labels: Record<string, string> = {}): TestResource {
  return { type: "kubernetes:core/v1:Namespace", name: `ns-${name}`, props: { metadata: { name, labels } } };
}
