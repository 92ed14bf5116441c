/**
 * Finds credentials written inline in Alertmanager receivers: in Alertmanager's own configuration
 * file format (Helm values of kube-prometheus-stack, prometheus and alertmanager charts) and in
 * prometheus-operator `AlertmanagerConfig` custom resources.
 *
 * Sources: Alertmanager `docs/configuration.md` (prometheus/alertmanager at 68fb2d57): every field
 * typed `<secret>`/`<tmpl_secret>` and its `*_file` alternative; the `AlertmanagerConfig` CRD
 * `monitoring.coreos.com/v1alpha1` of kube-prometheus-stack 88.5.3 (operator 0.93.1), whose
 * credential fields are `SecretKeySelector`s (`{name, key}`) and whose URLs are plain strings.
 */
import { isMasked, rec, recs, str } from "../util";

/**
 * Receiver fields typed `<secret>` in Alertmanager's configuration, with the field that reads the
 * same value from a file (undefined: none; use a role instead).
 */
const NATIVE_RECEIVER_SECRETS: Readonly<Record<string, Readonly<Record<string, string | undefined>>>> = {
  discord_configs: { webhook_url: "webhook_url_file" },
  email_configs: { auth_password: "auth_password_file", auth_secret: "auth_secret_file" },
  incidentio_configs: { alert_source_token: "alert_source_token_file" },
  mattermost_configs: { webhook_url: "webhook_url_file" },
  msteams_configs: { webhook_url: "webhook_url_file" },
  msteamsv2_configs: { webhook_url: "webhook_url_file" },
  opsgenie_configs: { api_key: "api_key_file" },
  pagerduty_configs: { routing_key: "routing_key_file", service_key: "service_key_file" },
  pushover_configs: { user_key: "user_key_file", token: "token_file" },
  rocketchat_configs: { token: "token_file", token_id: "token_id_file" },
  slack_configs: { api_url: "api_url_file", app_token: "app_token_file" },
  telegram_configs: { bot_token: "bot_token_file" },
  victorops_configs: { api_key: "api_key_file" },
  wechat_configs: { api_secret: "api_secret_file" },
};

/** `global:` fields typed `<secret>`; each has a `<field>_file` alternative. */
const NATIVE_GLOBAL_SECRETS: readonly string[] = [
  "smtp_auth_password",
  "smtp_auth_secret",
  "slack_api_url",
  "slack_app_token",
  "victorops_api_key",
  "opsgenie_api_key",
  "rocketchat_token",
  "rocketchat_token_id",
  "wechat_api_secret",
  "telegram_bot_token",
  "mattermost_webhook_url",
];

/** Query parameter names that carry credentials (`?token=`, `?key=`, `?sig=`, `?api_key=`, ...). */
const SECRET_QUERY_PARAM = /(token|key|secret|pass|pwd|sig|auth|credential)/i;

/** Webhook URLs whose path is itself the credential (anyone holding the URL can post). */
const SECRET_PATH_URLS: readonly { host: RegExp; path: RegExp; what: string }[] = [
  { host: /^hooks\.slack\.com$/i, path: /^\/services\//, what: "a Slack incoming-webhook URL" },
  { host: /^(discord|discordapp)\.com$/i, path: /^\/api\/webhooks\//, what: "a Discord webhook URL" },
  { host: /\.webhook\.office\.com$/i, path: /^\/webhookb2\//, what: "a Microsoft Teams webhook URL" },
  { host: /^outlook\.office\.com$/i, path: /^\/webhook\//, what: "a Microsoft Teams webhook URL" },
  { host: /^events\.pagerduty\.com$/i, path: /^\/integration\//, what: "a PagerDuty integration-key URL" },
];

/**
 * What makes a URL carry a credential, or undefined: user info (`https://user:pass@`), a query
 * parameter named like a credential, or a path that is the credential (Slack, Discord, Teams,
 * PagerDuty integration URLs). A masked (Pulumi secret) URL is a secret written inline.
 */
export function urlCredentialProblem(v: unknown): string | undefined {
  if (isMasked(v)) return "is a secret value written inline";
  const url = str(v);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username !== "" || parsed.password !== "") return "carries credentials (user:password@)";
  for (const name of parsed.searchParams.keys())
    if (SECRET_QUERY_PARAM.test(name)) return `carries a credential in its query string ('${name}=')`;
  const known = SECRET_PATH_URLS.find((s) => s.host.test(parsed.hostname) && s.path.test(parsed.pathname));
  if (known) return `is ${known.what}, which is itself the credential`;
  return undefined;
}

/** True when a value is set (masked secrets count). */
function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== "";
}

/** Findings in an Alertmanager `<http_config>` (also `global.http_config`). */
function nativeHttpConfigFindings(http: unknown, at: string): string[] {
  const h = rec(http);
  if (!h) return [];
  const out: string[] = [];
  const inline = (value: unknown, field: string, alternative: string): void => {
    if (isSet(value)) out.push(`${at}.${field} is inline; use ${alternative}.`);
  };
  inline(rec(h.basic_auth)?.password, "basic_auth.password", "basic_auth.password_file");
  inline(rec(h.authorization)?.credentials, "authorization.credentials", "authorization.credentials_file");
  inline(h.bearer_token, "bearer_token", "authorization.credentials_file");
  const oauth2 = rec(h.oauth2);
  inline(oauth2?.client_secret, "oauth2.client_secret", "oauth2.client_secret_file");
  inline(rec(h.tls_config)?.key, "tls_config.key", "tls_config.key_file");
  for (const [header, spec] of Object.entries(rec(h.http_headers) ?? {})) {
    const secrets = rec(spec)?.secrets;
    if (Array.isArray(secrets) ? secrets.length > 0 : isSet(secrets))
      out.push(`${at}.http_headers.${header}.secrets is inline; use files.`);
  }
  for (const [field, value] of [
    ["proxy_url", h.proxy_url],
    ["oauth2.token_url", oauth2?.token_url],
    ["oauth2.proxy_url", oauth2?.proxy_url],
  ] as const) {
    const problem = urlCredentialProblem(value);
    if (problem) out.push(`${at}.${field} ${problem}.`);
  }
  return out;
}

/**
 * Findings in one Alertmanager configuration (the `alertmanager.yml` document as an object):
 * inline receiver and `global` secrets, URLs carrying credentials, inline `http_config` secrets.
 * `at` prefixes each finding (e.g. `alertmanager.config`).
 */
export function nativeAlertmanagerConfigFindings(config: unknown, at: string): string[] {
  const c = rec(config);
  if (!c) return [];
  const out: string[] = [];
  const global = rec(c.global) ?? {};
  for (const field of NATIVE_GLOBAL_SECRETS)
    if (isSet(global[field])) out.push(`${at}.global.${field} is inline; use ${field}_file.`);
  out.push(...nativeHttpConfigFindings(global.http_config, `${at}.global.http_config`));
  recs(c.receivers).forEach((receiver, i) => {
    const name = str(receiver.name) ?? String(i);
    for (const [kind, list] of Object.entries(receiver)) {
      if (!kind.endsWith("_configs")) continue;
      const secrets = NATIVE_RECEIVER_SECRETS[kind] ?? {};
      recs(list).forEach((cfg, j) => {
        const where = `${at}.receivers[${name}].${kind}[${j}]`;
        for (const [field, alternative] of Object.entries(secrets)) {
          if (isSet(cfg[field]))
            out.push(`${where}.${field} is inline; use ${alternative ?? "a Secret mounted as a file"}.`);
        }
        if (kind === "sns_configs" && isSet(rec(cfg.sigv4)?.secret_key))
          out.push(
            `${where}.sigv4.secret_key is inline; use role_arn (IRSA / Pod Identity) instead of static keys.`,
          );
        for (const [field, value] of Object.entries(cfg)) {
          if (field in secrets || !(field === "url" || field.endsWith("_url"))) continue;
          const problem = urlCredentialProblem(value);
          if (problem)
            out.push(
              `${where}.${field} ${problem}; keep the URL free of credentials (put them in http_config.authorization.credentials_file) or use ${field}_file.`,
            );
        }
        out.push(...nativeHttpConfigFindings(cfg.http_config, `${where}.http_config`));
      });
    }
  });
  return out;
}

/** `AlertmanagerConfig` receiver fields the CRD types as `SecretKeySelector`, per receiver kind. */
const CR_RECEIVER_SECRET_REFS: Readonly<Record<string, readonly string[]>> = {
  discordConfigs: ["apiURL"],
  emailConfigs: ["authPassword", "authSecret", "tlsConfig.keySecret"],
  msteamsConfigs: ["webhookUrl"],
  msteamsv2Configs: ["webhookURL"],
  opsgenieConfigs: ["apiKey"],
  pagerdutyConfigs: ["routingKey", "serviceKey"],
  pushoverConfigs: ["token", "userKey"],
  rocketchatConfigs: ["token", "tokenID"],
  slackConfigs: ["apiURL"],
  snsConfigs: ["sigv4.accessKey", "sigv4.secretKey"],
  telegramConfigs: ["botToken"],
  victoropsConfigs: ["apiKey"],
  webhookConfigs: ["urlSecret"],
  wechatConfigs: ["apiSecret"],
};

/** `httpConfig` fields the CRD types as `SecretKeySelector` (every receiver kind but email). */
const CR_HTTP_SECRET_REFS: readonly string[] = [
  "authorization.credentials",
  "basicAuth.username",
  "basicAuth.password",
  "bearerTokenSecret",
  "oauth2.clientSecret",
  "tlsConfig.keySecret",
];

/** String URL fields of an `AlertmanagerConfig` receiver config (the secret-typed ones are refs). */
const CR_URL_FIELDS: readonly string[] = [
  "url",
  "apiURL",
  "apiUrl",
  "clientURL",
  "httpConfig.proxyURL",
  "httpConfig.proxyUrl",
  "httpConfig.oauth2.tokenUrl",
  "httpConfig.oauth2.proxyUrl",
];

function at(obj: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = obj;
  for (const p of dotted.split(".")) cur = rec(cur)?.[p];
  return cur;
}

/** True for a `SecretKeySelector`-shaped value: `{ name, key }` with string name and key. */
function isSecretKeySelector(v: unknown): boolean {
  const r = rec(v);
  return r !== undefined && typeof r.name === "string" && typeof r.key === "string";
}

/**
 * Findings in an `AlertmanagerConfig` spec: a credential field given as anything but a Secret
 * reference, and URLs carrying credentials (e.g. a webhook `url` with a token instead of `urlSecret`).
 */
export function alertmanagerConfigCrFindings(spec: unknown): string[] {
  const out: string[] = [];
  recs(rec(spec)?.receivers).forEach((receiver, i) => {
    const name = str(receiver.name) ?? String(i);
    for (const [kind, list] of Object.entries(receiver)) {
      if (!kind.endsWith("Configs")) continue;
      const refs = [
        ...(CR_RECEIVER_SECRET_REFS[kind] ?? []),
        ...CR_HTTP_SECRET_REFS.map((f) => `httpConfig.${f}`),
      ];
      recs(list).forEach((cfg, j) => {
        const where = `spec.receivers[${name}].${kind}[${j}]`;
        for (const field of refs) {
          const value = at(cfg, field);
          if (value === undefined || value === null || isSecretKeySelector(value)) continue;
          out.push(`${where}.${field} is not a Secret reference ({ name, key }): the credential is inline.`);
        }
        for (const field of CR_URL_FIELDS) {
          if (refs.includes(field)) continue;
          const problem = urlCredentialProblem(at(cfg, field));
          if (problem)
            out.push(
              `${where}.${field} ${problem}; ${kind === "webhookConfigs" && field === "url" ? "use urlSecret" : "keep credentials in Secret references"}.`,
            );
        }
      });
    }
  });
  return out;
}
