/**
 * The parts of `@pulumi/gcp` the components use, each from its own entry point. The package's root
 * (`import * as gcp from "@pulumi/gcp"`) requires all of its ~150 service modules when it is loaded
 * (a good part of a cold plan's CPU: docs/benchmarks.md); a service's own entry point
 * (`@pulumi/gcp/storage`) loads that service and registers its resource types as the root does.
 * Components import this module as `gcp` (`import * as gcp from "../shared/gcp-sdk"`), so
 * `gcp.storage.Bucket` reads as before; a service not listed here is a type error: add it below.
 * ESLint keeps the root out of runtime imports (`import type` from it stays free).
 */
export * as bigquery from "@pulumi/gcp/bigquery";
export * as bigtable from "@pulumi/gcp/bigtable";
export * as compute from "@pulumi/gcp/compute";
export * as container from "@pulumi/gcp/container";
export * as kms from "@pulumi/gcp/kms";
export * as memorystore from "@pulumi/gcp/memorystore";
export * as organizations from "@pulumi/gcp/organizations";
export * as projects from "@pulumi/gcp/projects";
export * as redis from "@pulumi/gcp/redis";
export * as serviceaccount from "@pulumi/gcp/serviceaccount";
export * as servicenetworking from "@pulumi/gcp/servicenetworking";
export * as sql from "@pulumi/gcp/sql";
export * as storage from "@pulumi/gcp/storage";
export type * as types from "@pulumi/gcp/types";
