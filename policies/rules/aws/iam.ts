/**
 * AWS IAM least-privilege rules on managed policies, inline policies (role, user and group policies,
 * and a role's `inlinePolicies`) and role trust policies.
 */
import * as aws from "../aws-sdk";
import { validateResourceOfType, type ResourceValidation, type ReportViolation } from "@pulumi/policy";
import {
  ALWAYS_MANDATORY,
  MANDATORY_OUTSIDE_DEV,
  classPulumiType,
  resourceRule,
  type ResourceRule,
} from "../types";
import { arr, rec, recs, str, strs } from "../util";
import { documentFindings, parsePolicyDocument, type DocumentFindings } from "./iam-document";
import { isWildcardPrincipal } from "./data-stores";

const MANAGED_POLICY = classPulumiType(aws.iam.Policy);
const ROLE = classPulumiType(aws.iam.Role);
/** Resources that carry one inline policy document in `policy`. */
const INLINE_POLICY_TYPES: readonly string[] = [
  classPulumiType(aws.iam.RolePolicy),
  classPulumiType(aws.iam.UserPolicy),
  classPulumiType(aws.iam.GroupPolicy),
];
/** Every resource type with an inline policy document: the three above and a role's `inlinePolicies`. */
export const INLINE_POLICY_CARRIERS: readonly string[] = [...INLINE_POLICY_TYPES, ROLE];

/** A policy document a resource carries, with the label findings are prefixed with. */
interface CarriedDocument {
  /** "" for the resource's only document; `Inline policy '<name>': ` for a role's `inlinePolicies`. */
  label: string;
  policy: unknown;
}

/** The policy documents of a managed or inline policy resource (none for other types). */
function policyDocumentsOf(type: string, props: unknown, types: readonly string[]): CarriedDocument[] {
  if (!types.includes(type)) return [];
  if (type === ROLE)
    return recs(rec(props)?.inlinePolicies).map((p, i) => ({
      label: `Inline policy '${str(p.name) ?? `#${i}`}': `,
      policy: p.policy,
    }));
  return [{ label: "", policy: rec(props)?.policy }];
}

/** A validation that runs `pick` over the findings of every document the resource types carry. */
function checkDocuments(
  types: readonly string[],
  pick: (f: DocumentFindings) => string[],
): ResourceValidation {
  return (args, report: ReportViolation) => {
    for (const { label, policy } of policyDocumentsOf(args.type, args.props, types)) {
      const doc = parsePolicyDocument(policy);
      if (!doc) continue; // unknown (secret) or absent document
      for (const finding of pick(documentFindings(doc))) report(`${label}${finding}`);
    }
  };
}

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

/**
 * No `Resource: "*"` for actions that support resource-level permissions, in managed and inline
 * policies alike (the components write only inline policies).
 */
export const iamNoWildcardResource: ResourceRule = resourceRule(
  {
    name: "aws-iam-no-wildcard-resource",
    area: "aws",
    description:
      'IAM policies (managed, and inline on roles, users and groups) grant actions with resource-level permissions only on specific resources, not on Resource "*" (unless scoped by a resource or request tag condition).',
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      'Scope Resource to the ARNs of the buckets, keys, queues, roles, ... the workload uses, or add a StringEquals condition on aws:ResourceTag/<key> (aws:RequestTag/<key> for creations) with a concrete value. "*" is fine only for actions whose "Resource types" column in the AWS Service Authorization Reference is empty (ec2:DescribeInstances, pricing:GetProducts, sts:GetCallerIdentity, ...); list such actions explicitly rather than as a wildcard (ec2:Describe* also matches scopable actions), and exempt an action of a service the pack does not list.',
    reference:
      "Checkov CKV_AWS_355 / CKV_AWS_356; AWS Service Authorization Reference (Resource types column); AWS IAM best practices (least privilege)",
    resourceTypes: [MANAGED_POLICY, ...INLINE_POLICY_CARRIERS],
  },
  checkDocuments([MANAGED_POLICY, ...INLINE_POLICY_CARRIERS], (f) => f.wildcardResources),
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

/** Inline policies (role, user and group policies, a role's `inlinePolicies`) get the same least-privilege checks. */
export const iamInlineRolePolicy: ResourceRule = resourceRule(
  {
    name: "aws-iam-inline-policy-least-privilege",
    area: "aws",
    description:
      'Inline IAM policies (role, user and group policies, and a role\'s inlinePolicies) pass the least-privilege checks (no *:*, no wildcard actions, no escalation on "*").',
    severity: "high",
    remediation:
      "Apply the same scoping as for managed policies: specific actions, specific resources, no escalation actions.",
    reference: "Checkov CKV_AWS_62 / CKV_AWS_286 / CKV_AWS_290",
    resourceTypes: INLINE_POLICY_CARRIERS,
  },
  checkDocuments(INLINE_POLICY_CARRIERS, (f) => [...f.admin, ...f.wildcardActions, ...f.escalation]),
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
