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
    help: "Drift score of one input feature of a model version against its training data (Evidently column drift score of the method in the method label: a p-value for statistical tests, a distance otherwise).",
    type: "gauge",
    requiredLabels: ["model", "version", "feature", "method"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.modelDriftShare]: {
    help: "Share (0 to 1) of a model version's input features that drift from its training data.",
    type: "gauge",
    requiredLabels: ["model", "version"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.modelDriftDetected]: {
    help: "1 when the drift job found dataset drift for a model version, else 0.",
    type: "gauge",
    requiredLabels: ["model", "version"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.modelDriftLastSuccess]: {
    help: "Unix time of the last successful drift job run for a model version.",
    type: "gauge",
    requiredLabels: ["model", "version"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.modelEvaluationPassed]: {
    help: "1 when the evaluation gate passed a candidate model version, 0 when it rejected it.",
    type: "gauge",
    requiredLabels: ["model", "version", "metric"],
    optionalLabels: [],
  },
  [PUSHED_METRICS.modelRolloutDecision]: {
    help: "Canary decision for a model version as a state set: 1 on the series of the decision taken (promote, hold or rollback).",
    type: "gauge",
    requiredLabels: ["model", "version", "decision"],
    optionalLabels: [],
  },
};

/** How a batch job pushes: its `job` name, the labels of its grouping key, the HTTP method. */
export interface PushJobSpec {
  /** The `job` of the grouping key (first path segment). */
  job: string;
  /** Labels of the grouping key besides `job` (values taken from the samples). */
  groupingLabels: readonly string[];
  /**
   * `PUT` replaces the whole group (series the run no longer sends disappear); `POST` replaces
   * only the metrics it sends (keeps, e.g., an earlier last-success timestamp).
   */
  method: "PUT" | "POST";
  /** The metrics the job pushes. */
  metrics: readonly PushedMetricName[];
}

/**
 * Every batch job of the toolkit and how it pushes. One group per model for the loop's jobs, so
 * a new version replaces the old one's series (no alert stays on a version no longer served);
 * `POST` for the jobs whose runs each send one kind of result.
 */
export const PUSH_JOBS = {
  /** Feast materialisation (feature store component): one group per feature view. */
  featureMaterialization: {
    job: "feature-materialization",
    groupingLabels: ["project", "feature_view"],
    method: "POST",
    metrics: [PUSHED_METRICS.materializationLastSuccess, PUSHED_METRICS.materializationLastFailure],
  },
  /** The drift job (jobs/mlops_jobs/drift.py): every run replaces its model's group. */
  modelDrift: {
    job: "model-drift",
    groupingLabels: ["model"],
    method: "PUT",
    metrics: [
      PUSHED_METRICS.modelDriftScore,
      PUSHED_METRICS.modelDriftShare,
      PUSHED_METRICS.modelDriftDetected,
      PUSHED_METRICS.modelDriftLastSuccess,
    ],
  },
  /** The evaluation gate (jobs/mlops_jobs/evaluate.py): the last candidate's verdict per model. */
  modelEvaluation: {
    job: "model-evaluation",
    groupingLabels: ["model"],
    method: "PUT",
    metrics: [PUSHED_METRICS.modelEvaluationPassed],
  },
  /** The canary decision (jobs/mlops_jobs/promote.py): the last decision per model. */
  modelRollout: {
    job: "model-rollout",
    groupingLabels: ["model"],
    method: "PUT",
    metrics: [PUSHED_METRICS.modelRolloutDecision],
  },
} as const satisfies Record<string, PushJobSpec>;

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

/** One worked push of {@link PUSH_CONTRACT_EXAMPLES}: its input and what the contract makes of it. */
export interface PushContractExample {
  /** What the example shows. */
  name: string;
  job: string;
  groupingKey: Record<string, string>;
  samples: PushedSample[];
  /** {@link pushRequest}'s path and body, or the problems it reports. */
  expected: { path: string; body: string } | { problems: string[] };
}

const EXAMPLE_SCORE = (feature: string, value: number, model = "recommender"): PushedSample => ({
  metric: PUSHED_METRICS.modelDriftScore,
  labels: { model, version: "3", feature, method: "wasserstein" },
  value,
});

/**
 * Inputs the other implementations of the contract (the Python jobs) must turn into exactly the
 * same path and body, or the same problems: number formatting (integers, exponents, tiny values),
 * escaping, path encoding, label order, every kind of problem {@link pushRequest} reports.
 */
export const PUSH_CONTRACT_EXAMPLES: readonly Omit<PushContractExample, "expected">[] = [
  {
    name: "a drift run: per-feature scores, share, verdict, last success; metrics in contract order",
    job: PUSH_JOBS.modelDrift.job,
    groupingKey: { model: "recommender" },
    samples: [
      {
        metric: PUSHED_METRICS.modelDriftLastSuccess,
        labels: { version: "3", model: "recommender" },
        value: 1_796_000_000.25,
      },
      { metric: PUSHED_METRICS.modelDriftDetected, labels: { model: "recommender", version: "3" }, value: 1 },
      EXAMPLE_SCORE("price", 0.31),
      EXAMPLE_SCORE("basket_size", 0),
      EXAMPLE_SCORE("tiny", 1e-7),
      EXAMPLE_SCORE("small", 0.00001),
      EXAMPLE_SCORE("huge", 1e21),
      EXAMPLE_SCORE("big", 123456789012345680000),
      { metric: PUSHED_METRICS.modelDriftShare, labels: { model: "recommender", version: "3" }, value: 0.5 },
    ],
  },
  {
    name: "escaping in label values and path encoding of '/', empty, '..' and unicode",
    job: "drift/nightly",
    groupingKey: { model: 'shop/rec "ΣΠ"\\x', run: "", shard: "..", q: "x y?&#%" },
    samples: [
      {
        metric: PUSHED_METRICS.modelDriftDetected,
        labels: { model: 'shop/rec "ΣΠ"\\x', version: "line\nbreak" },
        value: 0,
      },
    ],
  },
  {
    name: "the gate's verdict and the canary's decision",
    job: PUSH_JOBS.modelRollout.job,
    groupingKey: { model: "recommender" },
    samples: [
      {
        metric: PUSHED_METRICS.modelRolloutDecision,
        labels: { model: "recommender", version: "4", decision: "rollback" },
        value: 1,
      },
      {
        metric: PUSHED_METRICS.modelEvaluationPassed,
        labels: { model: "recommender", version: "4", metric: "roc_auc" },
        value: 0,
      },
    ],
  },
  {
    name: "every sample problem: unknown metric, missing, empty and unknown labels, negative value",
    job: PUSH_JOBS.modelDrift.job,
    groupingKey: { model: "recommender" },
    samples: [
      { metric: "mlops_unknown" as PushedMetricName, labels: {}, value: 1 },
      { metric: PUSHED_METRICS.modelDriftShare, labels: { model: "recommender", version: "" }, value: -0.5 },
      {
        metric: PUSHED_METRICS.modelDriftDetected,
        labels: { model: "recommender", version: "3", feature: "x" },
        value: 1,
      },
    ],
  },
  {
    name: "a duplicate series",
    job: PUSH_JOBS.modelDrift.job,
    groupingKey: { model: "recommender" },
    samples: [EXAMPLE_SCORE("price", 0.1), EXAMPLE_SCORE("price", 0.2)],
  },
  {
    name: "a sample label the grouping key would overwrite",
    job: PUSH_JOBS.modelDrift.job,
    groupingKey: { model: "recommender" },
    samples: [EXAMPLE_SCORE("price", 0.1, "churn")],
  },
  {
    name: "grouping-key problems",
    job: "",
    groupingKey: { job: "x", "bad-name": "y", __reserved: "z" },
    samples: [],
  },
];

/** The contract as data, for the implementations in other languages (jobs/). */
export interface PushContractDocument {
  contentType: string;
  metrics: (PushedMetricSpec & { name: PushedMetricName })[];
  jobs: Record<string, PushJobSpec>;
  examples: PushContractExample[];
}

/**
 * The whole push contract as one JSON-able document: content type, every metric's spec (in the
 * order bodies list them), every job, and {@link PUSH_CONTRACT_EXAMPLES} with what
 * {@link pushRequest} makes of each. `npm run docs` writes it to
 * jobs/mlops_jobs/contract.generated.json, which the Python pusher loads and its tests replay.
 */
export function pushContractDocument(): PushContractDocument {
  return {
    contentType: PUSH_CONTENT_TYPE,
    metrics: Object.values(PUSHED_METRICS).map((name) => ({ name, ...PUSHED_METRIC_SPECS[name] })),
    jobs: Object.fromEntries(Object.entries(PUSH_JOBS).map(([k, v]) => [k, v as PushJobSpec])),
    examples: PUSH_CONTRACT_EXAMPLES.map((example) => {
      let expected: PushContractExample["expected"];
      try {
        const { path, body } = pushRequest(example.job, example.groupingKey, example.samples);
        expected = { path, body };
      } catch (e) {
        if (!(e instanceof PushContractError)) throw e;
        expected = { problems: e.problems };
      }
      return { ...example, expected };
    }),
  };
}
