/**
 * One more model on the platform's serving, from another stack: this program reads the outputs of
 * a platform stack (stacks/ of this repository) through a StackReference, rebuilds the handles of
 * the platform's cluster (`existingClusterHandle`) and of its MLflow artifact store
 * (`existingObjectStore`), and deploys a `ModelServing` with `installPlatform: false` (KServe and
 * KEDA are the platform's) that serves one model from that store with a read-only identity.
 *
 * The platform stack exports what this needs: `kubeconfig` (a secret; "" for a cluster adopted
 * from the ambient kubeconfig, whose `clusterName` is then its context), `clusterName`,
 * `clusterTarget`, `clusterEnvironment`, `clusterAws` / `clusterGcp` (the network and identity
 * details on those targets) and `mlflowArtifactStore` (`objectStoreReference` of the registry's
 * store). See README.md for the run steps.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ENVIRONMENTS,
  existingClusterHandle,
  existingObjectStore,
  ModelServing,
  type AwsTargetArgs,
  type Environment,
  type GcpTargetArgs,
  type ObjectStoreReference,
  type Target,
} from "pulumi-mlops";

export default async function main(): Promise<Record<string, pulumi.Output<unknown>>> {
  const config = new pulumi.Config();
  // "<org>/<project>/<stack>" of the platform stack.
  const platform = new pulumi.StackReference(config.require("platformStack"));

  // Plain values (not outputs): the handles need them to choose the target's adapter and to name
  // what they read. A secret output can only be read as its details.
  const target = (await platform.requireOutputValue("clusterTarget")) as Target;
  // The models' environment preset (and the policy pack's enforcement levels offline): the
  // platform's unless set.
  const configured = config.get("environment");
  if (configured !== undefined && !(ENVIRONMENTS as readonly string[]).includes(configured)) {
    throw new Error(
      `serving-from-stack-reference-example:environment must be dev, staging or prod, not "${configured}"`,
    );
  }
  const environment = (configured ??
    (await platform.requireOutputValue("clusterEnvironment"))) as Environment;
  const clusterName = (await platform.requireOutputValue("clusterName")) as string;
  const reference = (await platform.requireOutputValue("mlflowArtifactStore")) as ObjectStoreReference;
  const aws = (await platform.getOutputValue("clusterAws")) as AwsTargetArgs | undefined;
  const gcp = (await platform.getOutputValue("clusterGcp")) as GcpTargetArgs | undefined;
  const kubeconfigDetails = await platform.getOutputDetails("kubeconfig");
  const kubeconfig = (kubeconfigDetails.secretValue ?? kubeconfigDetails.value) as string | undefined;

  const cluster = existingClusterHandle({
    provider: new k8s.Provider("platform", {
      // A created cluster's kubeconfig; an adopted one's context (its clusterName).
      ...(kubeconfig ? { kubeconfig: pulumi.secret(kubeconfig) } : { context: clusterName }),
      enableServerSideApply: true,
    }),
    target,
    clusterName,
    environment,
    ...(aws ? { aws } : {}),
    ...(gcp ? { gcp } : {}),
  });
  const artifactStore = existingObjectStore("platform-artifacts", { cluster, reference });

  const serving = new ModelServing("extra-serving", {
    cluster,
    artifactStore,
    // KServe and KEDA are installed by the platform's own ModelServing.
    installPlatform: false,
    namespace: config.get("namespace") ?? "serving-extra",
    models: [
      {
        name: config.require("modelName"),
        // A path inside the platform's artifact store (e.g. an MLflow model version's artifacts).
        storageUri: config.require("storageUri"),
        version: config.get("modelVersion") ?? "1",
      },
    ],
    // Governance tags (the policy pack requires owner, cost-center and data-classification).
    tags: {
      owner: config.get("owner") ?? "ml-platform",
      "cost-center": config.get("costCenter") ?? "ml-1234",
      "data-classification": "internal",
    },
  });

  return {
    namespace: serving.namespace,
    models: pulumi.output(serving.models),
    artifactStoreUri: artifactStore.uri,
  };
}
