/**
 * The parts of `@pulumi/aws` the components use, each from its own entry point. The package's root
 * (`import * as aws from "@pulumi/aws"`) requires all of its ~240 service modules when it is loaded
 * (a good part of a cold plan's CPU: docs/benchmarks.md); a service's own entry point
 * (`@pulumi/aws/s3`) loads that service and registers its resource types as the root does.
 * Components import this module as `aws` (`import * as aws from "../shared/aws-sdk"`), so
 * `aws.s3.Bucket` reads as before; a service not listed here is a type error: add it below.
 * ESLint keeps the root out of runtime imports (`import type` from it stays free).
 */
export * as amp from "@pulumi/aws/amp";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as dynamodb from "@pulumi/aws/dynamodb";
export * as ec2 from "@pulumi/aws/ec2";
export * as eks from "@pulumi/aws/eks";
export * as elasticache from "@pulumi/aws/elasticache";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as rds from "@pulumi/aws/rds";
export * as redshiftserverless from "@pulumi/aws/redshiftserverless";
export * as s3 from "@pulumi/aws/s3";
export * as sqs from "@pulumi/aws/sqs";
export * as vpc from "@pulumi/aws/vpc";
export { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
export { getPartitionOutput } from "@pulumi/aws/getPartition";
export { getRegionOutput } from "@pulumi/aws/getRegion";
export type * as types from "@pulumi/aws/types";
