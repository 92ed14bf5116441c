/**
 * The services of `@pulumi/gcp` the rules use, each from its own entry point: the package's root
 * (`import * as gcp from "@pulumi/gcp"`) requires all of its service modules when it is loaded, a large
 * part of a cold plan's CPU (docs/benchmarks.md). Rule modules import this one as `gcp`, so
 * `gcp.<service>.<Class>` reads as before; a service not listed here is a type error: add it below.
 * ESLint keeps the root out of runtime imports. The components have their own list
 * (components/shared/gcp-sdk.ts): the pack is its own package and imports nothing from them.
 */
export * as bigquery from "@pulumi/gcp/bigquery";
export * as bigtable from "@pulumi/gcp/bigtable";
export * as compute from "@pulumi/gcp/compute";
export * as container from "@pulumi/gcp/container";
export * as filestore from "@pulumi/gcp/filestore";
export * as kms from "@pulumi/gcp/kms";
export * as memorystore from "@pulumi/gcp/memorystore";
export * as projects from "@pulumi/gcp/projects";
export * as redis from "@pulumi/gcp/redis";
export * as serviceaccount from "@pulumi/gcp/serviceaccount";
export * as sql from "@pulumi/gcp/sql";
export * as storage from "@pulumi/gcp/storage";
export * as vertex from "@pulumi/gcp/vertex";
export * as workbench from "@pulumi/gcp/workbench";
