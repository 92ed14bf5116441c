/**
 * Kubernetes label selectors (`matchLabels` and `matchExpressions`) evaluated against labels that may
 * be known only in part (a namespace the plan does not declare is known by its name label alone).
 */
import { rec, recs, str, stringMap, strs } from "../util";

/** One requirement of a selector. */
export interface LabelRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: string[];
}

/** A parsed `metav1.LabelSelector`: the AND of its requirements (none: matches everything). */
export interface LabelSelector {
  requirements: LabelRequirement[];
}

/** True, false, or unknown (labels the requirement reads are not known). */
export type Match = boolean | "unknown";

const OPERATORS = new Set(["In", "NotIn", "Exists", "DoesNotExist"]);

/** Parses a LabelSelector object; `matchLabels` entries become `In` requirements. */
export function parseLabelSelector(v: unknown): LabelSelector {
  const sel = rec(v) ?? {};
  const requirements: LabelRequirement[] = Object.entries(stringMap(sel.matchLabels)).map(([key, value]) => ({
    key,
    operator: "In",
    values: [value],
  }));
  for (const e of recs(sel.matchExpressions)) {
    const key = str(e.key);
    const operator = str(e.operator);
    if (key === undefined || operator === undefined || !OPERATORS.has(operator)) continue;
    requirements.push({ key, operator: operator as LabelRequirement["operator"], values: strs(e.values) });
  }
  return { requirements };
}

/** The selector as text, e.g. `release=monitoring, team in (ml, data)`; `{}` when it matches everything. */
export function describeSelector(s: LabelSelector): string {
  if (s.requirements.length === 0) return "{} (everything)";
  return s.requirements
    .map((r) => {
      switch (r.operator) {
        case "In":
          return r.values.length === 1
            ? `${r.key}=${r.values[0] ?? ""}`
            : `${r.key} in (${r.values.join(", ")})`;
        case "NotIn":
          return `${r.key} notin (${r.values.join(", ")})`;
        case "Exists":
          return r.key;
        case "DoesNotExist":
          return `!${r.key}`;
      }
    })
    .join(", ");
}

/**
 * Evaluates the selector. `labels` are the known labels; when `complete` is false only the keys in
 * `knownKeys` are known to be absent if missing, and requirements on other keys are unknown.
 */
export function matchSelector(
  s: LabelSelector,
  labels: Readonly<Record<string, string>>,
  complete: boolean,
  knownKeys: readonly string[] = [],
): Match {
  let result: Match = true;
  for (const r of s.requirements) {
    const known = complete || r.key in labels || knownKeys.includes(r.key);
    if (!known) {
      result = "unknown";
      continue;
    }
    const value = labels[r.key];
    const has = value !== undefined;
    const ok =
      r.operator === "In"
        ? has && r.values.includes(value)
        : r.operator === "NotIn"
          ? !has || !r.values.includes(value)
          : r.operator === "Exists"
            ? has
            : !has;
    if (!ok) return false;
  }
  return result;
}
