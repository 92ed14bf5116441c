/**
 * The receivers and matchers of Alertmanager routing (issue 9), shared by the root configuration
 * the Monitoring component renders (components/monitoring/alertmanager.ts, which re-exports every
 * name here) and the AlertmanagerConfig objects components contribute (`alert-routes.ts`): their
 * args, zod field schemas, cross-field checks and resolved forms. Secrets are never values: every
 * receiver names the Kubernetes Secret and key holding its URL, routing key or token.
 */
import { z } from "zod";
import type { Problem } from "./contract";
import { durationMs } from "./duration";

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

/**
 * A key of a Kubernetes Secret: in the Alertmanager's namespace (mounted through `spec.secrets`)
 * for the root configuration, in the AlertmanagerConfig's own namespace for contributed routes.
 */
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

// ---------------------------------------------------------------------------------------------
// Field schemas (the cross-field rules are `receiverProblems` / `matcherProblems`)

/** A positive Alertmanager duration.  @internal */
export const durationSchema = z.string().refine((v) => (durationMs(v) ?? 0) > 0, {
  message: 'must be a positive duration such as "30s", "5m", "4h" or "1h30m"',
});

/** A Prometheus label name (the classic charset, accepted by both 0.25 and 0.34). */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** @internal */
export const labelNameSchema = z.string().regex(LABEL_NAME, {
  message: "must be a label name (letters, digits and '_', not starting with a digit)",
});

/** @internal */
export const secretKeyRefSchema = z
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

/** @internal */
export const matcherSchema = z
  .object({
    label: labelNameSchema,
    operator: z
      .enum([MatchOperator.equal, MatchOperator.notEqual, MatchOperator.regex, MatchOperator.notRegex])
      .optional(),
    value: z.string(),
  })
  .strict();

/** @internal */
export const receiverNameSchema = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(128, { message: "must be at most 128 characters" })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
    message: "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
  });

/** Runtime schema of one `AlertReceiverArgs` (fields only).  @internal */
export const receiverSchema = z
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
            message: 'must not be "Basic" (Alertmanager rejects it in authorization; use a token scheme)',
          })
          .optional(),
        sendResolved: z.boolean().optional(),
        maxAlerts: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Resolved forms and checks

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

type ParsedMatcher = z.output<typeof matcherSchema>;
type ParsedReceiver = z.output<typeof receiverSchema>;

/** Per receiver kind: its block, the Secret field in it and what the Secret holds.  @internal */
export const KIND_BLOCK = {
  [ReceiverKind.slack]: { block: "slack", secret: "apiUrlSecret", holds: "the Slack webhook URL" },
  [ReceiverKind.pagerduty]: {
    block: "pagerduty",
    secret: "routingKeySecret",
    holds: "the PagerDuty routing key",
  },
  [ReceiverKind.webhook]: { block: "webhook", secret: "credentialsSecret", holds: "the webhook's token" },
} as const;
/** @internal */
export const KINDS = Object.values(ReceiverKind);

/** Regular expressions of "=~" / "!~" matchers must compile.  @internal */
export function matcherProblems(matchers: ParsedMatcher[], path: (string | number)[]): Problem[] {
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

/** Why a webhook URL is refused (credentials or a query in it), or undefined.  @internal */
export function webhookUrlProblem(url: string): string | undefined {
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

/**
 * The checks of one receiver that need no other field: the block of its kind is set and no
 * other, and a webhook URL carries no credentials. Paths are relative to the receiver.
 * @internal
 */
export function receiverProblems(r: ParsedReceiver): Problem[] {
  const problems: Problem[] = [];
  const own = KIND_BLOCK[r.kind];
  if (r[own.block] === undefined) {
    problems.push({
      path: [own.block],
      message: `required when kind is "${r.kind}" (with ${own.secret}: the Secret and key holding ${own.holds})`,
    });
  }
  for (const other of KINDS) {
    if (other !== r.kind && r[KIND_BLOCK[other].block] !== undefined) {
      problems.push({
        path: [KIND_BLOCK[other].block],
        message: `only used when kind is "${other}", not "${r.kind}"; remove it`,
      });
    }
  }
  if (r.kind === ReceiverKind.webhook && r.webhook) {
    const urlProblem = webhookUrlProblem(r.webhook.url);
    if (urlProblem) problems.push({ path: ["webhook", "url"], message: urlProblem });
  }
  return problems;
}

/** A matcher with its default operator ("=").  @internal */
export const resolveMatcher = (m: ParsedMatcher): ResolvedAlertMatcher => ({
  label: m.label,
  operator: m.operator ?? MatchOperator.equal,
  value: m.value,
});

/** A receiver with its defaults applied (`receiverProblems` found nothing).  @internal */
export function resolveReceiver(r: ParsedReceiver): ResolvedAlertReceiver {
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
}
