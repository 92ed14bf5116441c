/** AWS SageMaker rules: encryption, network isolation, no direct internet. */
import * as aws from "../aws-sdk";
import { validateResourceOfType } from "@pulumi/policy";
import { resourceRule, type ResourceRule } from "../types";
import { present, str } from "../util";

/** Notebook instances have no direct internet access and no root. */
export const sagemakerNotebookNoInternet: ResourceRule = resourceRule(
  {
    name: "aws-sagemaker-notebook-no-direct-internet",
    area: "aws",
    description:
      "SageMaker notebook instances run in a VPC subnet without direct internet access and without root access.",
    severity: "high",
    remediation:
      'Set directInternetAccess: "Disabled", subnetId and securityGroups, and rootAccess: "Disabled".',
    reference: "Checkov CKV_AWS_122 (direct internet), CKV_AWS_307 (root access)",
  },
  validateResourceOfType(aws.sagemaker.NotebookInstance, (nb, _args, report) => {
    if (str(nb.directInternetAccess) !== "Disabled") report("directInternetAccess is not 'Disabled'.");
    if (!present(nb.subnetId)) report("subnetId is not set (notebook is not in a VPC).");
    if (str(nb.rootAccess) !== "Disabled") report("rootAccess is not 'Disabled'.");
  }),
);

/** Notebook volumes use a customer KMS key. */
export const sagemakerNotebookKms: ResourceRule = resourceRule(
  {
    name: "aws-sagemaker-notebook-kms",
    area: "aws",
    description: "SageMaker notebook instance volumes are encrypted with a customer-managed KMS key.",
    severity: "medium",
    remediation: "Set kmsKeyId on aws.sagemaker.NotebookInstance.",
    reference: "Checkov CKV_AWS_22",
  },
  validateResourceOfType(aws.sagemaker.NotebookInstance, (nb, _args, report) => {
    if (!present(nb.kmsKeyId)) report("kmsKeyId is not set.");
  }),
);

/** Studio domains are VPC-only and KMS-encrypted. */
export const sagemakerDomainVpcOnly: ResourceRule = resourceRule(
  {
    name: "aws-sagemaker-domain-vpc-only",
    area: "aws",
    description: "SageMaker Studio domains use VpcOnly network access and a customer-managed KMS key.",
    severity: "high",
    remediation: 'Set appNetworkAccessType: "VpcOnly" and kmsKeyId on aws.sagemaker.Domain.',
    reference: "Checkov CKV_AWS_187 (domain KMS); AWS SageMaker security best practices",
  },
  validateResourceOfType(aws.sagemaker.Domain, (d, _args, report) => {
    if (str(d.appNetworkAccessType) !== "VpcOnly") report("appNetworkAccessType is not 'VpcOnly'.");
    if (!present(d.kmsKeyId)) report("kmsKeyId is not set.");
  }),
);

/** Endpoint storage is KMS-encrypted. */
export const sagemakerEndpointKms: ResourceRule = resourceRule(
  {
    name: "aws-sagemaker-endpoint-config-kms",
    area: "aws",
    description: "SageMaker endpoint configurations encrypt attached storage with a KMS key.",
    severity: "medium",
    remediation: "Set kmsKeyArn on aws.sagemaker.EndpointConfiguration.",
    reference: "Checkov CKV_AWS_98",
  },
  validateResourceOfType(aws.sagemaker.EndpointConfiguration, (ec, _args, report) => {
    if (!present(ec.kmsKeyArn)) report("kmsKeyArn is not set.");
  }),
);

/** Models run network-isolated in a VPC. */
export const sagemakerModelIsolation: ResourceRule = resourceRule(
  {
    name: "aws-sagemaker-model-network-isolation",
    area: "aws",
    description:
      "SageMaker models enable network isolation or run inside a VPC (no direct internet from inference containers).",
    severity: "medium",
    remediation: "Set enableNetworkIsolation: true, or vpcConfig with private subnets and security groups.",
    reference: "Checkov CKV_AWS_370 equivalent; AWS SageMaker network isolation",
  },
  validateResourceOfType(aws.sagemaker.Model, (m, _args, report) => {
    if (m.enableNetworkIsolation !== true && m.vpcConfig === undefined)
      report("Neither enableNetworkIsolation nor vpcConfig is set.");
  }),
);

/** SageMaker rules. */
export const sagemakerRules: ResourceRule[] = [
  sagemakerNotebookNoInternet,
  sagemakerNotebookKms,
  sagemakerDomainVpcOnly,
  sagemakerEndpointKms,
  sagemakerModelIsolation,
];
