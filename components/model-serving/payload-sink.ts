/**
 * The component's payload sink: where the models' KServe loggers post their CloudEvents when they
 * log without their own `sinkUrl`. `mlops_jobs.payload_sink` (jobs/) pairs each request with its
 * response and writes Parquet to `<payload-logs bucket>/<prefix>/<model>/<version>/date=…/`, the
 * drift job's current data.
 *
 * Children (component `n`): the key `n-payload-logs-key` (customer-managed, where the target has
 * one) and the bucket `n-payload-logs-*` (the adapter's object store: private, encrypted,
 * versioned as the policy pack asks); the adapter's workload identity `n-payload-sink-*`
 * (ServiceAccount `payload-sink`) with read-write on that bucket only; the sources' ConfigMap
 * `n-payload-sink-sources` (`pythonJobPod`: the pinned python image installs the sink's one-wheel
 * lock in an init container); the SecureWorkload `n-payload-sink` (Deployment, Service and
 * NetworkPolicy `payload-sink`: ingress on 8080 only from the namespace's model pods, egress to
 * the store, the identity's credential exchange and, for the install, HTTPS).
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Access, type CloudAdapter, type ObjectStore } from "../adapters";
import type { ComponentContext } from "../shared/component";
import { selectorLabels } from "../shared/k8s";
import { PRESETS } from "../shared/presets";
import { JobsLock, pythonJobPod } from "../shared/python-job";
import { SecureWorkload } from "../shared/secure-workload";
import {
  PAYLOAD_SINK_NAME,
  PAYLOAD_SINK_PORT,
  type ResolvedModelServingArgs,
  type ResolvedPayloadSink,
} from "./args";
import { ISVC_POD_LABEL } from "./model";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** The sink's requests and limits (one small Python process; the buffer is bounded by rows). */
export const PAYLOAD_SINK_RESOURCES = {
  cpuRequest: "100m",
  memoryRequest: "256Mi",
  cpuLimit: "1",
  memoryLimit: "1Gi",
};
/** Rows held in memory before the sink answers 503 (about 100 MB at 100 numeric columns). */
export const PAYLOAD_SINK_MAX_BUFFER_ROWS = 100_000;

export interface PayloadSinkBuildContext {
  ctx: ComponentContext;
  provider: k8s.Provider;
  adapter: CloudAdapter;
  a: ResolvedModelServingArgs;
  sink: ResolvedPayloadSink;
  labels: Record<string, string>;
  /** The namespace and the platform. */
  dependsOn: pulumi.Resource[];
}

export interface PayloadSink {
  /** The `payload-logs` bucket (grantable: the drift job reads it). */
  store: ObjectStore;
  /** Labels that select the sink's pods (the models' egress names them). */
  selector: Record<string, string>;
  workload: SecureWorkload;
}

/** Creates the payload sink (see the module comment). */
export function createPayloadSink(b: PayloadSinkBuildContext): PayloadSink {
  const { ctx, provider, adapter, a, sink } = b;
  const key = adapter.encryptionKey("payload-logs");
  const store = adapter.objectStore("payload-logs", {
    ...(key ? { key } : {}),
    // Files are written once, so versions only keep what is deleted; on because the policy pack
    // asks every bucket to keep versions (gcp-gcs-versioning).
    versioning: true,
    forceDestroy: PRESETS[ctx.environment].forceDestroyBuckets,
  });
  const selector = selectorLabels("mlops-payload-sink", ctx.name, "payload-sink");
  const labels = { ...b.labels, ...selector };
  const identity = adapter.workloadIdentity(PAYLOAD_SINK_NAME, {
    serviceAccountName: PAYLOAD_SINK_NAME,
    grants: [{ resource: store, access: Access.readWrite }],
    labels,
  });
  // pyarrow's S3 client reads an S3-compatible endpoint (local MinIO) from MLOPS_S3_ENDPOINT_URL.
  const endpoint: EnvVar[] = store.clientEnv
    .filter((e) => e.name === "MLFLOW_S3_ENDPOINT_URL")
    .map((e) => ({ ...e, name: "MLOPS_S3_ENDPOINT_URL" }));
  const pod = pythonJobPod(
    `${ctx.name}-${PAYLOAD_SINK_NAME}`,
    {
      objectName: PAYLOAD_SINK_NAME,
      namespace: a.namespace,
      labels,
      module: "payload_sink",
      lock: JobsLock.sink,
      env: [
        { name: "MLOPS_SINK_PREFIX", value: pulumi.interpolate`${store.uri}/${sink.prefix}` },
        { name: "MLOPS_SINK_PORT", value: String(PAYLOAD_SINK_PORT) },
        { name: "MLOPS_SINK_FLUSH_ROWS", value: String(sink.flushRows) },
        { name: "MLOPS_SINK_FLUSH_INTERVAL", value: sink.flushInterval },
        { name: "MLOPS_SINK_MAX_BUFFER_ROWS", value: String(PAYLOAD_SINK_MAX_BUFFER_ROWS) },
        ...store.clientEnv,
        ...endpoint,
        ...identity.env,
      ],
      ...(sink.image ? { image: sink.image } : {}),
      ...(sink.pipIndexUrl ? { pipIndexUrl: sink.pipIndexUrl } : {}),
      // pyarrow's wheel and its unpacked files.
      depsSizeLimit: "1Gi",
    },
    ctx.opts({ provider, dependsOn: b.dependsOn }),
  );
  const ha = ctx.environment !== "dev";
  const workload = new SecureWorkload(
    `${ctx.name}-${PAYLOAD_SINK_NAME}`,
    {
      namespace: a.namespace,
      objectName: PAYLOAD_SINK_NAME,
      labels,
      selectorLabels: selector,
      image: pod.image,
      containerName: "sink",
      command: pod.command,
      args: pod.args,
      env: pod.env,
      volumes: pod.volumes,
      volumeMounts: pod.volumeMounts,
      initContainers: pod.initContainers,
      port: PAYLOAD_SINK_PORT,
      healthCheckPath: "/healthz",
      replicas: ha ? 2 : 1,
      spreadAcrossZones: ha,
      podDisruptionBudget: ha,
      resources: PAYLOAD_SINK_RESOURCES,
      runAsUser: pod.uid,
      serviceAccountName: identity.serviceAccountName,
      // Only the loggers of this namespace's model pods (every InferenceService pod carries the label).
      ingressFrom: [{ podSelector: { matchExpressions: [{ key: ISVC_POD_LABEL, operator: "Exists" }] } }],
      egress: [...store.egress, ...identity.egress, ...pod.egress],
      deploymentDependsOn: [store.resource, ...identity.ready, ...(pod.configMap ? [pod.configMap] : [])],
    },
    ctx.opts({ provider, dependsOn: [...b.dependsOn, identity.serviceAccount] }),
  );
  return { store, selector, workload };
}
