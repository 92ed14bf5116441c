/**
 * Alertmanager routing from args (issue 9): the `alerting` block of the Monitoring component's
 * args, its resolver (the contract pipeline, components/shared/contract.ts) and the renderer of
 * `alertmanager.yml`.
 *
 * Secrets are never values here: every receiver names the Kubernetes Secret and key that hold its
 * URL, routing key or token, and the rendered configuration reads them from files
 * (`api_url_file`, `routing_key_file`, `credentials_file`) under the directory where the
 * Alertmanager custom resource mounts `spec.secrets`. The operator-generated config Secret then
 * holds paths, not values.
 *
 * Versions: the configuration must pass amtool 0.25.0 (Debian bookworm, CI) and run on
 * Alertmanager v0.34.0 (kube-prometheus-stack 88.5.3), so it uses only fields both accept
 * (docs/design/monitoring-research.md §6): `matchers` / `source_matchers` / `target_matchers` (Alertmanager
 * ≥ 0.22), Slack `api_url_file` (≥ 0.22), PagerDuty `routing_key_file` (0.25.0, #3107) and the
 * webhook's `http_config.authorization.credentials_file`; not the webhook `url_file` (0.26.0,
 * #3223: amtool 0.25 fails with "field url_file not found in type config.plain").
 */
import { stringify } from "yaml";
import { z } from "zod";
import { resolveWith, type Problem, type Resolution } from "../shared/contract";
import type { AlertSubRoute } from "../shared/alert-routes";
import { durationMs } from "../shared/duration";
import {
  durationSchema,
  labelNameSchema,
  matcherProblems,
  matcherSchema,
  MatchOperator,
  NULL_RECEIVER,
  receiverProblems,
  receiverSchema,
  resolveMatcher as matcher,
  resolveReceiver,
  type AlertMatcherArgs,
  type AlertReceiverArgs,
  type ResolvedAlertMatcher,
  type ResolvedAlertReceiver,
  type SecretKeyRefArgs,
} from "../shared/alert-receivers";

// The receivers and matchers moved to components/shared/alert-receivers.ts (components contribute
// AlertmanagerConfig routes with them); every name stays exported from here.
export {
  MatchOperator,
  NULL_RECEIVER,
  ReceiverKind,
  type AlertMatcherArgs,
  type AlertReceiverArgs,
  type PagerDutyReceiverArgs,
  type ResolvedAlertMatcher,
  type ResolvedAlertReceiver,
  type SecretKeyRefArgs,
  type SlackReceiverArgs,
  type WebhookReceiverArgs,
} from "../shared/alert-receivers";

/**
 * Where the Alertmanager custom resource mounts each Secret listed in `spec.secrets`: "The Secrets
 * are mounted into `/etc/alertmanager/secrets/<secret-name>` in the 'alertmanager' container"
 * (crd-alertmanagers.yaml, `spec.secrets`, kube-prometheus-stack 88.5.3 / prometheus-operator
 * v0.93.1, prometheus-community/helm-charts cf408a29); each key of the Secret is a file in it.
 */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

/**
 * A route under the root route: alerts whose labels match every matcher go to `receiver`.
 * Routes are tried in order and the first match wins unless it sets `continue`.
 */
export interface AlertRouteArgs {
  /** A receiver's name, or "null" to drop the matching alerts. */
  receiver: string;
  /** At least one (a route without matchers would catch everything: use `defaultReceiver`). */
  matchers: AlertMatcherArgs[];
  /** Keep trying the following routes after this one matched. @default false */
  continue?: boolean;
  /** Labels to group by. @default the root route's `groupBy` */
  groupBy?: string[];
  /** @default the root route's `groupWait` */
  groupWait?: string;
  /** @default the root route's `groupInterval` */
  groupInterval?: string;
  /** @default the root route's `repeatInterval` */
  repeatInterval?: string;
}

/** Mutes the alerts matching `targetMatchers` while an alert matching `sourceMatchers` fires. */
export interface AlertInhibitRuleArgs {
  /** At least one. */
  sourceMatchers: AlertMatcherArgs[];
  /** At least one. */
  targetMatchers: AlertMatcherArgs[];
  /** Labels whose values must be equal in the source and the target. @default ["alertname", "namespace"] */
  equal?: string[];
}

/**
 * Alertmanager routing: receivers, routes, grouping and timing, inhibition. Durations use
 * Alertmanager's syntax (`30s`, `5m`, `4h`, `1d`, `1h30m`).
 */
export interface AlertingArgs {
  /** The receivers routes send to. @default [] */
  receivers?: AlertReceiverArgs[];
  /** Routes under the root route, tried in order. @default [] */
  routes?: AlertRouteArgs[];
  /**
   * The root route's receiver: what no route matches goes there. @default "null" (the built-in
   * receiver with no integrations: unmatched alerts are dropped, never sent anywhere unplanned)
   */
  defaultReceiver?: string;
  /**
   * Labels alerts are grouped by into one notification. @default ["alertname", "namespace"]
   * (one notification per alert per namespace: a cluster-wide outage is not one giant message,
   * and one namespace's alert does not hide another's)
   */
  groupBy?: string[];
  /**
   * How long to wait for more alerts of a new group before the first notification.
   * @default "30s" (Alertmanager's default, docs/configuration.md `group_wait`, v0.34.0)
   */
  groupWait?: string;
  /**
   * How long to wait before notifying about alerts added to a group already notified.
   * @default "5m" (Alertmanager's default, docs/configuration.md `group_interval`, v0.34.0)
   */
  groupInterval?: string;
  /**
   * How long before a notification still firing is sent again. @default "4h" (Alertmanager's
   * default, docs/configuration.md `repeat_interval`, v0.34.0: a page not acted on is repeated
   * within the same on-call shift; kube-prometheus-stack's 12h can miss a whole shift). A multiple
   * of `groupInterval` (Alertmanager rounds it up to one).
   */
  repeatInterval?: string;
  /**
   * Inhibition rules. @default one rule: an alert with `severity="critical"` mutes the
   * `severity="warning"` alerts with the same `alertname` and `namespace` (the warning is implied
   * by the page). `[]` turns inhibition off.
   */
  inhibitRules?: AlertInhibitRuleArgs[];
}

// ---------------------------------------------------------------------------------------------
// Schemas (field shapes only; the cross-field rules are resolveAlertingArgs's)

/** Runtime schema of `AlertingArgs`'s fields.  @internal */
export const alertingArgsSchema = z
  .object({
    receivers: z.array(receiverSchema).optional(),
    routes: z
      .array(
        z
          .object({
            receiver: z.string(),
            matchers: z.array(matcherSchema),
            continue: z.boolean().optional(),
            groupBy: z.array(labelNameSchema).optional(),
            groupWait: durationSchema.optional(),
            groupInterval: durationSchema.optional(),
            repeatInterval: durationSchema.optional(),
          })
          .strict(),
      )
      .optional(),
    defaultReceiver: z.string().optional(),
    groupBy: z.array(labelNameSchema).optional(),
    groupWait: durationSchema.optional(),
    groupInterval: durationSchema.optional(),
    repeatInterval: durationSchema.optional(),
    inhibitRules: z
      .array(
        z
          .object({
            sourceMatchers: z.array(matcherSchema),
            targetMatchers: z.array(matcherSchema),
            equal: z.array(labelNameSchema).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Resolved args

/** `AlertingArgs` with every default applied. */
export interface ResolvedAlertingArgs {
  receivers: ResolvedAlertReceiver[];
  /** Under the root route; timing and grouping only where they override the root's. */
  routes: AlertSubRoute[];
  defaultReceiver: string;
  groupBy: string[];
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  inhibitRules: {
    sourceMatchers: ResolvedAlertMatcher[];
    targetMatchers: ResolvedAlertMatcher[];
    equal: string[];
  }[];
}

/** The defaults of `AlertingArgs` (see its TSDoc for the sources). */
export const ALERTING_DEFAULTS = {
  defaultReceiver: NULL_RECEIVER,
  groupBy: ["alertname", "namespace"],
  groupWait: "30s",
  groupInterval: "5m",
  repeatInterval: "4h",
  inhibitRules: [
    {
      sourceMatchers: [{ label: "severity", operator: MatchOperator.equal, value: "critical" }],
      targetMatchers: [{ label: "severity", operator: MatchOperator.equal, value: "warning" }],
      equal: ["alertname", "namespace"],
    },
  ],
} as const;

type ParsedAlerting = z.output<typeof alertingArgsSchema>;

/** The cross-field rules of `AlertingArgs`, each run once.  @internal */
function alertingProblems(v: ParsedAlerting): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  (v.receivers ?? []).forEach((r, i) => {
    if (r.name === NULL_RECEIVER) {
      problems.push({
        path: ["receivers", i, "name"],
        message: `"${NULL_RECEIVER}" is the built-in receiver that drops alerts; choose another name`,
      });
    }
    const first = names.get(r.name);
    if (first !== undefined) {
      problems.push({
        path: ["receivers", i, "name"],
        message: `duplicate receiver name "${r.name}" (also receivers[${first}])`,
      });
    } else {
      names.set(r.name, i);
    }
    for (const p of receiverProblems(r))
      problems.push({ path: ["receivers", i, ...p.path], message: p.message });
  });
  const known = (name: string) => name === NULL_RECEIVER || names.has(name);
  const unknown = (name: string) =>
    `unknown receiver "${name}"; define it under receivers or use "${NULL_RECEIVER}" to drop`;
  if (v.defaultReceiver !== undefined && !known(v.defaultReceiver)) {
    problems.push({ path: ["defaultReceiver"], message: unknown(v.defaultReceiver) });
  }
  const rootGroupInterval = durationMs(v.groupInterval ?? ALERTING_DEFAULTS.groupInterval) ?? 0;
  const rootRepeat = durationMs(v.repeatInterval ?? ALERTING_DEFAULTS.repeatInterval) ?? 0;
  if (rootRepeat > 0 && rootGroupInterval > 0 && rootRepeat < rootGroupInterval) {
    problems.push({
      path: ["repeatInterval"],
      message: `must be at least groupInterval (${v.groupInterval ?? ALERTING_DEFAULTS.groupInterval}): Alertmanager only repeats at group_interval ticks`,
    });
  }
  (v.routes ?? []).forEach((route, i) => {
    if (!known(route.receiver))
      problems.push({ path: ["routes", i, "receiver"], message: unknown(route.receiver) });
    if (route.matchers.length === 0) {
      problems.push({
        path: ["routes", i, "matchers"],
        message: "must have at least one matcher (a route matching everything is defaultReceiver's job)",
      });
    }
    problems.push(...matcherProblems(route.matchers, ["routes", i, "matchers"]));
    const gi = durationMs(route.groupInterval ?? v.groupInterval ?? ALERTING_DEFAULTS.groupInterval) ?? 0;
    const ri = durationMs(route.repeatInterval ?? v.repeatInterval ?? ALERTING_DEFAULTS.repeatInterval) ?? 0;
    if (
      (route.groupInterval !== undefined || route.repeatInterval !== undefined) &&
      gi > 0 &&
      ri > 0 &&
      ri < gi
    ) {
      problems.push({
        path: ["routes", i, route.repeatInterval !== undefined ? "repeatInterval" : "groupInterval"],
        message:
          "repeatInterval must be at least groupInterval: Alertmanager only repeats at group_interval ticks",
      });
    }
  });
  (v.inhibitRules ?? []).forEach((rule, i) => {
    for (const key of ["sourceMatchers", "targetMatchers"] as const) {
      if (rule[key].length === 0) {
        problems.push({
          path: ["inhibitRules", i, key],
          message: "must have at least one matcher (an empty one matches every alert)",
        });
      }
      problems.push(...matcherProblems(rule[key], ["inhibitRules", i, key]));
    }
  });
  return problems;
}

/**
 * The contract pipeline of the `alerting` args (components/shared/contract.ts), in one pure pass:
 * the schema, the cross-field rules (unknown or duplicate receivers, the block of each receiver's
 * kind, webhook URLs without credentials, matchers, durations) and every default.
 */
export function resolveAlertingArgs(args: unknown): Resolution<ResolvedAlertingArgs> {
  return resolveWith(alertingArgsSchema, args, (v, fieldsValid) => {
    const problems = alertingProblems(v);
    if (!fieldsValid) return { resolved: undefined, problems };
    const receivers: ResolvedAlertReceiver[] = (v.receivers ?? []).map(resolveReceiver);
    const resolved: ResolvedAlertingArgs = {
      receivers,
      routes: (v.routes ?? []).map((route) => ({
        receiver: route.receiver,
        matchers: route.matchers.map(matcher),
        continue: route.continue ?? false,
        ...(route.groupBy !== undefined ? { groupBy: route.groupBy } : {}),
        ...(route.groupWait !== undefined ? { groupWait: route.groupWait } : {}),
        ...(route.groupInterval !== undefined ? { groupInterval: route.groupInterval } : {}),
        ...(route.repeatInterval !== undefined ? { repeatInterval: route.repeatInterval } : {}),
      })),
      defaultReceiver: v.defaultReceiver ?? ALERTING_DEFAULTS.defaultReceiver,
      groupBy: v.groupBy ?? [...ALERTING_DEFAULTS.groupBy],
      groupWait: v.groupWait ?? ALERTING_DEFAULTS.groupWait,
      groupInterval: v.groupInterval ?? ALERTING_DEFAULTS.groupInterval,
      repeatInterval: v.repeatInterval ?? ALERTING_DEFAULTS.repeatInterval,
      inhibitRules: v.inhibitRules
        ? v.inhibitRules.map((rule) => ({
            sourceMatchers: rule.sourceMatchers.map(matcher),
            targetMatchers: rule.targetMatchers.map(matcher),
            equal: rule.equal ?? [...ALERTING_DEFAULTS.groupBy],
          }))
        : ALERTING_DEFAULTS.inhibitRules.map((rule) => ({
            sourceMatchers: rule.sourceMatchers.map((m) => ({ ...m })),
            targetMatchers: rule.targetMatchers.map((m) => ({ ...m })),
            equal: [...rule.equal],
          })),
    };
    return { resolved, problems };
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A Secret key the Alertmanager must mount, and the file the configuration reads. */
export interface AlertmanagerSecretMount {
  secretName: string;
  key: string;
  /** `<secretMountDir>/<secretName>/<key>`. */
  path: string;
}

/** The rendered configuration and what it needs mounted. */
export interface RenderedAlertmanagerConfig {
  /** The `alertmanager.yml` document as an object (snake_case, Alertmanager's own format). */
  config: Record<string, unknown>;
  /** The same, as YAML. */
  yaml: string;
  /** Every Secret key a `*_file` field reads, once each, sorted. */
  mounts: AlertmanagerSecretMount[];
  /** The Secrets to list in the Alertmanager CR's `spec.secrets`, once each, sorted. */
  secretNames: string[];
}

/**
 * A matcher in Alertmanager's string syntax, the value double-quoted (both the 0.25 parser and
 * 0.34's UTF-8 parser accept `label="value"` with `\\`, `\"` and `\n` escapes).
 * @internal
 */
export function matcherString(m: ResolvedAlertMatcher): string {
  const value = m.value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `${m.label}${m.operator}"${value}"`;
}

/**
 * `alertmanager.yml` for resolved args: every secret is a file under `secretMountDir` (the
 * Alertmanager CR mounts `spec.secrets` at `ALERTMANAGER_SECRETS_DIR`; a test passes a temporary
 * directory). The root route sends to `defaultReceiver`; the `null` receiver is always defined.
 */
export function renderAlertmanagerConfig(
  resolved: ResolvedAlertingArgs,
  secretMountDir: string = ALERTMANAGER_SECRETS_DIR,
): RenderedAlertmanagerConfig {
  const dir = secretMountDir.replace(/\/+$/, "");
  const mounts = new Map<string, AlertmanagerSecretMount>();
  const file = (ref: SecretKeyRefArgs): string => {
    const path = `${dir}/${ref.name}/${ref.key}`;
    mounts.set(path, { secretName: ref.name, key: ref.key, path });
    return path;
  };
  const receivers: Record<string, unknown>[] = [{ name: NULL_RECEIVER }];
  for (const r of resolved.receivers) {
    if (r.slack) {
      receivers.push({
        name: r.name,
        slack_configs: [
          {
            api_url_file: file(r.slack.apiUrlSecret),
            ...(r.slack.channel !== undefined ? { channel: r.slack.channel } : {}),
            send_resolved: r.slack.sendResolved,
          },
        ],
      });
    } else if (r.pagerduty) {
      receivers.push({
        name: r.name,
        pagerduty_configs: [
          { routing_key_file: file(r.pagerduty.routingKeySecret), send_resolved: r.pagerduty.sendResolved },
        ],
      });
    } else if (r.webhook) {
      receivers.push({
        name: r.name,
        webhook_configs: [
          {
            url: r.webhook.url,
            send_resolved: r.webhook.sendResolved,
            max_alerts: r.webhook.maxAlerts,
            http_config: {
              authorization: {
                type: r.webhook.authorizationType,
                credentials_file: file(r.webhook.credentialsSecret),
              },
            },
          },
        ],
      });
    }
  }
  const routes = resolved.routes.map((route) => ({
    receiver: route.receiver,
    matchers: route.matchers.map(matcherString),
    ...(route.continue ? { continue: true } : {}),
    ...(route.groupBy !== undefined ? { group_by: route.groupBy } : {}),
    ...(route.groupWait !== undefined ? { group_wait: route.groupWait } : {}),
    ...(route.groupInterval !== undefined ? { group_interval: route.groupInterval } : {}),
    ...(route.repeatInterval !== undefined ? { repeat_interval: route.repeatInterval } : {}),
  }));
  const config: Record<string, unknown> = {
    route: {
      receiver: resolved.defaultReceiver,
      group_by: resolved.groupBy,
      group_wait: resolved.groupWait,
      group_interval: resolved.groupInterval,
      repeat_interval: resolved.repeatInterval,
      ...(routes.length > 0 ? { routes } : {}),
    },
    ...(resolved.inhibitRules.length > 0
      ? {
          inhibit_rules: resolved.inhibitRules.map((rule) => ({
            source_matchers: rule.sourceMatchers.map(matcherString),
            target_matchers: rule.targetMatchers.map(matcherString),
            equal: rule.equal,
          })),
        }
      : {}),
    receivers,
  };
  const sortedMounts = [...mounts.values()].sort((a, b) => a.path.localeCompare(b.path));
  return {
    config,
    yaml: stringify(config),
    mounts: sortedMounts,
    secretNames: [...new Set(sortedMounts.map((m) => m.secretName))].sort(),
  };
}
