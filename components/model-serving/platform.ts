/**
 * TEMPORARY STAND-IN (servmodels): the contract of the serving platform sub-component from the
 * shared design of issue 11 (KServe in Standard mode + KEDA, once per cluster). It creates
 * nothing; the "servplat" implementation with this exact signature replaces this file at merge.
 */
import * as pulumi from "@pulumi/pulumi";
import { MlopsComponent } from "../shared/component";
import type { ClusterHandle } from "../training-cluster";

export const SERVING_PLATFORM_TYPE = "mlops:index:ServingPlatform";

export interface ServingPlatformArgs {
  /** The cluster (provider, target, certificates, monitoring). */
  cluster: ClusterHandle;
  /** Labels/tags of every object. @default {} */
  tags?: Record<string, string>;
}

/** KServe (Standard mode) + KEDA, once per cluster; needs the cluster's cert-manager (ClusterHandle.certificates). */
export class ServingPlatform extends MlopsComponent {
  /** What every InferenceService / ScaledObject / TriggerAuthentication must come after (CRDs, controllers, webhooks). */
  public readonly ready: pulumi.Resource[];
  /** Namespace of the KServe controller ("kserve"). */
  public readonly kserveNamespace: string;
  /** Namespace of KEDA ("keda"); its metrics API server / operator reach the Prometheus a trigger names. */
  public readonly kedaNamespace: string;

  constructor(name: string, _args: ServingPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SERVING_PLATFORM_TYPE, name, opts);
    this.ready = [];
    this.kserveNamespace = "kserve";
    this.kedaNamespace = "keda";
    this.registerOutputs({});
  }
}
