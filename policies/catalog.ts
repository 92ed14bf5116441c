/**
 * The catalog of every rule in the pack, with its metadata. Importing this module never constructs a
 * `PolicyPack` (only `index.ts` does), so tests, the offline runner, `--list-policies` and the README
 * table generator can use it freely.
 */
import { s3Rules } from "./rules/aws/s3";
import { dataStoreRules } from "./rules/aws/data-stores";
import { iamRules } from "./rules/aws/iam";
import { computeRules } from "./rules/aws/compute";
import { eksNodeRules } from "./rules/aws/eks-nodes";
import { sagemakerRules } from "./rules/aws/sagemaker";
import { gkeRules } from "./rules/gcp/gke";
import { gcpDataRules } from "./rules/gcp/data";
import { gcpIamRules } from "./rules/gcp/iam";
import { podSecurityRules } from "./rules/kubernetes/pod-security";
import { workloadRules } from "./rules/kubernetes/workloads";
import { clusterRules } from "./rules/kubernetes/cluster";
import { monitoringRules } from "./rules/kubernetes/monitoring";
import { feastRules } from "./rules/kubernetes/feast";
import { servingRules } from "./rules/kubernetes/serving";
import { kedaRules } from "./rules/kubernetes/keda";
import { argoRules } from "./rules/kubernetes/argo";
import { governanceRules } from "./rules/governance/governance";
import { costRules } from "./rules/cost/gpu";
import type { Rule, RuleArea } from "./rules/types";

/** Name of the policy pack (as in `PulumiPolicy.yaml` and violations' `policyPackName`). */
export const POLICY_PACK_NAME = "mlops-policies";

/** Every rule of the pack, grouped by area in a stable order. */
export const RULES: readonly Rule[] = [
  ...s3Rules,
  ...dataStoreRules,
  ...iamRules,
  ...computeRules,
  ...eksNodeRules,
  ...sagemakerRules,
  ...gkeRules,
  ...gcpDataRules,
  ...gcpIamRules,
  ...podSecurityRules,
  ...workloadRules,
  ...clusterRules,
  ...monitoringRules,
  ...feastRules,
  ...servingRules,
  ...kedaRules,
  ...argoRules,
  ...governanceRules,
  ...costRules,
];

const byName = new Map<string, Rule>();
for (const rule of RULES) {
  if (byName.has(rule.name)) throw new Error(`duplicate policy name '${rule.name}'`);
  byName.set(rule.name, rule);
}

/** The rule with this name, or undefined. */
export function ruleByName(name: string): Rule | undefined {
  return byName.get(name);
}

/** Rules of one area. */
export function rulesInArea(area: RuleArea): Rule[] {
  return RULES.filter((r) => r.area === area);
}
