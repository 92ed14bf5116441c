/**
 * Each component's hand-written args interface and its runtime zod schema describe the same
 * shape: a field added to one and not the other fails type-checking (CI runs tsc over test/).
 */
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  featureStoreArgsSchema,
  gpuTrainingClusterArgsSchema,
  modelRegistryArgsSchema,
  modelServingArgsSchema,
  monitoringArgsSchema,
  retrainingLoopArgsSchema,
  type FeatureStoreArgs,
  type GpuTrainingClusterArgs,
  type ModelRegistryArgs,
  type ModelServingArgs,
  type MonitoringArgs,
  type RetrainingLoopArgs,
} from "../components";
import {
  restrictedNamespaceArgsSchema,
  type RestrictedNamespaceArgs,
} from "../components/shared/restricted-namespace";
import {
  ingressAuthenticationArgsSchema,
  type IngressAuthenticationArgs,
} from "../components/shared/https-ingress";
import { secureWorkloadArgsSchema, type SecureWorkloadArgs } from "../components/shared/secure-workload";

describe("args interfaces match their zod schemas", () => {
  it("ModelRegistryArgs", () => {
    expectTypeOf<z.input<typeof modelRegistryArgsSchema>>().toEqualTypeOf<ModelRegistryArgs>();
    expectTypeOf<ModelRegistryArgs>().toEqualTypeOf<z.input<typeof modelRegistryArgsSchema>>();
  });

  it("FeatureStoreArgs", () => {
    expectTypeOf<z.input<typeof featureStoreArgsSchema>>().toEqualTypeOf<FeatureStoreArgs>();
    expectTypeOf<FeatureStoreArgs>().toEqualTypeOf<z.input<typeof featureStoreArgsSchema>>();
    // The table online stores' tables (issue 10): a plain list of names in both.
    type OnlineTables = NonNullable<FeatureStoreArgs["onlineStore"]>["tables"];
    expectTypeOf<OnlineTables>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<
      NonNullable<z.input<typeof featureStoreArgsSchema>["onlineStore"]>["tables"]
    >().toEqualTypeOf<OnlineTables>();
  });

  it("ModelServingArgs", () => {
    expectTypeOf<z.input<typeof modelServingArgsSchema>>().toEqualTypeOf<ModelServingArgs>();
    expectTypeOf<ModelServingArgs>().toEqualTypeOf<z.input<typeof modelServingArgsSchema>>();
    // The exposure's authentication block (shared by https-ingress).
    expectTypeOf<
      z.input<typeof ingressAuthenticationArgsSchema>
    >().toEqualTypeOf<IngressAuthenticationArgs>();
    expectTypeOf<IngressAuthenticationArgs>().toEqualTypeOf<
      z.input<typeof ingressAuthenticationArgsSchema>
    >();
  });

  it("GpuTrainingClusterArgs", () => {
    expectTypeOf<z.input<typeof gpuTrainingClusterArgsSchema>>().toEqualTypeOf<GpuTrainingClusterArgs>();
    expectTypeOf<GpuTrainingClusterArgs>().toEqualTypeOf<z.input<typeof gpuTrainingClusterArgsSchema>>();
  });

  it("MonitoringArgs", () => {
    expectTypeOf<z.input<typeof monitoringArgsSchema>>().toEqualTypeOf<MonitoringArgs>();
    expectTypeOf<MonitoringArgs>().toEqualTypeOf<z.input<typeof monitoringArgsSchema>>();
  });

  it("RetrainingLoopArgs", () => {
    expectTypeOf<z.input<typeof retrainingLoopArgsSchema>>().toEqualTypeOf<RetrainingLoopArgs>();
    expectTypeOf<RetrainingLoopArgs>().toEqualTypeOf<z.input<typeof retrainingLoopArgsSchema>>();
  });

  it("RestrictedNamespaceArgs", () => {
    expectTypeOf<z.input<typeof restrictedNamespaceArgsSchema>>().toEqualTypeOf<RestrictedNamespaceArgs>();
    expectTypeOf<RestrictedNamespaceArgs>().toEqualTypeOf<z.input<typeof restrictedNamespaceArgsSchema>>();
  });

  it("SecureWorkloadArgs", () => {
    expectTypeOf<z.input<typeof secureWorkloadArgsSchema>>().toEqualTypeOf<SecureWorkloadArgs>();
    expectTypeOf<SecureWorkloadArgs>().toEqualTypeOf<z.input<typeof secureWorkloadArgsSchema>>();
  });
});
