/**
 * The GPU stack: how GPUs become the schedulable `nvidia.com/gpu` resource, and GPU metrics.
 *
 * | gpuStack       | Helm releases (namespace `gpu-system`)                          |
 * | -------------- | --------------------------------------------------------------- |
 * | "devicePlugin" | nvidia-device-plugin, + dcgm-exporter when `dcgmExporter`        |
 * | "gpuOperator"  | gpu-operator (its own DCGM exporter when `dcgmExporter`)         |
 * | "none"         | nothing (the platform runs the device plugin, e.g. GKE)          |
 *
 * `gpu-system` is the only namespace with the Pod Security "privileged" profile: the device plugin
 * mounts the kubelet's device-plugin socket directory (hostPath), the DCGM exporter runs as root
 * with SYS_ADMIN, and the GPU Operator's driver and toolkit containers are privileged and change
 * the host. Nothing else runs there; team namespaces are "restricted".
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MlopsComponent, type ComponentContext } from "../../shared/component";
import { privilegedNamespaceLabels } from "../../shared/k8s";
import { GPU_NODE_LABELS, GPU_TAINT, type BuiltCluster } from "../types";
import { argError } from "../../shared/validation";
import { MonitorKind, ScrapeBackend } from "../../shared/monitors";
import {
  createScrapeTarget,
  type ClusterMonitoring,
  type WorkloadScrapeTarget,
} from "../../shared/scrape-target";
import { GpuStack } from "./args";
import { childOptions, GPU_SYSTEM_NAMESPACE, labelsFor, platformNamespacePolicy } from "./common";

/**
 * NVIDIA device plugin chart (https://nvidia.github.io/k8s-device-plugin, chart
 * `nvidia-device-plugin`), the newest release, v0.20.0 (2026-08-19; NVIDIA/k8s-device-plugin tag
 * v0.20.0, deployments/helm/nvidia-device-plugin/Chart.yaml).
 */
export const DEVICE_PLUGIN_CHART = {
  repo: "https://nvidia.github.io/k8s-device-plugin",
  chart: "nvidia-device-plugin",
  version: "0.20.0",
} as const;

/** Device plugin image, pinned to the chart's appVersion (chart default `v<appVersion>`, set explicitly). */
export const DEVICE_PLUGIN_IMAGE = {
  repository: "nvcr.io/nvidia/k8s-device-plugin",
  tag: "v0.20.0",
} as const;

/**
 * NVIDIA GPU Operator chart (https://helm.ngc.nvidia.com/nvidia, chart `gpu-operator`), the newest
 * release, v26.7.0 (2026-08-20; NVIDIA/gpu-operator tag v26.7.0). NGC chart versions carry the
 * leading "v". The operator's images default to the chart's appVersion; its operands (device
 * plugin v0.20.0, DCGM exporter 4.6.0-4.8.3, container toolkit v1.20.0, driver 595.91.07) are
 * pinned in that chart's values.yaml.
 */
export const GPU_OPERATOR_CHART = {
  repo: "https://helm.ngc.nvidia.com/nvidia",
  chart: "gpu-operator",
  version: "v26.7.0",
} as const;

/**
 * Standalone DCGM exporter chart (https://nvidia.github.io/dcgm-exporter/helm-charts, chart
 * `dcgm-exporter`), the newest release, 4.8.2 (NVIDIA/dcgm-exporter tag 4.5.3-4.8.2,
 * deployment/Chart.yaml). Used only with the plain device plugin: the GPU Operator ships its own.
 */
export const DCGM_EXPORTER_CHART = {
  repo: "https://nvidia.github.io/dcgm-exporter/helm-charts",
  chart: "dcgm-exporter",
  version: "4.8.2",
} as const;

/** DCGM exporter image of that chart (deployment/values.yaml), set explicitly. */
export const DCGM_EXPORTER_IMAGE = {
  repository: "nvcr.io/nvidia/k8s/dcgm-exporter",
  tag: "4.5.3-4.8.2-distroless",
} as const;

/** The `gpu-system` Namespace as a plain manifest. */
export function gpuSystemNamespaceManifest(labels: Record<string, string>) {
  return {
    apiVersion: "v1" as const,
    kind: "Namespace" as const,
    metadata: {
      name: GPU_SYSTEM_NAMESPACE,
      labels: { ...labels, ...privilegedNamespaceLabels() },
      annotations: {
        "mlops.pulumi.com/privileged-reason":
          "NVIDIA device plugin / GPU Operator / DCGM exporter need host access (hostPath device-plugin socket, privileged driver and toolkit containers, SYS_ADMIN for profiling metrics)",
      },
    },
  };
}

/** Tolerations of GPU DaemonSets: the GPU taint (any value) and CriticalAddonsOnly. */
function gpuDaemonSetTolerations() {
  return [
    { key: "CriticalAddonsOnly", operator: "Exists" },
    { key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect },
  ];
}

/** Runs only on our GPU nodes (every target labels them `GPU_NODE_LABELS.gpu: "true"`). */
function gpuNodeSelector(): Record<string, string> {
  return { [GPU_NODE_LABELS.gpu]: "true" };
}

/**
 * Values of the device plugin chart. The chart's default node affinity requires Node Feature
 * Discovery labels (`feature.node.kubernetes.io/pci-10de.present`, ...), which our clusters do not
 * run; it is replaced by our GPU node label (Helm replaces lists, so the terms are ours alone).
 */
export function devicePluginValues() {
  return {
    image: { repository: DEVICE_PLUGIN_IMAGE.repository, tag: DEVICE_PLUGIN_IMAGE.tag },
    nodeSelector: gpuNodeSelector(),
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: GPU_NODE_LABELS.gpu, operator: "In", values: ["true"] }] },
          ],
        },
      },
    },
    tolerations: gpuDaemonSetTolerations(),
    // GPU feature discovery needs NFD; the pool labels we set are what jobs select on.
    gfd: { enabled: false },
    nfd: { enabled: false },
  };
}

/** Values of the GPU Operator chart. */
export function gpuOperatorValues(opts: { driversPreinstalled: boolean; dcgmExporter: boolean }) {
  return {
    // Drivers and toolkit as containers only where the node image lacks them.
    driver: { enabled: !opts.driversPreinstalled },
    toolkit: { enabled: !opts.driversPreinstalled },
    devicePlugin: { enabled: true },
    // The exporter's monitor is ours (`dcgmScrapeTarget`), not the chart's: one helper, honorLabels on.
    dcgmExporter: { enabled: opts.dcgmExporter, serviceMonitor: { enabled: false } },
    daemonsets: { tolerations: gpuDaemonSetTolerations() },
    nfd: { enabled: true },
  };
}

/** Values of the standalone DCGM exporter chart. */
export function dcgmExporterValues() {
  return {
    image: { repository: DCGM_EXPORTER_IMAGE.repository, tag: DCGM_EXPORTER_IMAGE.tag },
    nodeSelector: gpuNodeSelector(),
    tolerations: gpuDaemonSetTolerations(),
    // The exporter's monitor is ours (`dcgmScrapeTarget`): the chart's renders honorLabels false.
    serviceMonitor: { enabled: false },
  };
}

/**
 * The pod labels and container port of the DCGM exporter each GPU stack runs: the standalone
 * chart's DaemonSet (NVIDIA/dcgm-exporter deployment/templates/daemonset.yaml and _helpers.tpl
 * at 4.5.3-4.8.2: `app.kubernetes.io/name: dcgm-exporter`, `app.kubernetes.io/instance:
 * <release>`, container port "metrics" 9400) or the GPU Operator's (NVIDIA/gpu-operator
 * assets/state-dcgm-exporter/0800_daemonset.yaml at v26.7.0: `app: nvidia-dcgm-exporter`, port
 * "metrics" 9400).
 */
export const DCGM_EXPORTER_PODS = {
  [GpuStack.devicePlugin]: {
    "app.kubernetes.io/name": "dcgm-exporter",
    "app.kubernetes.io/instance": "dcgm-exporter",
  },
  [GpuStack.gpuOperator]: { app: "nvidia-dcgm-exporter" },
} as const;

/**
 * The DCGM exporter's scrape target: a PodMonitor with `honorLabels: true`, because the exporter
 * reports the `pod`, `namespace` and `container` of the GPU's user, which clash with the target's
 * own labels (without it they become `exported_pod`, ..., and the GPU-idle rule and the GPU fleet
 * dashboard, which group by `pod`, see only the exporter; docs/design/monitoring-research.md §4).
 * Only for the prometheus-operator: GMP's PodMonitoring has no honorLabels (GKE's managed DCGM
 * is collected by GKE itself).
 */
export function dcgmScrapeTarget(stack: Exclude<GpuStack, "none">): WorkloadScrapeTarget {
  return {
    backends: [ScrapeBackend.prometheusOperator],
    kind: MonitorKind.podMonitor,
    name: "dcgm-exporter",
    namespace: GPU_SYSTEM_NAMESPACE,
    selector: { ...DCGM_EXPORTER_PODS[stack] },
    endpoints: [{ port: "metrics", honorLabels: true }],
  };
}

/**
 * `app.kubernetes.io/component` of the GPU Operator's driver pods, whether the ClusterPolicy or an
 * NVIDIADriver resource deploys them (NVIDIA/gpu-operator tag v26.7.0,
 * assets/state-driver/0500_daemonset.yaml and the golden files of internal/state/).
 */
export const GPU_OPERATOR_DRIVER_COMPONENT = "nvidia-driver";

/**
 * Egress of the GPU Operator's driver pods to package mirrors on tcp 80, only where the operator
 * installs the driver (the node image lacks it: an adopted cluster with
 * `gpuDriversPreinstalled: false`).
 *
 * Why: the driver container compiles the kernel module at start. Its entrypoint runs
 * `apt-get update`, `apt-get install linux-headers-${KERNEL_VERSION}` and `apt-get download
 * linux-image-… linux-modules-…` (NVIDIA/gpu-driver-container, ubuntu24.04/nvidia-driver,
 * `_update_package_cache` / `_install_prerequisites`; the RHEL variants use dnf likewise), and
 * the distribution mirrors of the Ubuntu base image are plain HTTP (archive.ubuntu.com,
 * security.ubuntu.com; packages are verified by the archive's GPG signatures, not TLS). The
 * platform policy of `gpu-system` allows only DNS and tcp 443/6443, so without this rule the driver
 * pod fails with "Failed to update package cache" and no GPU on the node ever becomes allocatable.
 * Precompiled driver images (`driver.usePrecompiled`) avoid the download but exist only for some
 * Ubuntu kernels, so they are not the default.
 *
 * The rule selects the driver pods only, and excludes the link-local range (169.254.0.0/16): the
 * node's instance metadata service also listens on tcp 80 and must stay out of reach.
 */
export function gpuDriverEgressPolicyManifest(labels: Record<string, string>) {
  return {
    apiVersion: "networking.k8s.io/v1" as const,
    kind: "NetworkPolicy" as const,
    metadata: { name: "gpu-driver-packages", namespace: GPU_SYSTEM_NAMESPACE, labels },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/component": GPU_OPERATOR_DRIVER_COMPONENT } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }],
          ports: [{ protocol: "TCP", port: 80 }],
        },
      ],
    },
  };
}

/** Pulumi type token of the GPU stack sub-component. */
export const NVIDIA_GPU_STACK_TYPE = "mlops:index:NvidiaGpuStack";

/** What the GPU stack is made of (resolved by the cluster's in-cluster args). */
export interface NvidiaGpuStackArgs {
  /** The cluster's context: children are labelled for it and inherit its environment, tags and protection. */
  context: ComponentContext;
  /** The cluster the stack is installed into. */
  cluster: BuiltCluster;
  /** "devicePlugin" or "gpuOperator" ("none" is an error: the cluster creates no stack then). */
  gpuStack: GpuStack;
  /** Install a DCGM exporter (the standalone chart, or the GPU Operator's own). */
  dcgmExporter: boolean;
  /** The cluster's monitoring: the DCGM exporter's monitor is created when it is on. */
  monitoring: ClusterMonitoring | undefined;
}

/**
 * `mlops:index:NvidiaGpuStack`, a sub-component of the GPU training cluster: the `gpu-system`
 * namespace, its NetworkPolicies and the releases of the chosen GPU stack (see the file comment).
 *
 * Children (for a stack named `n`, `${cluster}-gpu` in the cluster): `n-system` (the namespace),
 * `n-system-network-policy`, and the releases `n-nvidia-device-plugin` + `n-dcgm-exporter`, or
 * `n-driver-network-policy` + `n-operator`. The cluster creates it with `movedFrom` aliases to
 * the names its objects had as the cluster's own children (`${cluster}-nvidia-device-plugin`, ...).
 */
export class NvidiaGpuStack extends MlopsComponent {
  /** The GPU stack installed. */
  public readonly gpuStack: GpuStack;
  /** The `gpu-system` namespace. */
  public readonly namespace: k8s.core.v1.Namespace;
  /** Device plugin and DCGM exporter, or the GPU Operator. */
  public readonly releases: k8s.helm.v3.Release[];

  constructor(name: string, args: NvidiaGpuStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super(NVIDIA_GPU_STACK_TYPE, name, opts);
    if (args.gpuStack === GpuStack.none) {
      // A GPU stack that installs nothing would still make a privileged namespace: refuse it.
      argError(
        this,
        NVIDIA_GPU_STACK_TYPE,
        "gpuStack",
        '"none" installs no GPU stack; create no NvidiaGpuStack',
      );
    }
    const { cluster: handle, context: cluster } = args;
    const ctx = this.context(cluster);
    const namespace = new k8s.core.v1.Namespace(
      `${ctx.name}-system`,
      gpuSystemNamespaceManifest(labelsFor(cluster, "gpu")),
      childOptions(ctx, handle),
    );
    // DCGM exporter metrics (9400) for Prometheus; the GPU Operator's webhook-free operands need only the API.
    platformNamespacePolicy(ctx, handle, namespace, labelsFor(cluster, "gpu-system"), [
      { port: 9400, fromAnywhere: false },
    ]);
    const releaseOpts = childOptions(ctx, handle, [namespace]);
    // The Helm release name is set, so a release's Pulumi name (`role`) never changes its physical one.
    const release = (
      role: string,
      releaseName: string,
      chart: { repo: string; chart: string; version: string },
      values: object,
    ) =>
      new k8s.helm.v3.Release(
        `${ctx.name}-${role}`,
        {
          name: releaseName,
          namespace: namespace.metadata.name,
          createNamespace: false,
          atomic: true,
          cleanupOnFail: true,
          chart: chart.chart,
          version: chart.version,
          repositoryOpts: { repo: chart.repo },
          values,
        },
        releaseOpts,
      );
    const releases: k8s.helm.v3.Release[] = [];
    if (args.gpuStack === GpuStack.devicePlugin) {
      releases.push(
        release("nvidia-device-plugin", "nvidia-device-plugin", DEVICE_PLUGIN_CHART, devicePluginValues()),
      );
      if (args.dcgmExporter) {
        releases.push(release("dcgm-exporter", "dcgm-exporter", DCGM_EXPORTER_CHART, dcgmExporterValues()));
      }
    } else {
      if (!handle.driversPreinstalled) {
        new k8s.networking.v1.NetworkPolicy(
          `${ctx.name}-driver-network-policy`,
          gpuDriverEgressPolicyManifest(labelsFor(cluster, "gpu")),
          releaseOpts,
        );
      }
      releases.push(
        release(
          "operator",
          "gpu-operator",
          GPU_OPERATOR_CHART,
          gpuOperatorValues({ ...args, driversPreinstalled: handle.driversPreinstalled }),
        ),
      );
    }
    if (args.dcgmExporter) {
      createScrapeTarget(
        { ctx, provider: handle.provider, monitoring: args.monitoring, dependsOn: releases },
        "dcgm-monitor",
        dcgmScrapeTarget(args.gpuStack),
      );
    }
    this.gpuStack = args.gpuStack;
    this.namespace = namespace;
    this.releases = releases;
    this.registerOutputs({
      gpuStack: this.gpuStack,
      namespace: namespace.metadata.name,
      releases: releases.map((r) => r.name),
    });
  }
}
