/** AWS EKS, EC2/launch template, security group and ECR rules. */
import * as aws from "../aws-sdk";
import { validateResourceOfType, type ReportViolation } from "@pulumi/policy";
import { ruleConfig } from "../../config";
import { ALWAYS_MANDATORY, resourceRule, type ResourceRule } from "../types";
import { bool, compareVersions, dig, isOpenCidr, num, rec, recs, str, strs } from "../util";

/** The EKS API endpoint is private or limited to known CIDRs. */
export const eksEndpointRestricted: ResourceRule = resourceRule(
  {
    name: "aws-eks-endpoint-restricted",
    area: "aws",
    description:
      "The EKS API server endpoint is private, or public access is limited to specific CIDRs (not 0.0.0.0/0).",
    severity: "high",
    remediation:
      "Set vpcConfig.endpointPublicAccess: false (with endpointPrivateAccess: true), or list office/VPN ranges in vpcConfig.publicAccessCidrs.",
    reference: "CIS Amazon EKS Benchmark 5.4.1/5.4.2; Checkov CKV_AWS_39 / CKV_AWS_38",
  },
  validateResourceOfType(aws.eks.Cluster, (cluster, _args, report) => {
    const vpc = rec(cluster.vpcConfig) ?? {};
    if (bool(vpc.endpointPublicAccess) === false) return;
    const cidrs = strs(vpc.publicAccessCidrs);
    if (cidrs.length === 0) report("The public endpoint is open to 0.0.0.0/0 (publicAccessCidrs not set).");
    else if (cidrs.some(isOpenCidr)) report("publicAccessCidrs includes 0.0.0.0/0.");
  }),
);

/** EKS secrets are envelope-encrypted with KMS. */
export const eksSecretsEncryption: ResourceRule = resourceRule(
  {
    name: "aws-eks-secrets-encryption",
    area: "aws",
    description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key.",
    severity: "high",
    remediation: 'Set encryptionConfig: { resources: ["secrets"], provider: { keyArn: <KMS key ARN> } }.',
    reference: "CIS Amazon EKS Benchmark 5.3.1; Checkov CKV_AWS_58",
  },
  validateResourceOfType(aws.eks.Cluster, (cluster, _args, report) => {
    const enc = rec(cluster.encryptionConfig);
    if (!enc || !strs(enc.resources).includes("secrets") || dig(enc, "provider", "keyArn") === undefined) {
      report("encryptionConfig does not encrypt 'secrets' with a KMS key.");
    }
  }),
);

const LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** All control-plane log types are enabled. */
export const eksControlPlaneLogging: ResourceRule = resourceRule(
  {
    name: "aws-eks-control-plane-logging",
    area: "aws",
    description:
      "EKS clusters enable all control-plane log types (api, audit, authenticator, controllerManager, scheduler).",
    severity: "medium",
    remediation: `Set enabledClusterLogTypes: ${JSON.stringify(LOG_TYPES)}.`,
    reference: "CIS Amazon EKS Benchmark 2.1.1; Checkov CKV_AWS_37",
  },
  validateResourceOfType(aws.eks.Cluster, (cluster, _args, report) => {
    const enabled = strs(cluster.enabledClusterLogTypes);
    const missing = LOG_TYPES.filter((t) => !enabled.includes(t));
    if (missing.length > 0) report(`Control-plane logs not enabled: ${missing.join(", ")}.`);
  }),
);

/** EKS runs a supported Kubernetes version. */
export const eksSupportedVersion: ResourceRule = resourceRule(
  {
    name: "aws-eks-supported-version",
    area: "aws",
    description:
      "EKS clusters pin a Kubernetes version in standard support (>= minEksVersion, default 1.31).",
    severity: "medium",
    configKeys: ["minEksVersion"],
    remediation:
      "Set version to a release in EKS standard support and upgrade regularly (extended support costs 6x).",
    reference: "CIS Amazon EKS Benchmark 3.x (keep clusters patched); Amazon EKS version lifecycle",
  },
  validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
    const min = ruleConfig(args).minEksVersion;
    const version = str(cluster.version);
    if (version === undefined) report(`version is not pinned; pin a version >= ${min}.`);
    else if (compareVersions(version, min) < 0)
      report(`version ${version} is older than the supported minimum ${min}.`);
  }),
);

function checkImds(metadataOptions: unknown, report: ReportViolation): void {
  if (str(dig(metadataOptions, "httpTokens")) !== "required")
    report("metadataOptions.httpTokens is not 'required' (IMDSv2).");
  const hops = num(dig(metadataOptions, "httpPutResponseHopLimit"));
  if (hops !== undefined && hops > 2)
    report(`metadataOptions.httpPutResponseHopLimit is ${hops}; use 1 (or 2 for containers).`);
}

/** Launch templates require IMDSv2. */
export const launchTemplateImdsv2: ResourceRule = resourceRule(
  {
    name: "aws-ec2-launch-template-imdsv2",
    area: "aws",
    description: "EC2 launch templates (EKS nodes) require IMDSv2 tokens and a hop limit of at most 2.",
    severity: "high",
    remediation:
      'Set metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" }.',
    reference: "CIS Amazon EKS Benchmark 3.x / AWS Foundational Security EC2.8; Checkov CKV_AWS_341",
  },
  validateResourceOfType(aws.ec2.LaunchTemplate, (lt, _args, report) =>
    checkImds(lt.metadataOptions, report),
  ),
);

/** Instances require IMDSv2. */
export const instanceImdsv2: ResourceRule = resourceRule(
  {
    name: "aws-ec2-instance-imdsv2",
    area: "aws",
    description: "EC2 instances require IMDSv2 tokens.",
    severity: "high",
    remediation: 'Set metadataOptions: { httpTokens: "required" }.',
    reference: "AWS Foundational Security EC2.8; Checkov CKV_AWS_79",
  },
  validateResourceOfType(aws.ec2.Instance, (inst, args, report) => {
    if (inst.launchTemplate !== undefined && inst.metadataOptions === undefined)
      args.notApplicable("metadata options come from the launch template");
    checkImds(inst.metadataOptions, report);
  }),
);

/** Launch template volumes are encrypted. */
export const launchTemplateEncryptedVolumes: ResourceRule = resourceRule(
  {
    name: "aws-ec2-launch-template-encrypted-volumes",
    area: "aws",
    description: "EBS volumes in EC2 launch templates are encrypted.",
    severity: "high",
    remediation:
      'Set blockDeviceMappings[].ebs.encrypted: "true" (and kmsKeyId), or enable EBS encryption by default in the account.',
    reference: "CIS AWS Foundations 2.2.1; Checkov CKV_AWS_8",
  },
  validateResourceOfType(aws.ec2.LaunchTemplate, (lt, _args, report) => {
    for (const [i, m] of recs(lt.blockDeviceMappings).entries()) {
      const ebs = rec(m.ebs);
      if (ebs && bool(ebs.encrypted) !== true)
        report(`blockDeviceMappings[${i}] (${str(m.deviceName) ?? "?"}) is not encrypted.`);
    }
  }),
);

/** Instance volumes are encrypted. */
export const instanceEncryptedVolumes: ResourceRule = resourceRule(
  {
    name: "aws-ec2-instance-encrypted-volumes",
    area: "aws",
    description: "EC2 instance root and EBS block devices are encrypted.",
    severity: "high",
    remediation: "Set rootBlockDevice.encrypted: true and ebsBlockDevices[].encrypted: true.",
    reference: "CIS AWS Foundations 2.2.1; Checkov CKV_AWS_8",
  },
  validateResourceOfType(aws.ec2.Instance, (inst, args, report) => {
    if (
      inst.launchTemplate !== undefined &&
      inst.rootBlockDevice === undefined &&
      inst.ebsBlockDevices === undefined
    ) {
      args.notApplicable("volumes come from the launch template");
    }
    if (bool(dig(inst.rootBlockDevice, "encrypted")) !== true)
      report("rootBlockDevice.encrypted is not true.");
    for (const [i, d] of recs(inst.ebsBlockDevices).entries())
      if (bool(d.encrypted) !== true) report(`ebsBlockDevices[${i}] is not encrypted.`);
  }),
);

/** Standalone EBS volumes are encrypted. */
export const ebsVolumeEncrypted: ResourceRule = resourceRule(
  {
    name: "aws-ebs-volume-encrypted",
    area: "aws",
    description: "Standalone EBS volumes (datasets, checkpoints) are encrypted.",
    severity: "high",
    remediation: "Set encrypted: true (and kmsKeyId) on aws.ebs.Volume.",
    reference: "CIS AWS Foundations 2.2.1; Checkov CKV_AWS_3",
  },
  validateResourceOfType(aws.ebs.Volume, (vol, _args, report) => {
    if (vol.encrypted !== true) report("encrypted is not true.");
  }),
);

/** Node launch templates do not assign public IPs. */
export const launchTemplateNoPublicIp: ResourceRule = resourceRule(
  {
    name: "aws-ec2-launch-template-no-public-ip",
    area: "aws",
    description: "EC2 launch templates (cluster nodes) do not associate public IP addresses.",
    severity: "high",
    remediation:
      'Set networkInterfaces[].associatePublicIpAddress: "false" and run nodes in private subnets behind NAT.',
    reference: "CIS Amazon EKS Benchmark 5.4.3 (private nodes); Checkov CKV_AWS_88",
  },
  validateResourceOfType(aws.ec2.LaunchTemplate, (lt, _args, report) => {
    for (const [i, ni] of recs(lt.networkInterfaces).entries()) {
      if (bool(ni.associatePublicIpAddress) === true)
        report(`networkInterfaces[${i}].associatePublicIpAddress is true.`);
    }
  }),
);

/** Instances do not get public IPs. */
export const instanceNoPublicIp: ResourceRule = resourceRule(
  {
    name: "aws-ec2-instance-no-public-ip",
    area: "aws",
    description: "EC2 instances (training or bastion-less nodes) do not associate public IP addresses.",
    severity: "high",
    remediation:
      "Set associatePublicIpAddress: false and use private subnets with SSM Session Manager for access.",
    reference: "Checkov CKV_AWS_88",
  },
  validateResourceOfType(aws.ec2.Instance, (inst, _args, report) => {
    if (inst.associatePublicIpAddress === true) report("associatePublicIpAddress is true.");
  }),
);

/** Admin ports that must never be open to the internet. */
export const ADMIN_PORTS: readonly number[] = [22, 3389, 2379, 2380, 6443, 10250, 5432, 3306, 6379, 9200];

function openAdminPorts(fromPort: unknown, toPort: unknown, protocol: unknown): number[] {
  const proto = typeof protocol === "number" ? String(protocol) : (str(protocol) ?? "");
  if (proto !== "-1" && proto !== "all" && proto.toLowerCase() !== "tcp" && proto !== "6") return [];
  if (proto === "-1" || proto === "all") return [...ADMIN_PORTS];
  const from = num(fromPort) ?? 0;
  const to = num(toPort) ?? 65535;
  return ADMIN_PORTS.filter((p) => p >= from && p <= to);
}

const ADMIN_PORTS_SPEC = {
  area: "aws" as const,
  severity: "critical" as const,
  enforcement: ALWAYS_MANDATORY,
  remediation:
    "Restrict the source to VPN/office CIDRs or security groups; use SSM Session Manager instead of SSH/RDP.",
  reference: "CIS AWS Foundations 5.2/5.3; Checkov CKV_AWS_24 / CKV_AWS_25",
};

/** Inline security group ingress is not open to the world on admin ports. */
export const sgNoPublicAdminPorts: ResourceRule = resourceRule(
  {
    ...ADMIN_PORTS_SPEC,
    name: "aws-ec2-sg-no-public-admin-ports",
    description: `Security group ingress does not allow 0.0.0.0/0 or ::/0 to admin ports (${ADMIN_PORTS.join(", ")}).`,
  },
  validateResourceOfType(aws.ec2.SecurityGroup, (sg, _args, report) => {
    for (const [i, rule] of recs(sg.ingress).entries()) {
      const open = [...strs(rule.cidrBlocks), ...strs(rule.ipv6CidrBlocks)].filter(isOpenCidr);
      const ports = openAdminPorts(rule.fromPort, rule.toPort, rule.protocol);
      if (open.length > 0 && ports.length > 0)
        report(`ingress[${i}] opens ports ${ports.join(", ")} to ${open.join(", ")}.`);
    }
  }),
);

/** Security group rules are not open to the world on admin ports. */
export const sgRuleNoPublicAdminPorts: ResourceRule = resourceRule(
  {
    ...ADMIN_PORTS_SPEC,
    name: "aws-ec2-sg-rule-no-public-admin-ports",
    description: "aws.ec2.SecurityGroupRule ingress rules do not allow 0.0.0.0/0 or ::/0 to admin ports.",
  },
  validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, _args, report) => {
    if (rule.type !== "ingress") return;
    const open = [...strs(rule.cidrBlocks), ...strs(rule.ipv6CidrBlocks)].filter(isOpenCidr);
    const ports = openAdminPorts(rule.fromPort, rule.toPort, rule.protocol);
    if (open.length > 0 && ports.length > 0) report(`Opens ports ${ports.join(", ")} to ${open.join(", ")}.`);
  }),
);

/** VPC ingress rules are not open to the world on admin ports. */
export const vpcIngressNoPublicAdminPorts: ResourceRule = resourceRule(
  {
    ...ADMIN_PORTS_SPEC,
    name: "aws-vpc-ingress-no-public-admin-ports",
    description: "aws.vpc.SecurityGroupIngressRule rules do not allow 0.0.0.0/0 or ::/0 to admin ports.",
  },
  validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, _args, report) => {
    const open = [str(rule.cidrIpv4), str(rule.cidrIpv6)].filter(
      (c): c is string => c !== undefined && isOpenCidr(c),
    );
    const ports = openAdminPorts(rule.fromPort, rule.toPort, rule.ipProtocol);
    if (open.length > 0 && ports.length > 0) report(`Opens ports ${ports.join(", ")} to ${open.join(", ")}.`);
  }),
);

/** ECR tags are immutable. */
export const ecrImmutableTags: ResourceRule = resourceRule(
  {
    name: "aws-ecr-immutable-tags",
    area: "aws",
    description: "ECR repositories use immutable image tags.",
    severity: "medium",
    remediation: 'Set imageTagMutability: "IMMUTABLE" (or IMMUTABLE_WITH_EXCLUSION for cache tags).',
    reference: "Checkov CKV_AWS_51",
  },
  validateResourceOfType(aws.ecr.Repository, (repo, _args, report) => {
    const m = str(repo.imageTagMutability) ?? "MUTABLE";
    if (!m.startsWith("IMMUTABLE")) report(`imageTagMutability is ${m}.`);
  }),
);

/** ECR scans images on push. */
export const ecrScanOnPush: ResourceRule = resourceRule(
  {
    name: "aws-ecr-scan-on-push",
    area: "aws",
    description: "ECR repositories scan images on push.",
    severity: "medium",
    remediation:
      "Set imageScanningConfiguration: { scanOnPush: true } (or enable registry-level enhanced scanning).",
    reference: "Checkov CKV_AWS_163",
  },
  validateResourceOfType(aws.ecr.Repository, (repo, _args, report) => {
    if (bool(dig(repo.imageScanningConfiguration, "scanOnPush")) !== true)
      report("imageScanningConfiguration.scanOnPush is not true.");
  }),
);

/** ECR encrypts with KMS. */
export const ecrKms: ResourceRule = resourceRule(
  {
    name: "aws-ecr-kms-encryption",
    area: "aws",
    description: "ECR repositories encrypt images with KMS.",
    severity: "low",
    remediation: 'Set encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: <key ARN> }].',
    reference: "Checkov CKV_AWS_136",
  },
  validateResourceOfType(aws.ecr.Repository, (repo, _args, report) => {
    const types = recs(repo.encryptionConfigurations).map((c) => str(c.encryptionType));
    if (!types.some((t) => t === "KMS" || t === "KMS_DSSE"))
      report("encryptionConfigurations does not use KMS.");
  }),
);

/** EKS, EC2, security group and ECR rules. */
export const computeRules: ResourceRule[] = [
  eksEndpointRestricted,
  eksSecretsEncryption,
  eksControlPlaneLogging,
  eksSupportedVersion,
  launchTemplateImdsv2,
  instanceImdsv2,
  launchTemplateEncryptedVolumes,
  instanceEncryptedVolumes,
  ebsVolumeEncrypted,
  launchTemplateNoPublicIp,
  instanceNoPublicIp,
  sgNoPublicAdminPorts,
  sgRuleNoPublicAdminPorts,
  vpcIngressNoPublicAdminPorts,
  ecrImmutableTags,
  ecrScanOnPush,
  ecrKms,
];
