/**
 * `mlops:index:ModelServing`: the registry's models served by KServe (Standard deployment mode)
 * on the cluster, autoscaled by KServe's HPA (CPU) or a KEDA ScaledObject (requests in flight or
 * GPU duty cycle from Prometheus), each reading its model read-only from the registry's artifact
 * store with its own workload identity (no static keys).
 *
 * Children (component `n`): the serving platform `n-platform` (KServe + KEDA; not with
 * `installPlatform: false`), the namespace `n-namespace` (RestrictedNamespace: Pod Security
 * "restricted", default deny), per model the objects listed in ./model.ts, and when a model logs
 * its payloads without its own `sinkUrl`, the payload bucket and sink listed in ./payload-sink.ts.
 *
 * Canary rollouts are argument changes: add `canary` with a percentage (KServe `spec.canary[]`:
 * fixed canary replicas, an approximate split by endpoints); promote by setting the model's
 * `storageUri`/`version` to the canary's and removing `canary`; roll back by removing `canary`.
 *
 * Model access per target: aws and gcp grant the model's ServiceAccount read on the registry's
 * bucket (Pod Identity / IRSA role policy, GCS objectViewer with Workload Identity), which the
 * storage initializer KServe injects uses through the pod's identity; local gives it a read-only
 * MinIO user of the registry's store, listed on the ServiceAccount with KServe's `s3-endpoint`
 * annotations (the local adapter's cross-component read grant).
 *
 * Limits of this version (stated, not hidden):
 * - Scale from zero: Standard mode buffers no request (see ./args.ts); an online model keeps one
 *   replica unless `autoscaling.scaleToZero` is set, and a model at 0 wakes only when its trigger
 *   reports activity, which a requests-in-progress gauge of its own pods cannot do while there
 *   are none: scale-to-zero suits batch models woken by traffic through another path.
 * - Payload logging goes as CloudEvents to the component's payload sink (./payload-sink.ts:
 *   Parquet in its own encrypted `payload-logs` bucket, output `payloadLogStore`) or to your own
 *   (`logging.sinkUrl`); the pinned KServe's blob logger writes JSON only, with static keys from a
 *   Secret, so it is not used.
 * - Exposure (`exposure.authentication`): ALB OIDC on aws, GKE Ingress + IAP (BackendConfig) on
 *   gcp, ingress-nginx external auth elsewhere; no Cognito and no GKE Gateway (GCPBackendPolicy)
 *   yet. GKE needs the NEG/BackendConfig annotations on KServe's predictor Service, which KServe
 *   copies from the InferenceService when it creates the Service and does not update afterwards
 *   (its Service comparison looks at ports and selector only): exposing an already-served model
 *   on gcp takes effect once the Service is recreated.
 * - The injected storage-initializer and logger-agent containers get their securityContext from
 *   KServe's `inferenceservice-config` (the platform's values), not from the InferenceService.
 */
import * as pulumi from "@pulumi/pulumi";
import { clusterAdapter } from "../training-cluster";
import { MlopsComponent } from "../shared/component";
import { resolvedOrThrow } from "../shared/contract";
import { governanceLabels, standardLabels } from "../shared/k8s";
import { RestrictedNamespace } from "../shared/restricted-namespace";
import { resolveModelServingArgs, type ModelServingArgs } from "./args";
import type { ObjectStore } from "../adapters";
import { createModel, type ServedModel } from "./model";
import { createPayloadSink } from "./payload-sink";
import { ServingPlatform } from "./platform";

export * from "./args";
export {
  inferenceServiceManifest,
  scaledObjectManifest,
  triggerAuthenticationManifest,
  scaleQuery,
  INFERENCE_SERVICE_API_VERSION,
  KEDA_API_VERSION,
  MLSERVER_METRICS_PORT,
  MODEL_HTTP_PORT,
  RUNTIMES,
  loggerUrl,
  payloadLogSegment,
  type ServedModel,
} from "./model";
export { PAYLOAD_SINK_MAX_BUFFER_ROWS, PAYLOAD_SINK_RESOURCES } from "./payload-sink";
export { ServingPlatform, SERVING_PLATFORM_TYPE, type ServingPlatformArgs } from "./platform";

/** The Pulumi type token of the component. */
export const MODEL_SERVING_TYPE = "mlops:index:ModelServing";

/** KServe + KEDA model serving (see the module comment). */
export class ModelServing extends MlopsComponent {
  /** Per model name: internal URL, external URL (if exposed), current and canary versions. */
  public readonly models: Record<string, ServedModel>;
  /** Namespace the models run in. */
  public readonly namespace: pulumi.Output<string>;
  /** Labels a namespace needs for its pods to call the models. */
  public readonly clientNamespaceLabels: Record<string, string>;
  /**
   * The payload logs' bucket, when a model logs to the component's sink (else undefined): grant
   * the drift job read on it (`grants: [{ resource: payloadLogStore, access: Access.read }]`).
   */
  public readonly payloadLogStore: ObjectStore | undefined;

  constructor(name: string, args: ModelServingArgs, opts?: pulumi.ComponentResourceOptions) {
    super(MODEL_SERVING_TYPE, name, opts);
    const a = resolvedOrThrow(resolveModelServingArgs(args), this, MODEL_SERVING_TYPE);
    const cluster = args.cluster;
    const ctx = this.context(a);
    const { tags } = ctx;
    const provider = cluster.provider;
    const labels = { ...governanceLabels(tags), ...standardLabels("kserve", name, "model-serving") };

    const platform = a.installPlatform
      ? new ServingPlatform(`${name}-platform`, { cluster, tags }, ctx.opts())
      : undefined;
    const ns = new RestrictedNamespace(
      `${name}-namespace`,
      { namespace: a.namespace, labels },
      ctx.opts({ provider }),
    );
    const dependsOn = [ns.namespace, ns.defaultDeny, ...(platform?.ready ?? [])];
    const adapter = clusterAdapter(cluster, ctx, ns.namespaceName, dependsOn);

    const sink = a.payloadSink
      ? createPayloadSink({ ctx, provider, adapter, a, sink: a.payloadSink, labels, dependsOn })
      : undefined;

    const models: Record<string, ServedModel> = {};
    for (const m of a.models) {
      try {
        models[m.name] = createModel(
          {
            ctx,
            provider,
            adapter,
            artifactStore: args.artifactStore,
            cluster,
            a,
            labels,
            dependsOn,
            owner: this,
            type: MODEL_SERVING_TYPE,
            ...(sink && a.payloadSink
              ? { payloadSink: { store: sink.store, prefix: a.payloadSink.prefix, selector: sink.selector } }
              : {}),
          },
          m,
        );
      } catch (err) {
        if (err instanceof pulumi.ResourceError) throw err;
        throw new pulumi.ResourceError(
          `invalid arguments for ${MODEL_SERVING_TYPE}:\n  args.artifactStore: ${(err as Error).message}`,
          this,
        );
      }
    }

    this.models = models;
    this.namespace = ns.namespaceName;
    this.clientNamespaceLabels = a.clientNamespaceLabels;
    this.payloadLogStore = sink?.store;
    this.registerOutputs({
      payloadLogStore: this.payloadLogStore?.uri,
      models: this.models,
      namespace: this.namespace,
      clientNamespaceLabels: this.clientNamespaceLabels,
    });
  }
}
