/**
 * The pulumi-mlops stack program: reads and validates `stacks/Pulumi.<stack>.yaml`, then composes
 * the components. Run with `pulumi up -s <stack>` (Pulumi.yaml points here) or offline with
 * `npm run plan -- --stack <stack>`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ModelRegistry } from "../components";
import { parseStackConfig, PROJECT } from "./config";

export default function main(): Record<string, pulumi.Output<unknown>> {
  // Validate everything before the first resource is registered.
  const cfg = parseStackConfig(
    pulumi.runtime.allConfig(),
    `configuration of stack ${pulumi.getStack()} (stacks/Pulumi.${pulumi.getStack()}.yaml)`,
  );
  const tags: Record<string, string> = {
    ...cfg.tags,
    environment: cfg.environment,
    "managed-by": "pulumi",
    "pulumi-project": PROJECT,
    "pulumi-stack": pulumi.getStack(),
  };

  // The cluster the workloads run on. Until a stack creates its own cluster, this is an existing
  // one reached through a kubeconfig context.
  const cluster = new k8s.Provider("cluster", {
    context: cfg.kubernetes?.context,
    kubeconfig: cfg.kubernetes?.kubeconfig,
    enableServerSideApply: true,
  });

  const registry = new ModelRegistry("model-registry", {
    ...cfg.modelRegistry,
    target: cfg.target,
    environment: cfg.environment,
    kubernetesProvider: cluster,
    aws: cfg.aws,
    gcp: cfg.gcp,
    local: cfg.local,
    tags,
  });

  const outputs: Record<string, pulumi.Output<unknown>> = {
    mlflowTrackingUri: registry.trackingUri,
    mlflowArtifactLocation: registry.artifactLocation,
    mlflowServiceAccount: registry.serviceAccountName,
    mlflowCloudPrincipal: registry.cloudPrincipal,
    mlflowDatabaseEndpoint: registry.databaseEndpoint,
  };
  if (cfg.modelRegistry?.ingress?.enabled) outputs["mlflowExternalUrl"] = registry.externalUrl;
  if (cfg.modelRegistry?.auth?.enabled ?? cfg.modelRegistry?.ingress?.enabled) {
    outputs["mlflowAdminUsername"] = registry.adminUsername;
    outputs["mlflowAdminPassword"] = registry.adminPassword;
  }
  return outputs;
}
