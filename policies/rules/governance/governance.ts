/** Governance: required tags/labels, protection of stateful resources in prod, allowed regions. */
import * as aws from "../aws-sdk";
import * as gcp from "../gcp-sdk";
import * as k8s from "@pulumi/kubernetes";
import type { PolicyResource, ResourceValidation } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import {
  classPulumiType,
  MANDATORY_IN_PROD,
  onlyForTypes,
  resourceRule,
  stackRule,
  type ResourceRule,
  type StackRule,
} from "../types";
import { dig, isMasked, rec, str, stringMap } from "../util";
import { WORKLOAD_TYPES } from "../kubernetes/workload";

/** AWS types checked for required tags (the taggable resources an ML platform creates). */
export const AWS_TAGGED_TYPES: readonly string[] = [
  aws.s3.Bucket,
  aws.rds.Instance,
  aws.rds.Cluster,
  aws.eks.Cluster,
  aws.eks.NodeGroup,
  aws.ec2.Instance,
  aws.ec2.LaunchTemplate,
  aws.ec2.Vpc,
  aws.ec2.SecurityGroup,
  aws.ebs.Volume,
  aws.kms.Key,
  aws.ecr.Repository,
  aws.iam.Role,
  aws.efs.FileSystem,
  aws.dynamodb.Table,
  aws.elasticache.ReplicationGroup,
  aws.sagemaker.NotebookInstance,
  aws.sagemaker.Domain,
  aws.sagemaker.Model,
  aws.sagemaker.EndpointConfiguration,
  aws.sagemaker.Endpoint,
].map(classPulumiType);

/** GCP types checked for required labels, with where their labels live. */
export const GCP_LABEL_PATHS: Readonly<Record<string, readonly string[]>> = {
  [classPulumiType(gcp.storage.Bucket)]: ["labels"],
  [classPulumiType(gcp.container.Cluster)]: ["resourceLabels"],
  [classPulumiType(gcp.container.NodePool)]: ["nodeConfig", "resourceLabels"],
  [classPulumiType(gcp.sql.DatabaseInstance)]: ["settings", "userLabels"],
  [classPulumiType(gcp.redis.Instance)]: ["labels"],
  [classPulumiType(gcp.kms.CryptoKey)]: ["labels"],
  [classPulumiType(gcp.compute.Instance)]: ["labels"],
  [classPulumiType(gcp.compute.Disk)]: ["labels"],
  [classPulumiType(gcp.vertex.AiDataset)]: ["labels"],
  [classPulumiType(gcp.vertex.AiEndpoint)]: ["labels"],
  [classPulumiType(gcp.vertex.AiFeatureStore)]: ["labels"],
  [classPulumiType(gcp.workbench.Instance)]: ["labels"],
};

/** Kubernetes types checked for required labels. */
export const K8S_LABELED_TYPES: readonly string[] = [
  ...WORKLOAD_TYPES,
  classPulumiType(k8s.core.v1.Namespace),
  classPulumiType(k8s.core.v1.Service),
  classPulumiType(k8s.core.v1.PersistentVolumeClaim),
];

function missingKeys(have: Record<string, string>, required: readonly string[]): string[] {
  return required.filter((k) => !(k in have) || (have[k] ?? "") === "");
}

const validateAwsTags: ResourceValidation = onlyForTypes(
  AWS_TAGGED_TYPES,
  "not a tagged AWS type",
  (args, report) => {
    const props: unknown = args.props;
    if (isMasked(dig(props, "tags"))) return;
    const tags = {
      ...stringMap(dig(args.provider?.props, "defaultTags", "tags")),
      ...stringMap(dig(props, "tags")),
    };
    const missing = missingKeys(tags, ruleConfig(args).requiredTags);
    if (missing.length > 0)
      report(`Missing tags: ${missing.join(", ")} (resource tags or the provider's defaultTags).`);
  },
);

/** AWS resources carry the required tags. */
export const awsRequiredTags: ResourceRule = resourceRule(
  {
    name: "gov-aws-required-tags",
    area: "governance",
    description:
      "AWS resources carry the required tags (default owner, cost-center, environment, data-classification), directly or via provider defaultTags.",
    severity: "medium",
    configKeys: ["requiredTags"],
    remediation: "Set the tags on the resource or, better, defaultTags.tags on the aws.Provider.",
    reference: "AWS Tagging Best Practices; Checkov CKV_AWS_... (tagging) equivalent",
    resourceTypes: AWS_TAGGED_TYPES,
  },
  validateAwsTags,
);

const validateGcpLabels: ResourceValidation = onlyForTypes(
  Object.keys(GCP_LABEL_PATHS),
  "not a labeled GCP type",
  (args, report) => {
    const labelPath = GCP_LABEL_PATHS[args.type];
    if (!labelPath) return args.notApplicable("not a labeled GCP type");
    const props: unknown = args.props;
    const own = dig(props, ...labelPath);
    if (isMasked(own)) return;
    const labels = { ...stringMap(dig(args.provider?.props, "defaultLabels")), ...stringMap(own) };
    const missing = missingKeys(labels, ruleConfig(args).requiredTags);
    if (missing.length > 0) report(`Missing labels in ${labelPath.join(".")}: ${missing.join(", ")}.`);
  },
);

/** GCP resources carry the required labels. */
export const gcpRequiredLabels: ResourceRule = resourceRule(
  {
    name: "gov-gcp-required-labels",
    area: "governance",
    description: "GCP resources carry the required labels, directly or via provider defaultLabels.",
    severity: "medium",
    configKeys: ["requiredTags"],
    remediation: "Set labels (resourceLabels / settings.userLabels) or defaultLabels on the gcp.Provider.",
    reference: "Google Cloud labeling best practices (cost allocation)",
    resourceTypes: Object.keys(GCP_LABEL_PATHS),
  },
  validateGcpLabels,
);

const validateK8sLabels: ResourceValidation = onlyForTypes(
  K8S_LABELED_TYPES,
  "not a labeled Kubernetes type",
  (args, report) => {
    const props: unknown = args.props;
    const labels = stringMap(dig(props, "metadata", "labels"));
    const missing = missingKeys(labels, ruleConfig(args).requiredTags);
    if (missing.length > 0) report(`Missing metadata.labels: ${missing.join(", ")}.`);
  },
);

/** Kubernetes objects carry the required labels. */
export const k8sRequiredLabels: ResourceRule = resourceRule(
  {
    name: "gov-k8s-required-labels",
    area: "governance",
    description:
      "Kubernetes workloads, namespaces, services and PVCs carry the required labels in metadata.labels.",
    severity: "low",
    configKeys: ["requiredTags"],
    remediation:
      "Add the labels to metadata.labels (e.g. with a transform that stamps them on every object).",
    reference: "Kyverno require-labels",
    resourceTypes: K8S_LABELED_TYPES,
  },
  validateK8sLabels,
);

/** Types holding state that must survive a mistaken `pulumi destroy` in prod. */
export const STATEFUL_TYPES: readonly string[] = [
  aws.rds.Instance,
  aws.rds.Cluster,
  aws.s3.Bucket,
  aws.kms.Key,
  aws.efs.FileSystem,
  aws.dynamodb.Table,
  aws.ecr.Repository,
  aws.elasticache.ReplicationGroup,
  aws.ebs.Volume,
  gcp.sql.DatabaseInstance,
  gcp.redis.Instance,
  gcp.storage.Bucket,
  gcp.kms.CryptoKey,
  gcp.kms.KeyRing,
  gcp.compute.Disk,
  gcp.filestore.Instance,
  k8s.core.v1.PersistentVolumeClaim,
  k8s.core.v1.PersistentVolume,
].map(classPulumiType);

/**
 * `retainOnDelete` of a resource. The engine's analyzer protocol does not carry it (only `protect`),
 * so under `pulumi preview` only `protect` counts; the offline runner passes `retainOnDelete` too.
 */
export function retainOnDelete(r: PolicyResource): boolean {
  return (r.opts as { retainOnDelete?: unknown }).retainOnDelete === true;
}

/** Stateful resources are protected in prod. */
export const statefulProtection: StackRule = stackRule(
  {
    name: "gov-stateful-resource-protection",
    area: "governance",
    description:
      "In prod, stateful resources (databases, buckets, keys, volumes, PVCs) set the protect or retainOnDelete resource option.",
    severity: "high",
    enforcement: MANDATORY_IN_PROD,
    remediation:
      "Pass { protect: true } (or { retainOnDelete: true }) in the resource options of prod data stores. Note: `pulumi preview` policies only see protect.",
    reference: "Pulumi resource options (protect, retainOnDelete); CIS/Checkov deletion-protection family",
    resourceTypes: STATEFUL_TYPES,
  },
  (args, report) => {
    if (ruleConfig(args).environment !== "prod") args.notApplicable("applies only in prod");
    for (const r of args.resources) {
      if (!STATEFUL_TYPES.includes(r.type) || r.opts.protect || retainOnDelete(r)) continue;
      report(`Stateful resource '${r.name}' (${r.type}) has neither protect nor retainOnDelete.`, r.urn);
    }
  },
);

const GCP_ZONE = /^([a-z]+-[a-z]+\d+)-[a-z]$/;

/** The region a resource or provider is placed in, if it declares one. */
export function regionOf(r: PolicyResource): string | undefined {
  const props = rec(r.props) ?? {};
  if (r.type === "pulumi:providers:aws" || r.type.startsWith("aws:")) return str(props.region);
  if (r.type === "pulumi:providers:gcp") return str(props.region);
  if (r.type.startsWith("gcp:")) {
    const loc = str(props.region) ?? str(props.location);
    if (loc === undefined) return undefined;
    return GCP_ZONE.exec(loc)?.[1] ?? loc.toLowerCase();
  }
  return undefined;
}

/** Resources only in allowed regions. */
export const allowedRegions: StackRule = stackRule(
  {
    name: "gov-allowed-regions",
    area: "governance",
    description:
      "AWS/GCP providers and resources are placed only in allowedRegions (config; empty allows all).",
    severity: "high",
    configKeys: ["allowedRegions"],
    remediation:
      "Set the provider's region (and resource-level region/location) to an allowed region, or extend allowedRegions.",
    reference: "Data residency controls (GDPR / org SCP region restriction)",
    resourceTypes: ["pulumi:providers:aws", "pulumi:providers:gcp", "aws:*", "gcp:*"],
  },
  (args, report) => {
    const allowed = ruleConfig(args).allowedRegions.map((r) => r.toLowerCase());
    if (allowed.length === 0) args.notApplicable("allowedRegions is empty");
    for (const r of args.resources) {
      const region = regionOf(r);
      if (region !== undefined && !allowed.includes(region.toLowerCase()))
        report(`'${r.name}' is placed in ${region}; allowed: ${allowed.join(", ")}.`, r.urn);
    }
  },
);

/** Governance rules. */
export const governanceRules: (ResourceRule | StackRule)[] = [
  awsRequiredTags,
  gcpRequiredLabels,
  k8sRequiredLabels,
  statefulProtection,
  allowedRegions,
];
