/**
 * Amazon Managed Service for Prometheus (AMP) for the AWS adapter's `managedMetrics`: a workspace
 * encrypted with a customer-managed key, its retention, and the remote-write identity of the
 * in-cluster Prometheus (IRSA or Pod Identity), allowed `aps:RemoteWrite` on that workspace only.
 *
 * The in-cluster Prometheus keeps reading ServiceMonitors and remote-writes to the workspace: the
 * AMP managed scraper reads no ServiceMonitors and AMP's Alertmanager supports only SNS receivers
 * (docs/design/monitoring-research.md §3), so monitors and alert routing stay the same in every mode.
 */
import * as aws from "../../shared/aws-sdk";
import * as pulumi from "@pulumi/pulumi";
import type { AdapterContext, ManagedMetrics, ManagedMetricsArgs } from "../types";
import { ScrapeBackend } from "../../shared/monitors";
import { createServiceAccountRole, type AwsIdentity } from "./identity";
import { createKmsKey } from "./kms";

/**
 * The only action the remote-write role gets, on the workspace ARN only. The AWS managed policy
 * AmazonPrometheusRemoteWriteAccess grants the same action on `*`
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonPrometheusRemoteWriteAccess.html),
 * i.e. on every workspace of the account, so it is not used.
 */
export const AMP_REMOTE_WRITE_ACTIONS = ["aps:RemoteWrite"];

/**
 * Remote-write queue settings AWS recommends for AMP (capacity 2500, 1000 samples per send, at
 * most 200 shards; AWS user guide "Set up metrics ingestion ... new Prometheus server",
 * https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-onboard-ingest-metrics-new-Prometheus.html,
 * and awslabs/ai-on-eks `infra/base/terraform/helm-values/kube-prometheus-amp-enable.yaml`), in
 * prometheus-operator's `QueueConfig` field names.
 */
export const AMP_REMOTE_WRITE_QUEUE = { capacity: 2500, maxSamplesPerSend: 1000, maxShards: 200 } as const;

/**
 * Longest retention AMP accepts, in days: "The maximum is 1095 days (three years)" (AWS user guide,
 * https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-workspace-configuration.html; the API
 * minimum is 1, API_WorkspaceConfigurationDescription).
 */
export const AMP_MAX_RETENTION_DAYS = 1095;

/** The inline policy of the remote-write role: `aps:RemoteWrite` on exactly this workspace. */
export function remoteWritePolicy(workspaceArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "RemoteWrite", Effect: "Allow", Action: AMP_REMOTE_WRITE_ACTIONS, Resource: [workspaceArn] },
    ],
  });
}

/**
 * Creates, for a context named `n` and role `r`:
 * - the key `n-r-key` (`createKmsKey`) unless `args.key` is given;
 * - the workspace `n-r-workspace` with `kmsKeyArn` (never the AWS-owned key), protected and
 *   retained like every stateful child;
 * - its configuration `n-r-workspace-config` (`retentionPeriodInDays`);
 * - the remote-write role `n-r-remote-write-role` with its policy (`remoteWritePolicy`) for the
 *   Prometheus ServiceAccount, plus the Pod Identity association `n-r-remote-write-pod-identity`
 *   in that mode (IRSA: the ServiceAccount annotation is returned; the chart creates the
 *   ServiceAccount).
 *
 * No `loggingConfiguration`: a log group encrypted with the customer-managed key needs a key policy
 * that admits the CloudWatch Logs service principal, which the toolkit's keys do not have (they
 * keep the default key policy, see `kms.ts`). Writers need no KMS permission: AMP uses grants on
 * the key that it creates with the workspace (AWS user guide, "Encryption at rest").
 *
 * @throws Error when `retentionDays` is not an integer from 1 to `AMP_MAX_RETENTION_DAYS`.
 */
export function createAmpManagedMetrics(
  ctx: AdapterContext,
  identity: AwsIdentity,
  role: string,
  args: ManagedMetricsArgs,
  region: pulumi.Output<string>,
): ManagedMetrics {
  const days = args.retentionDays;
  if (!Number.isInteger(days) || days < 1 || days > AMP_MAX_RETENTION_DAYS) {
    throw new Error(
      `managedMetrics("${role}"): retentionDays: ${days} is not an integer from 1 to ${AMP_MAX_RETENTION_DAYS} (Amazon Managed Service for Prometheus retention)`,
    );
  }
  const name = `${ctx.name}-${role}`;
  const key = args.key ?? createKmsKey(ctx, role);

  const workspace = new aws.amp.Workspace(
    `${name}-workspace`,
    { kmsKeyArn: key.keyId, tags: ctx.tags },
    { parent: ctx.parent, protect: ctx.protect, retainOnDelete: ctx.protect, dependsOn: key.ready },
  );
  const configuration = new aws.amp.WorkspaceConfiguration(
    `${name}-workspace-config`,
    { workspaceId: workspace.id, retentionPeriodInDays: days },
    { parent: ctx.parent },
  );

  const writer = createServiceAccountRole(
    ctx,
    identity,
    `${name}-remote-write`,
    args.prometheusServiceAccountName,
    workspace.arn.apply(remoteWritePolicy),
  );

  // `prometheusEndpoint` ends in "/" (…/workspaces/<id>/), so the path is appended without one.
  const remoteWrite = pulumi
    .all([workspace.prometheusEndpoint, region])
    .apply(([endpoint, r]): Record<string, unknown>[] => [
      {
        url: `${endpoint}api/v1/remote_write`,
        sigv4: { region: r },
        queueConfig: { ...AMP_REMOTE_WRITE_QUEUE },
      },
    ]);

  return {
    scrapeBackend: ScrapeBackend.prometheusOperator,
    remoteWrite,
    prometheusServiceAccountAnnotations: writer.annotations,
    egress: writer.egress,
    endpoint: workspace.arn,
    retentionDays: days,
    resources: [workspace, configuration, ...writer.ready],
  };
}
