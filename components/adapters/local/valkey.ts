/**
 * Key-value store on `local`: a single-instance Valkey StatefulSet of the official image in the
 * context's namespace, with a generated password.
 *
 * Children (all named `${ctx.name}-<role>-<kind>`, the same string as `metadata.name`):
 *
 * | Kind                         | Name suffix         | Notes                                              |
 * | ---------------------------- | ------------------- | -------------------------------------------------- |
 * | random.RandomPassword        | `-valkey-password`  | letters and digits (see `key-value.ts`)            |
 * | core/v1 Secret               | `-valkey-auth`      | `password` (for clients), `valkey.conf` (`requirepass`) |
 * | core/v1 ServiceAccount       | `-valkey`           | token automount off                                |
 * | networking/v1 NetworkPolicy  | `-valkey`           | ingress 6379 from labelled client pods only, no egress |
 * | core/v1 Service (headless)   | `-valkey-hl`        | governing Service of the StatefulSet               |
 * | core/v1 Service (ClusterIP)  | `-valkey`           | what clients connect to                            |
 * | apps/v1 StatefulSet          | `-valkey`           | 1 replica, volumeClaimTemplate `data`; stateful    |
 *
 * The password reaches the server only through the Secret's `valkey.conf`, mounted read-only and
 * passed as the configuration file: it is neither in the pod spec nor on the command line. There
 * is no TLS (traffic stays in the namespace, admitted by the NetworkPolicy), no replica and no KMS:
 * `highAvailability` and `key` have no effect here, and `backupRetentionDays`/`deletionProtection`
 * neither (data is kept by the append-only file on the PVC, which outlives the StatefulSet).
 */
import * as pulumi from "@pulumi/pulumi";
import { resources, selectorLabels, standardLabels, type ContainerResources } from "../../shared/k8s";
import type { DatabaseSize } from "../../shared/presets";
import { KEY_VALUE_PORT, keyValuePassword } from "../key-value";
import type { AdapterContext, KeyValueStore, KeyValueStoreArgs, LocalTargetArgs } from "../types";
import * as common from "./common";

/**
 * Valkey image: the official image's 9.0 line on Alpine (valkey-io/valkey-container,
 * `9.0/alpine/Dockerfile`; the newest 9.0 patch, 9.0.6 on Alpine 3.24, as mirrored by other
 * projects). Pinned by tag: no digest could be read offline.
 */
export const VALKEY_IMAGE = "valkey/valkey:9.0.6-alpine3.24";

/** uid of the image's `valkey` user (`adduser -S -G valkey -u 999 valkey` in the Dockerfile). */
export const VALKEY_UID = 999;
/** gid of the image's `valkey` group (`addgroup -S -g 1000 valkey`). */
export const VALKEY_GID = 1000;

/** Keys of the Secret: the password for clients, and the configuration file for the server. */
export const VALKEY_SECRET_KEYS = { password: "password", config: "valkey.conf" } as const;

/** Where the Secret's configuration file is mounted. */
const CONFIG_DIR = "/etc/valkey";

/** `app.kubernetes.io/name` of the Valkey pods. */
const VALKEY_APP = "valkey";

/** Container resources, `maxmemory` (75% of the memory limit, room for the AOF rewrite fork) and volume size per size class. */
export interface ValkeySizing {
  resources: ContainerResources;
  maxMemoryMb: number;
  storageGb: number;
}

/** Dev-scale sizing chosen for this toolkit (no upstream default). */
export const VALKEY_SIZING: Record<DatabaseSize, ValkeySizing> = {
  small: {
    resources: { cpuRequest: "100m", memoryRequest: "256Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
    maxMemoryMb: 384,
    storageGb: 2,
  },
  medium: {
    resources: { cpuRequest: "250m", memoryRequest: "1Gi", cpuLimit: "1", memoryLimit: "2Gi" },
    maxMemoryMb: 1536,
    storageGb: 8,
  },
  large: {
    resources: { cpuRequest: "500m", memoryRequest: "2Gi", cpuLimit: "2", memoryLimit: "4Gi" },
    maxMemoryMb: 3072,
    storageGb: 16,
  },
};

/**
 * Creates the Valkey StatefulSet, its password and Secret, Services, ServiceAccount and
 * NetworkPolicy. Clients are pods of the namespace carrying `args.clientPodLabels`; they read the
 * password from `passwordSecret` and connect without TLS.
 */
export function createValkey(
  ctx: AdapterContext,
  local: LocalTargetArgs | undefined,
  role: string,
  args: KeyValueStoreArgs,
): KeyValueStore {
  if (Object.keys(args.clientPodLabels).length === 0) {
    throw new Error(
      `${ctx.name}: keyValueStore clientPodLabels: give at least one label; an empty selector would admit every pod of the namespace`,
    );
  }
  const name = common.objectName(ctx, role, "valkey", common.MAX_STATEFULSET_NAME_LENGTH);
  const headlessName = common.objectName(ctx, role, "valkey-hl");
  const secretName = common.objectName(ctx, role, "valkey-auth");
  const instance = common.instanceLabel(ctx);
  const standard = standardLabels(VALKEY_APP, instance, role);
  const labels = common.objectLabels(ctx, standard);
  const selector = selectorLabels(VALKEY_APP, instance, role);
  const sizing = VALKEY_SIZING[args.size];

  if (args.highAvailability) {
    void pulumi.log.warn(
      `${name}: highAvailability has no effect on the "local" target; Valkey runs as a single pod.`,
      ctx.parent,
    );
  }

  const password = keyValuePassword(
    common.objectName(ctx, role, "valkey-password"),
    common.plainChildOptions(ctx),
  );
  // Letters and digits only, so the value needs no quoting in the configuration file.
  const secret = common.credentialsSecret(ctx, secretName, labels, {
    [VALKEY_SECRET_KEYS.password]: password.result,
    [VALKEY_SECRET_KEYS.config]: pulumi.interpolate`requirepass ${password.result}\n`,
  });

  const serviceAccount = common.workloadServiceAccount(ctx, name, labels);
  // Valkey needs no egress; ingress on 6379 only from client pods of this namespace.
  const networkPolicy = common.serverNetworkPolicy(ctx, name, labels, selector, [
    {
      from: [{ podSelector: { matchLabels: { ...args.clientPodLabels } } }],
      ports: [{ protocol: "TCP", port: KEY_VALUE_PORT }],
    },
  ]);
  const services = { name, headlessName, labels, selector, portName: "valkey", port: KEY_VALUE_PORT };
  const { headless, service } = common.statefulServices(ctx, services);

  const statefulSet = common.singleInstanceStatefulSet(ctx, {
    ...services,
    uid: VALKEY_UID,
    gid: VALKEY_GID,
    container: {
      name: "valkey",
      image: VALKEY_IMAGE,
      // The configuration file first, then options (valkey-server [configfile] [options]).
      command: ["valkey-server"],
      args: [
        `${CONFIG_DIR}/${VALKEY_SECRET_KEYS.config}`,
        "--port",
        String(KEY_VALUE_PORT),
        "--dir",
        "/data",
        // Durable across restarts: append-only file, fsync every second (the Valkey default policy).
        "--appendonly",
        "yes",
        "--maxmemory",
        `${sizing.maxMemoryMb}mb`,
        // Online features must not vanish silently: refuse writes when full (the Valkey default).
        "--maxmemory-policy",
        "noeviction",
      ],
      resources: resources(sizing.resources),
      ...common.serverProbes({ tcpSocket: { port: "valkey" } }, 120),
      volumeMounts: [
        { name: "data", mountPath: "/data" },
        { name: "config", mountPath: CONFIG_DIR, readOnly: true },
      ],
    },
    // Group-readable by the pod's fsGroup only.
    volumes: [{ name: "config", secret: { secretName, defaultMode: 0o440 } }],
    data: common.dataVolumeClaimTemplate(standard, sizing.storageGb, local),
    dependsOn: [secret, serviceAccount, networkPolicy, headless, service],
  });

  return {
    host: common.serviceHost(name, ctx.namespace),
    port: pulumi.output(KEY_VALUE_PORT),
    tls: false,
    password: pulumi.secret(password.result),
    passwordSecret: { name: secretName, key: VALKEY_SECRET_KEYS.password },
    egress: [common.podEgress(selector, KEY_VALUE_PORT)],
    resource: statefulSet,
  };
}
