/** Parsing and predicates for AWS IAM policy documents (JSON string or object). */
import { arr, isMasked, rec, str, strs } from "../util";
import { lacksResourceLevelPermissions } from "./iam-unscoped-actions";

/** One normalized IAM statement. */
export interface IamStatement {
  effect: string;
  actions: string[];
  notActions: boolean;
  resources: string[];
  notResources: boolean;
  principal: unknown;
  condition: Record<string, unknown> | undefined;
  sid: string;
}

/** Parses a policy document; `undefined` when unknown (masked secret, unparsable, absent). */
export function parsePolicyDocument(policy: unknown): IamStatement[] | undefined {
  if (policy === undefined || policy === null || isMasked(policy)) return undefined;
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy) as unknown;
    } catch {
      return undefined;
    }
  }
  const statements = arr(rec(doc)?.Statement);
  return statements.flatMap((s, i) => {
    const r = rec(s);
    if (!r) return [];
    return [
      {
        effect: str(r.Effect) ?? "",
        actions: strs(r.Action ?? r.NotAction),
        notActions: r.NotAction !== undefined,
        resources: strs(r.Resource ?? r.NotResource),
        notResources: r.NotResource !== undefined,
        principal: r.Principal ?? r.NotPrincipal,
        condition: rec(r.Condition),
        sid: str(r.Sid) ?? `#${i}`,
      },
    ];
  });
}

/** Allow statements only. */
export function allows(statements: IamStatement[]): IamStatement[] {
  return statements.filter((s) => s.effect === "Allow");
}

/** True for `*`, or a statement using NotAction (which grants everything else). */
export function grantsAllActions(s: IamStatement): boolean {
  return s.notActions || s.actions.includes("*");
}

/** True for service-wide wildcards like `s3:*` or `*`. */
export function isServiceWildcard(action: string): boolean {
  return action === "*" || /^[a-z0-9-]+:\*$/i.test(action);
}

/** True when the statement applies to every resource. */
export function allResources(s: IamStatement): boolean {
  return s.notResources || s.resources.includes("*");
}

/**
 * True when `action` can be scoped to specific resources, so granting it on `Resource: "*"`
 * over-grants: every action the Service Authorization Reference lists with resource types, every
 * action this pack does not know, and every wildcard action (see {@link lacksResourceLevelPermissions}).
 */
export function isRestrictable(action: string): boolean {
  return !lacksResourceLevelPermissions(action);
}

/** Condition keys on tags: `aws:ResourceTag/<key>`, `<service>:ResourceTag/<key>`, `aws:RequestTag/<key>`. */
const TAG_CONDITION_KEY = /^[a-z0-9-]+:(ResourceTag|RequestTag)\/./i;
/** Operators that only match the listed values (no `...IfExists`, no negation, no set operators). */
const MATCHING_OPERATORS: readonly string[] = ["StringEquals", "StringEqualsIgnoreCase", "StringLike"];

/**
 * True when the statement is scoped by tags instead of ARNs (attribute-based access control): a
 * StringEquals/StringLike condition on a resource or request tag with concrete values, e.g.
 * `StringEquals: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "<cluster>" }`. Such a statement grants
 * its actions only on resources carrying that tag (or, for creations, only when the request sets
 * it); a request whose action has no such key fails the condition, so nothing more is granted. A
 * condition that only requires the tag to exist (`Null: false`, `StringLike: "*"`) does not count:
 * it matches the same tag of every other cluster or team in the account.
 */
export function scopedByTags(s: IamStatement): boolean {
  return Object.entries(s.condition ?? {}).some(
    ([operator, block]) =>
      MATCHING_OPERATORS.includes(operator) &&
      Object.entries(rec(block) ?? {}).some(([key, value]) => {
        const values = arr(value).map((v) => str(v));
        return (
          TAG_CONDITION_KEY.test(key) &&
          values.length > 0 &&
          values.every((v) => v !== undefined && !/^[*?]*$/.test(v))
        );
      }),
  );
}

/** IAM actions that let a principal grant itself more privileges. */
export const PRIVILEGE_ESCALATION_ACTIONS: readonly string[] = [
  "iam:CreatePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:AttachUserPolicy",
  "iam:AttachGroupPolicy",
  "iam:AttachRolePolicy",
  "iam:PutUserPolicy",
  "iam:PutGroupPolicy",
  "iam:PutRolePolicy",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile",
  "iam:AddUserToGroup",
  "iam:UpdateAssumeRolePolicy",
  "iam:PassRole",
  "iam:CreateServiceLinkedRole",
  "lambda:UpdateFunctionCode",
  "sts:AssumeRole",
];

function actionMatches(granted: string, action: string): boolean {
  const re = new RegExp(
    `^${granted
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(action);
}

/** Privilege-escalation actions granted on all resources by the statement. */
export function escalationActions(s: IamStatement): string[] {
  if (s.effect !== "Allow" || !allResources(s) || s.notActions) return [];
  return PRIVILEGE_ESCALATION_ACTIONS.filter((a) => s.actions.some((g) => actionMatches(g, a)));
}

/** Findings of the least-privilege checks on one document, keyed by check. */
export interface DocumentFindings {
  admin: string[];
  wildcardActions: string[];
  wildcardResources: string[];
  escalation: string[];
}

/** Runs all least-privilege checks over a parsed document. */
export function documentFindings(statements: IamStatement[]): DocumentFindings {
  const f: DocumentFindings = { admin: [], wildcardActions: [], wildcardResources: [], escalation: [] };
  for (const s of allows(statements)) {
    if (grantsAllActions(s) && allResources(s)) f.admin.push(`statement ${s.sid} allows "*" on "*"`);
    const wild = s.notActions ? ["NotAction"] : s.actions.filter(isServiceWildcard);
    if (wild.length > 0)
      f.wildcardActions.push(`statement ${s.sid} allows wildcard actions ${wild.join(", ")}`);
    if (allResources(s) && !grantsAllActions(s) && !scopedByTags(s)) {
      const restrictable = s.actions.filter(isRestrictable);
      if (restrictable.length > 0)
        f.wildcardResources.push(`statement ${s.sid} grants ${restrictable.join(", ")} on Resource "*"`);
    }
    const esc = escalationActions(s);
    if (esc.length > 0)
      f.escalation.push(
        `statement ${s.sid} grants privilege-escalation actions ${esc.join(", ")} on all resources`,
      );
  }
  return f;
}
