/**
 * The push contract of the toolkit's batch jobs (issue 9): what a job sends to the Pushgateway for
 * the gauges in {@link PUSHED_METRICS} — the request path for its grouping key and the body in the
 * Prometheus text exposition format (version 0.0.4) — as pure data and pure functions, so the
 * Python jobs of the closed-loop issue follow the same names, labels, HELP texts and encoding.
 *
 * Upstream rules followed here (prometheus/pushgateway README, "API" → "URL" and "About metric
 * inconsistencies"; exposition format: https://prometheus.io/docs/instrumenting/exposition_formats/):
 * - the path is `/metrics/job/<job>{/<label>/<value>}`; a job or value containing `/`, or an empty
 *   value, only works base64url-encoded with the name suffixed `@base64` (an empty value is `=`);
 *   other characters may be URI-encoded;
 * - labels of the grouping key overwrite the same labels in the body, so a body label that
 *   disagrees with the key is silently rewritten: {@link pushRequest} rejects it instead;
 * - a metric pushed by several groups must have the same HELP and TYPE everywhere, or the push
 *   is rejected (400): the HELP texts are part of the contract ({@link PUSHED_METRIC_SPECS});
 * - samples carry no timestamp (the Pushgateway rejects pushes with timestamps).
 *
 * Checked against the real Pushgateway 1.5.1 and Prometheus 2.42 (Debian bookworm) by
 * test/monitoring/pushgateway.test.ts.
 */
import { PUSHED_METRICS } from "./rules";

/** A metric name of {@link PUSHED_METRICS}. */
export type PushedMetricName = (typeof PUSHED_METRICS)[keyof typeof PUSHED_METRICS];

/** The contract of one pushed metric: its HELP text, its type and its labels. */
export interface PushedMetricSpec {
  /** HELP text; every job pushing the metric must send exactly this (Pushgateway consistency). */
  help: string;
  /** Metric type; all pushed metrics are gauges (a value or a Unix time, replaced on each push). */
  type: "gauge";
  /** Labels every sample must have, with a non-empty value. */
  requiredLabels: readonly string[];
  /** Labels a sample may have (omit rather than send an empty value). */
  optionalLabels: readonly string[];
}

/** The contract of every metric in {@link PUSHED_METRICS}. */
export const PUSHED_METRIC_SPECS: Readonly<Record<PushedMetricName, PushedMetricSpec>> = {
  [PUSHED_METRICS.materializationLastSuccess]: {
    help: "Unix time of the last successful materialisation of a feature view.",
    type: "gauge",
    requiredLabels: ["project", "feature_view"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.materializationLastFailure]: {
    help: "Unix time of the last failed materialisation of a feature view.",
    type: "gauge",
    requiredLabels: ["project", "feature_view"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.modelDriftScore]: {
    help: "Drift score (population stability index) of a model's inputs or predictions against its training data.",
    type: "gauge",
    requiredLabels: ["model"],
    optionalLabels: ["feature"],
  },
};

/** One sample to push: a metric of {@link PUSHED_METRICS}, its labels and its value. */
export interface PushedSample {
  metric: PushedMetricName;
  /** The labels of the metric's spec (required ones non-empty); no others. */
  labels: Record<string, string>;
  /** A finite, non-negative number (a score, or a Unix time in seconds). */
  value: number;
}

/**
 * Thrown when a push breaks the contract; `problems` has one line per problem (all are reported).
 */
export class PushContractError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Pushgateway push:\n  ${problems.join("\n  ")}`);
    this.name = "PushContractError";
  }
}

/** Prometheus label names (https://prometheus.io/docs/concepts/data_model/, legacy charset). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Content type of the body {@link renderPushedMetrics} returns (text format 0.0.4). */
export const PUSH_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** `\` → `\\`, newline → `\n` (HELP text), and also `"` → `\"` (label values). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}
function escapeLabelValue(value: string): string {
  return escapeHelp(value).replace(/"/g, '\\"');
}

/** The problems of one sample; `at` names it (e.g. `samples[2]`). */
function sampleProblems(sample: PushedSample, at: string): string[] {
  const spec = (PUSHED_METRIC_SPECS as Partial<Record<string, PushedMetricSpec>>)[sample.metric];
  if (!spec) {
    const known = Object.keys(PUSHED_METRIC_SPECS).join(", ");
    return [`${at}.metric: "${sample.metric}" is not a pushed metric (one of ${known})`];
  }
  const problems: string[] = [];
  const allowed = [...spec.requiredLabels, ...spec.optionalLabels];
  for (const name of spec.requiredLabels) {
    if ((sample.labels[name] ?? "") === "")
      problems.push(`${at}.labels.${name}: required by ${sample.metric} (non-empty)`);
  }
  for (const [name, value] of Object.entries(sample.labels)) {
    if (!allowed.includes(name))
      problems.push(`${at}.labels.${name}: not a label of ${sample.metric} (${allowed.join(", ")})`);
    else if (value === "" && spec.optionalLabels.includes(name))
      problems.push(`${at}.labels.${name}: empty; omit the label instead (an empty value is no label)`);
  }
  if (!(Number.isFinite(sample.value) && sample.value >= 0))
    problems.push(`${at}.value: ${sample.value} must be a finite number >= 0`);
  return problems;
}

/** `labels` in the spec's order (required, then optional): one series has one spelling. */
function seriesKey(metric: PushedMetricName, labels: Record<string, string>): string {
  const spec = PUSHED_METRIC_SPECS[metric];
  const pairs = [...spec.requiredLabels, ...spec.optionalLabels]
    .filter((name) => labels[name] !== undefined)
    .map((name) => `${name}="${escapeLabelValue(labels[name]!)}"`);
  return pairs.length === 0 ? metric : `${metric}{${pairs.join(",")}}`;
}

/**
 * The body of a push: the samples in the Prometheus text exposition format 0.0.4, one
 * `# HELP`/`# TYPE` block per metric (in the order of {@link PUSHED_METRICS}), samples in the
 * given order, labels in the spec's order, no timestamps, ending with a newline. Throws
 * {@link PushContractError} listing every problem: an unknown metric, a missing, empty or unknown
 * label, a negative or non-finite value, the same series twice (the Pushgateway rejects it).
 */
export function renderPushedMetrics(samples: readonly PushedSample[]): string {
  const problems = samples.flatMap((s, i) => sampleProblems(s, `samples[${i}]`));
  if (problems.length > 0) throw new PushContractError(problems);
  const seen = new Map<string, number>();
  samples.forEach((s, i) => {
    const key = seriesKey(s.metric, s.labels);
    const first = seen.get(key);
    if (first !== undefined) problems.push(`samples[${i}]: duplicate series ${key} (also samples[${first}])`);
    else seen.set(key, i);
  });
  if (problems.length > 0) throw new PushContractError(problems);
  const lines: string[] = [];
  for (const metric of Object.values(PUSHED_METRICS)) {
    const ofMetric = samples.filter((s) => s.metric === metric);
    if (ofMetric.length === 0) continue;
    const spec = PUSHED_METRIC_SPECS[metric];
    lines.push(`# HELP ${metric} ${escapeHelp(spec.help)}`, `# TYPE ${metric} ${spec.type}`);
    // String(n) is the shortest round-trip form (e.g. 0.31, 1700000000.5, 1e+21); Go's
    // strconv.ParseFloat, which the Pushgateway's parser uses, reads all of them.
    for (const s of ofMetric) lines.push(`${seriesKey(metric, s.labels)} ${String(s.value)}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** One path segment pair: plain (URI-encoded) where that works, else `@base64` with base64url. */
function pathPair(name: string, value: string): string {
  // `/` would split the path even URI-encoded; an empty value would leave `//`; `.` and `..` are
  // removed by path cleaning in the HTTP router. base64url is the README's way for all of them.
  if (value === "" || value.includes("/") || value === "." || value === "..") {
    const encoded = Buffer.from(value, "utf8").toString("base64url");
    return `${name}@base64/${encoded === "" ? "=" : encoded}`;
  }
  return `${name}/${encodeURIComponent(value)}`;
}

/**
 * The Pushgateway path of a job's group: `/metrics/job/<job>{/<label>/<value>}`, the grouping key's
 * labels sorted by name (the same key always gives the same path), each value URI-encoded, or
 * base64url-encoded with the name suffixed `@base64` when it contains `/`, is empty, `.` or `..`
 * (prometheus/pushgateway README, "URL"). Throws {@link PushContractError} on an empty job, a
 * label name that is not a Prometheus label name, or `job` in the grouping key.
 */
export function pushgatewayPath(job: string, groupingKey: Readonly<Record<string, string>> = {}): string {
  const problems: string[] = [];
  if (job === "") problems.push("job: must not be empty (the Pushgateway rejects an empty job)");
  for (const name of Object.keys(groupingKey)) {
    if (name === "job") problems.push("groupingKey.job: the job is the first argument, not a grouping label");
    else if (!LABEL_NAME.test(name))
      problems.push(`groupingKey.${name}: not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
    else if (name.startsWith("__"))
      problems.push(`groupingKey.${name}: names starting with "__" are reserved by Prometheus`);
  }
  if (problems.length > 0) throw new PushContractError(problems);
  const names = Object.keys(groupingKey).sort();
  return ["/metrics", pathPair("job", job), ...names.map((n) => pathPair(n, groupingKey[n]!))].join("/");
}

/** A push ready to send: `PUT` replaces the group, `POST` replaces only the metrics it sends. */
export interface PushRequest {
  /** The group's path ({@link pushgatewayPath}); append it to the Pushgateway's base URL. */
  path: string;
  /** {@link PUSH_CONTENT_TYPE}. */
  contentType: string;
  /** The text-format body ({@link renderPushedMetrics}). */
  body: string;
}

/**
 * The path and body of one push, after checking that no sample has a label that the grouping key
 * sets to another value (the Pushgateway would silently overwrite it). Which HTTP method to use
 * is the job's part of the contract: the drift job `PUT`s one group per model (a feature that is
 * no longer scored disappears); the materialisation job `POST`s to the group of its feature view
 * (so a failure keeps the previous last-success timestamp, which the staleness alert reads).
 */
export function pushRequest(
  job: string,
  groupingKey: Readonly<Record<string, string>>,
  samples: readonly PushedSample[],
): PushRequest {
  const path = pushgatewayPath(job, groupingKey);
  const body = renderPushedMetrics(samples);
  const problems: string[] = [];
  samples.forEach((s, i) => {
    for (const [name, value] of Object.entries(s.labels)) {
      const keyed = groupingKey[name];
      if (keyed !== undefined && keyed !== value)
        problems.push(
          `samples[${i}].labels.${name}: "${value}" differs from the grouping key's "${keyed}" (the Pushgateway would overwrite it)`,
        );
    }
  });
  if (problems.length > 0) throw new PushContractError(problems);
  return { path, contentType: PUSH_CONTENT_TYPE, body };
}
