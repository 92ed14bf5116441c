/**
 * Zod schemas of the per-target details a component's backing services attach to
 * (`AwsTargetArgs`, `GcpTargetArgs` in types.ts). A `ClusterHandle` carries them; the model
 * registry checks the handle's details with them, the training cluster's `existing` block accepts
 * them for an adopted cluster, and the stack config validates `mlops:aws` / `mlops:gcp` with them.
 * @internal
 */
import { z } from "zod";
import type { Problem } from "../shared/contract";
import { cidrSchema, nonEmptyStringSchema as nonEmpty } from "../shared/schemas";
import { input } from "../shared/validation";
import { PRIVATE_SERVICE_ACCESS_CIDR_RULE } from "./gcp";
import { AwsIdentityMode, DEFAULT_AWS_IDENTITY_MODE, GcpPrivateServiceAccess } from "./types";

/**
 * The fields the identity mode needs (`oidcProviderArn` and `oidcProviderUrl` for "irsa",
 * `clusterName` for "podIdentity", the default): the one place this rule is written; the schema
 * below and the AWS adapter both apply it.
 * @internal
 */
export function awsIdentityProblems(v: {
  identityMode?: string | undefined;
  oidcProviderArn?: unknown;
  oidcProviderUrl?: unknown;
  clusterName?: unknown;
}): Problem[] {
  const mode = v.identityMode ?? DEFAULT_AWS_IDENTITY_MODE;
  const needed =
    mode === AwsIdentityMode.irsa
      ? (["oidcProviderArn", "oidcProviderUrl"] as const)
      : (["clusterName"] as const);
  return needed
    .filter((key) => v[key] === undefined || v[key] === null || v[key] === "")
    .map((key) => ({ path: [key], message: `required when identityMode is "${mode}"` }));
}

/** Runtime schema of `AwsTargetArgs`, with the identity mode's required fields.  @internal */
export const awsTargetArgsSchema = z
  .object({
    vpcId: input(nonEmpty),
    vpcCidrBlock: input(cidrSchema({ example: "10.0.0.0/16" })),
    privateSubnetIds: input(
      z.array(input(nonEmpty)).min(2, { message: "needs at least two subnets in different AZs" }),
    ),
    nodeSecurityGroupId: input(nonEmpty),
    identityMode: z.enum([AwsIdentityMode.irsa, AwsIdentityMode.podIdentity]).optional(),
    oidcProviderArn: input(nonEmpty).optional(),
    oidcProviderUrl: input(nonEmpty).optional(),
    clusterName: input(nonEmpty).optional(),
    ebsCsiRoleArn: input(nonEmpty).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const p of awsIdentityProblems(v))
      ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  });

/** Runtime schema of `GcpTargetArgs`.  @internal */
export const gcpTargetArgsSchema = z
  .object({
    project: input(nonEmpty),
    region: input(nonEmpty),
    network: input(nonEmpty),
    privateServiceAccess: z
      .enum([GcpPrivateServiceAccess.create, GcpPrivateServiceAccess.existing])
      .optional(),
    privateServiceAccessCidr: cidrSchema(PRIVATE_SERVICE_ACCESS_CIDR_RULE).optional(),
    proxyOnlySubnetCidr: input(cidrSchema({ example: "10.129.0.0/23" })).optional(),
    nodeServiceAccount: input(
      z.string().regex(/^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/, {
        message: 'must be a service account e-mail such as "nodes@my-project.iam.gserviceaccount.com"',
      }),
    ).optional(),
  })
  .strict();
