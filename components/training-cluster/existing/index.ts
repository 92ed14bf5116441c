/**
 * The existing-cluster target (`local` and bring-your-own): adopts a kubeconfig (kind, k3d, or any
 * conformant cluster) and creates nothing but the Kubernetes provider; the component then
 * installs only the in-cluster parts on it.
 *
 * GPU nodes of an adopted cluster must carry the labels and the taint the in-cluster parts and job
 * templates rely on (`GPU_NODE_LABELS`, `GPU_TAINT` in ../types.ts); the cluster's owner sets them.
 * An adopted EKS / GKE cluster's network and identity details (`aws` / `gcp`) go into the
 * cluster's handle, where the components on the cluster (model registry, ...) take them from.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  awsTargetArgsSchema,
  gcpTargetArgsSchema,
  type AwsTargetArgs,
  type GcpTargetArgs,
} from "../../adapters";
import type { ComponentContext } from "../../shared/component";
import { input } from "../../shared/validation";
import type { BuiltCluster } from "../types";

/** The cluster to adopt. */
export interface ExistingClusterArgs {
  /**
   * Kubeconfig: a file path or the file's contents (YAML or JSON). Treated as a secret.
   * @default the ambient kubeconfig ($KUBECONFIG, else ~/.kube/config), as kubectl would use it
   */
  kubeconfig?: pulumi.Input<string>;
  /**
   * Context of the kubeconfig to use.
   * @default the kubeconfig's current-context
   */
  context?: string;
  /**
   * Whether the GPU nodes already have the NVIDIA driver and container toolkit (a GPU-ready kind
   * or k3d node, a vendor image). Decides the default GPU stack: the device plugin alone when
   * true, the GPU Operator (which installs them) when false.
   * @default false
   */
  gpuDriversPreinstalled?: boolean;
  /**
   * Name reported as the cluster name.
   * @default the context when given, else the component name
   */
  clusterName?: string;
  /**
   * The adopted EKS cluster's network and identity details (target "aws"): the VPC, private
   * subnets, node security group and identity mode the components on the cluster attach their
   * backing services to. The cluster's `handle.aws`; required by the model registry on target "aws".
   * @default undefined (the handle has no AWS details)
   */
  aws?: AwsTargetArgs;
  /**
   * The adopted GKE cluster's project and network details (target "gcp"). The cluster's
   * `handle.gcp`; required by the model registry on target "gcp".
   * @default undefined (the handle has no Google Cloud details)
   */
  gcp?: GcpTargetArgs;
}

/** @internal zod schema: kept out of the published declarations (stripInternal). */
export const existingClusterArgsSchema = z
  .object({
    kubeconfig: input(
      z.string().min(1, { message: "must not be empty (omit it to use the ambient kubeconfig)" }),
    ).optional(),
    context: z.string().min(1, { message: "must not be empty" }).optional(),
    gpuDriversPreinstalled: z.boolean().optional(),
    clusterName: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,252}$/, {
        message: "must be 1–253 letters, digits, '.', '_', '-', '@' or ':'",
      })
      .optional(),
    aws: awsTargetArgsSchema.optional(),
    gcp: gcpTargetArgsSchema.optional(),
  })
  .strict();

/**
 * Adopts the cluster behind a kubeconfig: a `k8s.Provider` with server-side apply, the kubeconfig
 * as a secret output, no endpoint (not known without parsing the kubeconfig), nothing to wait for,
 * and the cloud details the args give.
 */
export function adoptExistingCluster(ctx: ComponentContext, args: ExistingClusterArgs = {}): BuiltCluster {
  const kubeconfig = args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig);
  const provider = new k8s.Provider(
    `${ctx.name}-k8s`,
    {
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      ...(args.context !== undefined ? { context: args.context } : {}),
      enableServerSideApply: true,
    },
    ctx.opts(),
  );
  return {
    provider,
    kubeconfig: kubeconfig ?? pulumi.secret(pulumi.output("")),
    clusterName: pulumi.output(args.clusterName ?? args.context ?? ctx.name),
    endpoint: pulumi.output(""),
    ...(args.aws !== undefined ? { aws: args.aws } : {}),
    ...(args.gcp !== undefined ? { gcp: args.gcp } : {}),
    driversPreinstalled: args.gpuDriversPreinstalled ?? false,
    ready: [],
  };
}

// ---- type-level check: the interface and the schema describe the same shape ----------------
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
/** @internal zod schema: kept out of the published declarations (stripInternal). */
export type _ExistingClusterArgsMatch = Assert<
  Equals<z.input<typeof existingClusterArgsSchema>, ExistingClusterArgs>
>;
