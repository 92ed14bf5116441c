/** GCP IAM rules: no basic roles on projects, no user-managed service account keys, no public buckets. */
import * as gcp from "../gcp-sdk";
import { validateResourceOfType } from "@pulumi/policy";
import { ALWAYS_MANDATORY, resourceRule, type ResourceRule } from "../types";
import { str, strs } from "../util";

/** Primitive roles that grant broad access to a whole project. */
export const BASIC_ROLES: readonly string[] = ["roles/owner", "roles/editor", "roles/viewer"];

const BASIC_SPEC = {
  area: "gcp" as const,
  severity: "high" as const,
  remediation:
    "Grant predefined or custom roles scoped to the job (roles/storage.objectViewer, roles/aiplatform.user, ...).",
  reference: "CIS GCP Foundations 1.5; Checkov CKV_GCP_117",
};

/** No basic roles via IAMMember. */
export const iamMemberNoBasicRoles: ResourceRule = resourceRule(
  {
    ...BASIC_SPEC,
    name: "gcp-iam-member-no-basic-roles",
    description: "Project IAM members are not granted basic roles (owner, editor, viewer).",
  },
  validateResourceOfType(gcp.projects.IAMMember, (m, _args, report) => {
    const role = str(m.role);
    if (role && BASIC_ROLES.includes(role))
      report(`Grants basic role ${role} to ${str(m.member) ?? "a member"}.`);
  }),
);

/** No basic roles via IAMBinding. */
export const iamBindingNoBasicRoles: ResourceRule = resourceRule(
  {
    ...BASIC_SPEC,
    name: "gcp-iam-binding-no-basic-roles",
    description: "Project IAM bindings do not grant basic roles (owner, editor, viewer).",
  },
  validateResourceOfType(gcp.projects.IAMBinding, (b, _args, report) => {
    const role = str(b.role);
    if (role && BASIC_ROLES.includes(role))
      report(`Binds basic role ${role} to ${strs(b.members).join(", ") || "members"}.`);
  }),
);

/** No user-managed service account keys. */
export const noServiceAccountKeys: ResourceRule = resourceRule(
  {
    name: "gcp-iam-no-service-account-keys",
    area: "gcp",
    description:
      "No user-managed service account keys are created (use Workload Identity / Workload Identity Federation).",
    severity: "high",
    remediation:
      "Remove gcp.serviceaccount.Key; use Workload Identity on GKE and Workload Identity Federation in CI.",
    reference: "CIS GCP Foundations 1.4; Checkov CKV_GCP_41 equivalent",
  },
  validateResourceOfType(gcp.serviceaccount.Key, (k, _args, report) => {
    if (str(k.publicKeyData) === undefined) report("A user-managed service account key is created.");
    else report("A user-managed key is uploaded for the service account.");
  }),
);

/** Buckets are not granted to allUsers / allAuthenticatedUsers. */
export const gcsNoPublicIam: ResourceRule = resourceRule(
  {
    name: "gcp-gcs-no-public-iam",
    area: "gcp",
    description: "Cloud Storage bucket IAM does not grant access to allUsers or allAuthenticatedUsers.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation: "Grant the role to specific principals; serve public assets through a CDN with signed URLs.",
    reference: "CIS GCP Foundations 5.1; Checkov CKV_GCP_28",
  },
  validateResourceOfType(gcp.storage.BucketIAMMember, (m, _args, report) => {
    const member = str(m.member);
    if (member === "allUsers" || member === "allAuthenticatedUsers")
      report(`Grants ${str(m.role) ?? "a role"} to ${member}.`);
  }),
);

/** GCP IAM rules. */
export const gcpIamRules: ResourceRule[] = [
  iamMemberNoBasicRoles,
  iamBindingNoBasicRoles,
  noServiceAccountKeys,
  gcsNoPublicIam,
];
