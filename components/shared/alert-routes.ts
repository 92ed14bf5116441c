/**
 * How a component contributes Alertmanager routes (issue 9, "AlertmanagerConfig objects where a
 * component contributes routes"): `createAlertRoutes`, the one Pulumi-level helper, creates a
 * `monitoring.coreos.com/v1alpha1` AlertmanagerConfig in the owner's namespace when the cluster's
 * monitoring is on, after the CRDs (`ClusterMonitoring.dependsOn`), the same way
 * `createScrapeTarget` creates monitors.
 *
 * What the operator does with it (prometheus-operator v0.93, the version kube-prometheus-stack
 * 88.5.3 runs; the CRD's `spec.route` documentation and `pkg/alertmanager/amcfg.go`): the Monitoring
 * component's Alertmanager selects AlertmanagerConfigs in every namespace with
 * `alertmanagerConfigMatcherStrategy: OnNamespace`, so the operator adds the matcher
 * `namespace="<the object's namespace>"` to the object's route, forces `continue: true` on it (the
 * root configuration's own routes are still evaluated afterwards) and puts it under the root route
 * before the root's routes; receiver names become `<namespace>/<object name>/<receiver>`. The
 * route therefore only ever sees alerts whose `namespace` label is the owner's namespace: an alert
 * aggregated away from its namespace (e.g. `sum by (cluster_queue)`) never reaches it.
 *
 * Secrets are `SecretKeySelector`s (`{ name, key }`) of Secrets in the same namespace: Slack
 * `apiURL`, PagerDuty `routingKey`, the webhook's `httpConfig.authorization.credentials`. The
 * manifest never holds a secret value. (The operator reads the Secrets and writes their values into
 * the Alertmanager configuration Secret it generates: docs/design/monitoring-research.md §6.)
 */
import * as k8s from "@pulumi/kubernetes";
import { ScrapeBackend } from "./monitors";
import { createMonitoringObject, type ScrapeTargetPlacement } from "./scrape-target";
import type { ResolvedAlertMatcher, ResolvedAlertReceiver } from "./alert-receivers";

/**
 * The monitoring backends whose cluster runs the in-cluster Alertmanager that reads
 * AlertmanagerConfigs (the Monitoring component's kube-prometheus-stack, in both modes).
 */
export const ALERT_ROUTE_BACKENDS: readonly ScrapeBackend[] = [
  ScrapeBackend.prometheusOperator,
  ScrapeBackend.gmp,
];

/**
 * A route under a parent route (an AlertmanagerConfig's route, or the Monitoring component's root
 * route), resolved: every field the owner wants is set; timing and grouping only where they
 * override the parent's.
 */
export interface AlertSubRoute {
  /** A receiver of the same object. */
  receiver: string;
  matchers: ResolvedAlertMatcher[];
  continue: boolean;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** What an owner contributes: receivers and the route of its namespace's alerts (resolved values). */
export interface AlertRoutesArgs {
  /** `metadata.name` of the AlertmanagerConfig. */
  name: string;
  /** The owner's namespace: the Secrets are read there and only its alerts are routed. */
  namespace: string;
  /** Labels of the object. */
  labels: Record<string, string>;
  /** At least one; every Secret they name is in `namespace`. */
  receivers: ResolvedAlertReceiver[];
  /** The receiver of the namespace's alerts that no sub-route takes. */
  receiver: string;
  /** Extra matchers of the route (the operator adds `namespace="<namespace>"` itself). @default [] */
  matchers?: ResolvedAlertMatcher[];
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** Sub-routes, tried in order. @default [] */
  routes?: AlertSubRoute[];
}

/** Thrown for args that would make an AlertmanagerConfig the operator rejects (a bug of the owner). */
export class AlertRoutesArgsError extends Error {}

type Json = Record<string, unknown>;

const matcherOf = (m: ResolvedAlertMatcher): Json => ({
  name: m.label,
  value: m.value,
  matchType: m.operator,
});

/** The grouping and timing fields of a CRD route. */
interface RouteTiming {
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

const timing = (r: RouteTiming): RouteTiming => ({
  ...(r.groupBy !== undefined ? { groupBy: r.groupBy } : {}),
  ...(r.groupWait !== undefined ? { groupWait: r.groupWait } : {}),
  ...(r.groupInterval !== undefined ? { groupInterval: r.groupInterval } : {}),
  ...(r.repeatInterval !== undefined ? { repeatInterval: r.repeatInterval } : {}),
});

/** One receiver in the CRD's camelCase form, every secret a `SecretKeySelector`. */
function receiverOf(r: ResolvedAlertReceiver): Json {
  if (r.slack) {
    return {
      name: r.name,
      slackConfigs: [
        {
          apiURL: { name: r.slack.apiUrlSecret.name, key: r.slack.apiUrlSecret.key },
          ...(r.slack.channel !== undefined ? { channel: r.slack.channel } : {}),
          sendResolved: r.slack.sendResolved,
        },
      ],
    };
  }
  if (r.pagerduty) {
    return {
      name: r.name,
      pagerdutyConfigs: [
        {
          routingKey: { name: r.pagerduty.routingKeySecret.name, key: r.pagerduty.routingKeySecret.key },
          sendResolved: r.pagerduty.sendResolved,
        },
      ],
    };
  }
  if (r.webhook) {
    return {
      name: r.name,
      webhookConfigs: [
        {
          url: r.webhook.url,
          sendResolved: r.webhook.sendResolved,
          maxAlerts: r.webhook.maxAlerts,
          httpConfig: {
            authorization: {
              type: r.webhook.authorizationType,
              credentials: { name: r.webhook.credentialsSecret.name, key: r.webhook.credentialsSecret.key },
            },
          },
        },
      ],
    };
  }
  throw new AlertRoutesArgsError(`receiver "${r.name}" has no ${r.kind} block`);
}

/**
 * The AlertmanagerConfig of `args` (pure; `createAlertRoutes` creates it). Throws
 * `AlertRoutesArgsError` listing every problem when a route names a receiver the object does not
 * define or the object has no receiver.
 */
export function alertmanagerConfigManifest(args: AlertRoutesArgs) {
  const names = new Set(args.receivers.map((r) => r.name));
  const problems: string[] = [];
  if (args.receivers.length === 0) problems.push("receivers: at least one is needed");
  if (names.size !== args.receivers.length) problems.push("receivers: names must be unique");
  const check = (receiver: string, where: string) => {
    if (!names.has(receiver)) problems.push(`${where}: unknown receiver "${receiver}"`);
  };
  check(args.receiver, "receiver");
  (args.routes ?? []).forEach((r, i) => check(r.receiver, `routes[${i}].receiver`));
  if (problems.length > 0) {
    throw new AlertRoutesArgsError(
      `AlertmanagerConfig ${args.namespace}/${args.name}: ${problems.join("; ")}`,
    );
  }
  const matchers = args.matchers ?? [];
  const routes = args.routes ?? [];
  return {
    apiVersion: "monitoring.coreos.com/v1alpha1" as const,
    kind: "AlertmanagerConfig" as const,
    metadata: { name: args.name, namespace: args.namespace, labels: { ...args.labels } },
    spec: {
      route: {
        receiver: args.receiver,
        ...(matchers.length > 0 ? { matchers: matchers.map(matcherOf) } : {}),
        ...timing(args),
        ...(routes.length > 0
          ? {
              routes: routes.map((r) => ({
                receiver: r.receiver,
                matchers: r.matchers.map(matcherOf),
                ...(r.continue ? { continue: true } : {}),
                ...timing(r),
              })),
            }
          : {}),
      },
      receivers: args.receivers.map(receiverOf),
    },
  };
}

/**
 * Where the AlertmanagerConfig is created: under its owner (`${ctx.name}-<role>`), on the
 * cluster's provider, after the cluster's monitoring CRDs and `dependsOn` (the owner's namespace,
 * the Secrets) — the same placement as a monitor's.
 */
export type AlertRoutesPlacement = ScrapeTargetPlacement;

/**
 * Creates the owner's AlertmanagerConfig (named `${ctx.name}-<role>`) after the CRDs, or nothing
 * when monitoring is off or its backend has no in-cluster Alertmanager (`ALERT_ROUTE_BACKENDS`).
 * Invalid args are a bug of the owning component: they throw, listing every problem.
 */
export function createAlertRoutes(
  placement: AlertRoutesPlacement,
  role: string,
  args: AlertRoutesArgs,
): k8s.apiextensions.CustomResource | undefined {
  const { monitoring } = placement;
  if (monitoring === undefined || !ALERT_ROUTE_BACKENDS.includes(monitoring.backend)) return undefined;
  return createMonitoringObject(
    placement,
    monitoring,
    role,
    () => alertmanagerConfigManifest(args),
    AlertRoutesArgsError,
  );
}
