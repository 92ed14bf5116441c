/**
 * CrossGuard entry point: `pulumi preview --policy-pack policies`. This is the ONLY module that
 * constructs the PolicyPack (constructing one starts a gRPC server; a second one exits the process),
 * so nothing else may import it — tests and the offline runner use `catalog.ts` / `offline.ts`.
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICY_PACK_NAME, RULES } from "./catalog";
import { loadPackConfigFromEnvironment } from "./config";
import { buildPolicies } from "./pack";

// A rule name the pack does not have (a typo in `disabled` or an exemption) fails the pack's start.
const config = loadPackConfigFromEnvironment(
  process.env,
  process.cwd(),
  RULES.map((r) => r.name),
);

new PolicyPack(POLICY_PACK_NAME, {
  description: "Security, governance and GPU cost guardrails for MLOps platforms on AWS, GCP and Kubernetes.",
  displayName: "pulumi-mlops policies",
  provider: "all",
  tags: ["aws", "gcp", "kubernetes", "mlops", "gpu"],
  enforcementLevel: "advisory",
  policies: buildPolicies(config, {
    onExemption: (e) =>
      console.error(`[${POLICY_PACK_NAME}] ${e.policyName} exempted for ${e.resourceName}: ${e.reason}`),
  }),
});
