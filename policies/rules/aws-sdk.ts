/**
 * The services of `@pulumi/aws` the rules use, each from its own entry point: the package's root
 * (`import * as aws from "@pulumi/aws"`) requires all of its service modules when it is loaded, a large
 * part of a cold plan's CPU (docs/benchmarks.md). Rule modules import this one as `aws`, so
 * `aws.<service>.<Class>` reads as before; a service not listed here is a type error: add it below.
 * ESLint keeps the root out of runtime imports. The components have their own list
 * (components/shared/aws-sdk.ts): the pack is its own package and imports nothing from them.
 */
export * as dynamodb from "@pulumi/aws/dynamodb";
export * as ebs from "@pulumi/aws/ebs";
export * as ec2 from "@pulumi/aws/ec2";
export * as ecr from "@pulumi/aws/ecr";
export * as efs from "@pulumi/aws/efs";
export * as eks from "@pulumi/aws/eks";
export * as elasticache from "@pulumi/aws/elasticache";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as rds from "@pulumi/aws/rds";
export * as redshiftserverless from "@pulumi/aws/redshiftserverless";
export * as s3 from "@pulumi/aws/s3";
export * as sagemaker from "@pulumi/aws/sagemaker";
export * as vpc from "@pulumi/aws/vpc";
