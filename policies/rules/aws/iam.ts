/** AWS IAM least-privilege rules on managed policies, inline role policies and role trust policies. */
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ReportViolation } from "@pulumi/policy";
import { ALWAYS_MANDATORY, MANDATORY_OUTSIDE_DEV, resourceRule, type ResourceRule } from "../types";
import { arr, rec, str, strs } from "../util";
import { documentFindings, parsePolicyDocument, type DocumentFindings } from "./iam-document";
import { isWildcardPrincipal } from "./data-stores";

function checkManaged(
  policy: unknown,
  pick: (f: DocumentFindings) => string[],
  report: ReportViolation,
): void {
  const doc = parsePolicyDocument(policy);
  if (!doc) return; // unknown (secret) or absent document
  for (const finding of pick(documentFindings(doc))) report(finding);
}

/** No `Action: "*"` on `Resource: "*"`. */
export const iamNoAdmin: ResourceRule = resourceRule(
  {
    name: "aws-iam-no-admin-policy",
    area: "aws",
    description: 'IAM policies do not allow all actions on all resources ("*:*" administrator access).',
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation: "List the specific actions and resource ARNs the workload needs.",
    reference: "CIS AWS Foundations 1.16; Checkov CKV_AWS_62 / CKV_AWS_1",
  },
  validateResourceOfType(aws.iam.Policy, (p, _args, report) =>
    checkManaged(p.policy, (f) => f.admin, report),
  ),
);

/** No service-wide wildcard actions. */
export const iamNoWildcardActions: ResourceRule = resourceRule(
  {
    name: "aws-iam-no-wildcard-actions",
    area: "aws",
    description: 'IAM policies do not allow wildcard actions ("*", "service:*") or NotAction.',
    severity: "high",
    remediation: 'Replace "service:*" with the specific actions needed (e.g. s3:GetObject, s3:PutObject).',
    reference: "Checkov CKV_AWS_289 / CKV_AWS_290",
  },
  validateResourceOfType(aws.iam.Policy, (p, _args, report) =>
    checkManaged(p.policy, (f) => f.wildcardActions, report),
  ),
);

/** No `Resource: "*"` for actions that support resource-level permissions. */
export const iamNoWildcardResource: ResourceRule = resourceRule(
  {
    name: "aws-iam-no-wildcard-resource",
    area: "aws",
    description: 'IAM policies do not grant resource-scopable actions on Resource "*".',
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      'Scope Resource to the ARNs of the buckets, keys, repositories, ... the workload uses; "*" is fine only for actions without resource-level permissions (Describe*, List*, ecr:GetAuthorizationToken).',
    reference: "Checkov CKV_AWS_355 / CKV_AWS_290",
  },
  validateResourceOfType(aws.iam.Policy, (p, _args, report) =>
    checkManaged(p.policy, (f) => f.wildcardResources, report),
  ),
);

/** No privilege-escalation actions on all resources. */
export const iamNoPrivilegeEscalation: ResourceRule = resourceRule(
  {
    name: "aws-iam-no-privilege-escalation",
    area: "aws",
    description:
      "IAM policies do not grant privilege-escalation actions (iam:PassRole, iam:Attach*Policy, iam:CreatePolicyVersion, ...) on all resources.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Scope iam:PassRole and policy-management actions to specific role/policy ARNs, or remove them.",
    reference: "Checkov CKV_AWS_286",
  },
  validateResourceOfType(aws.iam.Policy, (p, _args, report) =>
    checkManaged(p.policy, (f) => f.escalation, report),
  ),
);

/** Inline role policies get the same least-privilege checks. */
export const iamInlineRolePolicy: ResourceRule = resourceRule(
  {
    name: "aws-iam-inline-policy-least-privilege",
    area: "aws",
    description:
      'Inline IAM role policies pass the least-privilege checks (no *:*, no wildcard actions, no escalation on "*").',
    severity: "high",
    remediation:
      "Apply the same scoping as for managed policies: specific actions, specific resources, no escalation actions.",
    reference: "Checkov CKV_AWS_62 / CKV_AWS_286 / CKV_AWS_290",
  },
  validateResourceOfType(aws.iam.RolePolicy, (p, _args, report) =>
    checkManaged(p.policy, (f) => [...f.admin, ...f.wildcardActions, ...f.escalation], report),
  ),
);

const SUB_KEY = /:sub$/;

/** Role trust policies name specific subjects. */
export const iamTrustScoped: ResourceRule = resourceRule(
  {
    name: "aws-iam-role-trust-scoped",
    area: "aws",
    description:
      'Role trust policies do not trust "*", and web-identity (OIDC, IRSA, GitHub) trusts are pinned to a specific subject.',
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Name the trusted principal; for sts:AssumeRoleWithWebIdentity add a StringEquals/StringLike condition on '<provider>:sub' (e.g. system:serviceaccount:<ns>:<sa> or repo:<org>/<repo>:ref:refs/heads/main).",
    reference: "AWS IAM best practices (IRSA trust conditions); Checkov CKV_AWS_60 / CKV_AWS_358",
  },
  validateResourceOfType(aws.iam.Role, (role, _args, report) => {
    const doc = parsePolicyDocument(role.assumeRolePolicy);
    for (const s of doc ?? []) {
      if (s.effect !== "Allow") continue;
      if (isWildcardPrincipal(s.principal) && !s.condition)
        report(`Statement ${s.sid} trusts principal "*".`);
      const federated = strs(rec(s.principal)?.Federated);
      const webIdentity = s.actions.some(
        (a) => a === "sts:AssumeRoleWithWebIdentity" || a === "sts:*" || a === "*",
      );
      if (federated.length === 0 || !webIdentity) continue;
      const subjects = Object.values(s.condition ?? {}).flatMap((op) =>
        Object.entries(rec(op) ?? {})
          .filter(([k]) => SUB_KEY.test(k))
          .flatMap(([, v]) => arr(v).map((x) => str(x) ?? "?")),
      );
      if (subjects.length === 0)
        report(
          `Statement ${s.sid} lets any identity of ${federated.join(", ")} assume the role: add a condition on ':sub'.`,
        );
      else if (subjects.some((v) => v === "*" || /^(repo:\*|system:serviceaccount:\*)/.test(v)))
        report(`Statement ${s.sid} pins ':sub' to a wildcard (${subjects.join(", ")}).`);
    }
  }),
);

/** IAM rules. */
export const iamRules: ResourceRule[] = [
  iamNoAdmin,
  iamNoWildcardActions,
  iamNoWildcardResource,
  iamNoPrivilegeEscalation,
  iamInlineRolePolicy,
  iamTrustScoped,
];
