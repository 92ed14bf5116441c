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
import { durationMs } from "../shared/duration";

/**
 * Where the Alertmanager custom resource mounts each Secret listed in `spec.secrets`: "The Secrets
 * are mounted into `/etc/alertmanager/secrets/<secret-name>` in the 'alertmanager' container"
 * (crd-alertmanagers.yaml, `spec.secrets`, kube-prometheus-stack 88.5.3 / prometheus-operator
 * v0.93.1, prometheus-community/helm-charts cf408a29); each key of the Secret is a file in it.
 */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

/**
 * The name of the receiver that drops what it gets: a receiver with no integrations (the same
 * `null` receiver kube-prometheus-stack's default configuration has). It always exists; routes may
 * send to it to silence alerts (e.g. `alertname="Watchdog"`), and it is the default receiver.
 */
export const NULL_RECEIVER = "null";

/** The kind of a receiver: which integration it notifies. */
export const ReceiverKind = {
  /** A Slack incoming webhook (`slack_configs`). */
  slack: "slack",
  /** PagerDuty Events API v2 (`pagerduty_configs` with a routing key). */
  pagerduty: "pagerduty",
  /** A generic webhook (`webhook_configs`): POSTs Alertmanager's JSON payload. */
  webhook: "webhook",
} as const;
export type ReceiverKind = (typeof ReceiverKind)[keyof typeof ReceiverKind];

/**
 * How a matcher compares a label with its value (Alertmanager's matcher operators, the same as
 * the AlertmanagerConfig CRD's `matchType`).
 */
export const MatchOperator = {
  equal: "=",
  notEqual: "!=",
  /** The value is a RE2 regular expression, anchored at both ends. */
  regex: "=~",
  notRegex: "!~",
} as const;
export type MatchOperator = (typeof MatchOperator)[keyof typeof MatchOperator];

/** A key of a Kubernetes Secret in the Alertmanager's namespace (mounted through `spec.secrets`). */
export interface SecretKeyRefArgs {
  /** The Secret's name (a DNS-1123 subdomain). */
  name: string;
  /** The key inside the Secret whose value is the secret (letters, digits, '-', '_', '.'). */
  key: string;
}

/** A Slack receiver. */
export interface SlackReceiverArgs {
  /** The Secret key holding the incoming-webhook URL (`api_url_file`). */
  apiUrlSecret: SecretKeyRefArgs;
  /** The channel, e.g. "#ml-alerts". @default the webhook's own channel */
  channel?: string;
  /** Also notify when the alerts resolve (Alertmanager's own default for Slack is false). @default true */
  sendResolved?: boolean;
}

/** A PagerDuty receiver (Events API v2). */
export interface PagerDutyReceiverArgs {
  /** The Secret key holding the integration's routing key (`routing_key_file`). */
  routingKeySecret: SecretKeyRefArgs;
  /** Resolve the incident when the alerts resolve. @default true */
  sendResolved?: boolean;
}

/** A generic webhook receiver. */
export interface WebhookReceiverArgs {
  /**
   * The URL the alerts are POSTed to. It is not a secret (amtool 0.25 has no webhook `url_file`),
   * so it must not carry credentials: no `user:password@` and no query string; the credentials
   * go in `credentialsSecret`.
   */
  url: string;
  /**
   * The Secret key holding the token sent as `Authorization: <authorizationType> <token>`
   * (`http_config.authorization.credentials_file`).
   */
  credentialsSecret: SecretKeyRefArgs;
  /** The Authorization header's scheme. @default "Bearer" */
  authorizationType?: string;
  /** Also POST when the alerts resolve. @default true */
  sendResolved?: boolean;
  /** The most alerts in one POST; 0 sends all. @default 0 */
  maxAlerts?: number;
}

/** A receiver: exactly the block of its `kind` is set. */
export interface AlertReceiverArgs {
  /** The name routes refer to: unique, and not "null" (the built-in dropping receiver). */
  name: string;
  /** Which integration it notifies; the block of the same name must be set and no other. */
  kind: ReceiverKind;
  /** Required when `kind` is "slack". */
  slack?: SlackReceiverArgs;
  /** Required when `kind` is "pagerduty". */
  pagerduty?: PagerDutyReceiverArgs;
  /** Required when `kind` is "webhook". */
  webhook?: WebhookReceiverArgs;
}

/** One label condition of a route or an inhibition rule. */
export interface AlertMatcherArgs {
  /** The label name, e.g. "severity", "team", "namespace", "alertname". */
  label: string;
  /** The comparison. @default "=" */
  operator?: MatchOperator;
  /** The value (a regular expression for "=~" and "!~"). */
  value: string;
}

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

const durationSchema = z.string().refine((v) => (durationMs(v) ?? 0) > 0, {
  message: 'must be a positive duration such as "30s", "5m", "4h" or "1h30m"',
});

/** A Prometheus label name (the classic charset, accepted by both 0.25 and 0.34). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const labelNameSchema = z.string().regex(LABEL_NAME, {
  message: "must be a label name (letters, digits and '_', not starting with a digit)",
});

const secretKeyRefSchema = z
  .object({
    name: z
      .string()
      .max(253, { message: "must be at most 253 characters" })
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        message: "must be a Kubernetes Secret name (lowercase letters, digits, '-', '.')",
      }),
    key: z
      .string()
      .max(253, { message: "must be at most 253 characters" })
      .regex(/^[-._a-zA-Z0-9]+$/, { message: "must be a Secret key (letters, digits, '-', '_', '.')" })
      .refine((v) => v !== "." && v !== "..", { message: 'must not be "." or ".."' }),
  })
  .strict();

const matcherSchema = z
  .object({
    label: labelNameSchema,
    operator: z
      .enum([MatchOperator.equal, MatchOperator.notEqual, MatchOperator.regex, MatchOperator.notRegex])
      .optional(),
    value: z.string(),
  })
  .strict();

const receiverNameSchema = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(128, { message: "must be at most 128 characters" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    message: "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
  });

/** Runtime schema of `AlertingArgs`'s fields.  @internal */
export const alertingArgsSchema = z
  .object({
    receivers: z
      .array(
        z
          .object({
            name: receiverNameSchema,
            kind: z.enum([ReceiverKind.slack, ReceiverKind.pagerduty, ReceiverKind.webhook]),
            slack: z
              .object({
                apiUrlSecret: secretKeyRefSchema,
                channel: z.string().min(1, { message: "must not be empty" }).optional(),
                sendResolved: z.boolean().optional(),
              })
              .strict()
              .optional(),
            pagerduty: z
              .object({ routingKeySecret: secretKeyRefSchema, sendResolved: z.boolean().optional() })
              .strict()
              .optional(),
            webhook: z
              .object({
                url: z.string(),
                credentialsSecret: secretKeyRefSchema,
                authorizationType: z
                  .string()
                  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { message: 'must be an auth scheme such as "Bearer"' })
                  .refine((v) => v.toLowerCase() !== "basic", {
                    message:
                      'must not be "Basic" (Alertmanager rejects it in authorization; use a token scheme)',
                  })
                  .optional(),
                sendResolved: z.boolean().optional(),
                maxAlerts: z.number().int().min(0).optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .optional(),
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

/** A matcher with its operator resolved. */
export interface ResolvedAlertMatcher {
  label: string;
  operator: MatchOperator;
  value: string;
}

/** A receiver with its defaults applied; exactly the block of its kind is set. */
export interface ResolvedAlertReceiver {
  name: string;
  kind: ReceiverKind;
  slack?: { apiUrlSecret: SecretKeyRefArgs; channel?: string; sendResolved: boolean };
  pagerduty?: { routingKeySecret: SecretKeyRefArgs; sendResolved: boolean };
  webhook?: {
    url: string;
    credentialsSecret: SecretKeyRefArgs;
    authorizationType: string;
    sendResolved: boolean;
    maxAlerts: number;
  };
}

/** A route; timing and grouping are set only where they override the root's. */
export interface ResolvedAlertRoute {
  receiver: string;
  matchers: ResolvedAlertMatcher[];
  continue: boolean;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

/** `AlertingArgs` with every default applied. */
export interface ResolvedAlertingArgs {
  receivers: ResolvedAlertReceiver[];
  routes: ResolvedAlertRoute[];
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
type ParsedMatcher = z.output<typeof matcherSchema>;

const KIND_BLOCK = {
  [ReceiverKind.slack]: { block: "slack", secret: "apiUrlSecret", holds: "the Slack webhook URL" },
  [ReceiverKind.pagerduty]: {
    block: "pagerduty",
    secret: "routingKeySecret",
    holds: "the PagerDuty routing key",
  },
  [ReceiverKind.webhook]: { block: "webhook", secret: "credentialsSecret", holds: "the webhook's token" },
} as const;
const KINDS = Object.values(ReceiverKind);

function matcherProblems(matchers: ParsedMatcher[], path: (string | number)[]): Problem[] {
  const problems: Problem[] = [];
  matchers.forEach((m, i) => {
    const op = m.operator ?? MatchOperator.equal;
    if (op === MatchOperator.regex || op === MatchOperator.notRegex) {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch {
        problems.push({
          path: [...path, i, "value"],
          message: `must be a regular expression (operator "${op}")`,
        });
      }
    }
  });
  return problems;
}

function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http(s) URL such as "https://hooks.example.com/alerts"';
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "must be an http or https URL";
  if (parsed.username !== "" || parsed.password !== "") {
    return "must not contain credentials (it is not a secret in the rendered config); put the token in credentialsSecret";
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    return "must not have a query string or fragment (tokens in URLs end up in the config); put the token in credentialsSecret";
  }
  return undefined;
}

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
    const own = KIND_BLOCK[r.kind];
    if (r[own.block] === undefined) {
      problems.push({
        path: ["receivers", i, own.block],
        message: `required when kind is "${r.kind}" (with ${own.secret}: the Secret and key holding ${own.holds})`,
      });
    }
    for (const other of KINDS) {
      if (other !== r.kind && r[KIND_BLOCK[other].block] !== undefined) {
        problems.push({
          path: ["receivers", i, KIND_BLOCK[other].block],
          message: `only used when kind is "${other}", not "${r.kind}"; remove it`,
        });
      }
    }
    if (r.kind === ReceiverKind.webhook && r.webhook) {
      const urlProblem = webhookUrlProblem(r.webhook.url);
      if (urlProblem) problems.push({ path: ["receivers", i, "webhook", "url"], message: urlProblem });
    }
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

const matcher = (m: ParsedMatcher): ResolvedAlertMatcher => ({
  label: m.label,
  operator: m.operator ?? MatchOperator.equal,
  value: m.value,
});

/**
 * The contract pipeline of the `alerting` args (components/shared/contract.ts), in one pure pass:
 * the schema, the cross-field rules (unknown or duplicate receivers, the block of each receiver's
 * kind, webhook URLs without credentials, matchers, durations) and every default.
 */
export function resolveAlertingArgs(args: unknown): Resolution<ResolvedAlertingArgs> {
  return resolveWith(alertingArgsSchema, args, (v, fieldsValid) => {
    const problems = alertingProblems(v);
    if (!fieldsValid) return { resolved: undefined, problems };
    const receivers: ResolvedAlertReceiver[] = (v.receivers ?? []).map((r) => {
      const out: ResolvedAlertReceiver = { name: r.name, kind: r.kind };
      if (r.kind === ReceiverKind.slack && r.slack) {
        out.slack = {
          apiUrlSecret: r.slack.apiUrlSecret,
          ...(r.slack.channel !== undefined ? { channel: r.slack.channel } : {}),
          sendResolved: r.slack.sendResolved ?? true,
        };
      } else if (r.kind === ReceiverKind.pagerduty && r.pagerduty) {
        out.pagerduty = {
          routingKeySecret: r.pagerduty.routingKeySecret,
          sendResolved: r.pagerduty.sendResolved ?? true,
        };
      } else if (r.kind === ReceiverKind.webhook && r.webhook) {
        out.webhook = {
          url: r.webhook.url,
          credentialsSecret: r.webhook.credentialsSecret,
          authorizationType: r.webhook.authorizationType ?? "Bearer",
          sendResolved: r.webhook.sendResolved ?? true,
          maxAlerts: r.webhook.maxAlerts ?? 0,
        };
      }
      return out;
    });
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
