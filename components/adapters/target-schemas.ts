/**
 * Zod schemas of the per-target details a component's backing services attach to
 * (`AwsTargetArgs`, `GcpTargetArgs` in types.ts). A `ClusterHandle` carries them; the model
 * registry checks the handle's details with them, the training cluster's `existing` block accepts
 * them for an adopted cluster, and the stack config validates `mlops:aws` / `mlops:gcp` with them.
 * @internal
 */
import { z } from "zod";
import { cidrSchema } from "../shared/schemas";
import { input } from "../shared/validation";
import { PRIVATE_SERVICE_ACCESS_CIDR_RULE } from "./gcp";
import { AwsIdentityMode, DEFAULT_AWS_IDENTITY_MODE, GcpPrivateServiceAccess } from "./types";

const nonEmpty = z.string().min(1, { message: "must not be empty" });

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
  })
  .strict()
  .superRefine((v, ctx) => {
    const mode = v.identityMode ?? DEFAULT_AWS_IDENTITY_MODE;
    if (mode === AwsIdentityMode.irsa) {
      for (const key of ["oidcProviderArn", "oidcProviderUrl"] as const) {
        if (v[key] === undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: 'required when identityMode is "irsa"' });
        }
      }
    } else if (v.clusterName === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["clusterName"],
        message: 'required when identityMode is "podIdentity"',
      });
    }
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
