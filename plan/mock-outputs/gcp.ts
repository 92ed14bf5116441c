import type { ComputedOutputs, MockContext } from "./types";

/**
 * The documented mock Google Cloud project number. Service agent e-mails are derived from it
 * (`service-<number>@gs-project-accounts.iam.gserviceaccount.com`, ...). The project ID itself is
 * the stack config `gcp:project` or the engine's fallback (`MockContext.gcpProject`).
 */
export const MOCK_GCP_PROJECT_NUMBER = "123456789012";

/**
 * The documented private IP of every mock Cloud SQL instance: the first address Cloud SQL hands out
 * in the default private services access range 10.100.0.0/16.
 */
export const MOCK_CLOUDSQL_PRIVATE_IP = "10.100.0.3";

/** The project a resource was created in: its `project` input when set, else the stack's. */
function projectOf(ctx: MockContext): string {
  const project = ctx.inputs["project"];
  return typeof project === "string" && project !== "" ? project : ctx.gcpProject;
}

/** The resource's `name` input, else its logical name (real auto-naming adds a random suffix; the mock does not). */
function nameOf(ctx: MockContext): string {
  const name = ctx.inputs["name"];
  return typeof name === "string" && name !== "" ? name : ctx.name;
}

/** A string input, else the fallback. */
function str(ctx: MockContext, key: string, fallback: string): string {
  const value = ctx.inputs[key];
  return typeof value === "string" && value !== "" ? value : fallback;
}

/**
 * E-mail of a Google-managed service agent for `service` (e.g. "sqladmin.googleapis.com"), as
 * https://cloud.google.com/iam/docs/service-agents lists them; unknown services get the generic
 * `service-<number>@gcp-sa-<service prefix>.iam.gserviceaccount.com` form.
 */
export function mockServiceAgentEmail(service: string): string {
  const known: Record<string, string> = {
    "sqladmin.googleapis.com": "gcp-sa-cloud-sql",
    "storage.googleapis.com": "gs-project-accounts",
    "servicenetworking.googleapis.com": "service-networking",
  };
  const domain = known[service] ?? `gcp-sa-${service.split(".")[0] ?? service}`;
  return `service-${MOCK_GCP_PROJECT_NUMBER}@${domain}.iam.gserviceaccount.com`;
}

/** Type-specific computed outputs for Google Cloud resources. An `id` entry replaces the mock id. */
export const gcpOutputs: Record<string, ComputedOutputs> = {
  /** id `projects/<project>/locations/<location>/keyRings/<name>` (the provider's import ID format). */
  "gcp:kms/keyRing:KeyRing": (ctx) => {
    const name = nameOf(ctx);
    return {
      name,
      id: `projects/${projectOf(ctx)}/locations/${str(ctx, "location", ctx.gcpRegion)}/keyRings/${name}`,
    };
  },
  /** id `<keyRing>/cryptoKeys/<name>` = `projects/<p>/locations/<r>/keyRings/<kr>/cryptoKeys/<name>`. */
  "gcp:kms/cryptoKey:CryptoKey": (ctx) => {
    const name = nameOf(ctx);
    const keyRing = str(
      ctx,
      "keyRing",
      `projects/${ctx.gcpProject}/locations/${ctx.gcpRegion}/keyRings/${ctx.name}-keyring`,
    );
    return { name, id: `${keyRing}/cryptoKeys/${name}`, effectiveLabels: ctx.inputs["labels"] ?? {} };
  },
  /** name (auto-name = logical name), url `gs://<name>`, selfLink. */
  "gcp:storage/bucket:Bucket": (ctx) => {
    const name = nameOf(ctx);
    return {
      name,
      url: `gs://${name}`,
      selfLink: `https://www.googleapis.com/storage/v1/b/${name}`,
      project: projectOf(ctx),
      effectiveLabels: ctx.inputs["labels"] ?? {},
    };
  },
  /** name, connectionName `<project>:<region>:<name>`, privateIpAddress `MOCK_CLOUDSQL_PRIVATE_IP`, no public IP. */
  "gcp:sql/databaseInstance:DatabaseInstance": (ctx) => {
    const name = nameOf(ctx);
    const project = projectOf(ctx);
    const region = str(ctx, "region", ctx.gcpRegion);
    return {
      name,
      project,
      region,
      connectionName: `${project}:${region}:${name}`,
      privateIpAddress: MOCK_CLOUDSQL_PRIVATE_IP,
      publicIpAddress: "",
      firstIpAddress: MOCK_CLOUDSQL_PRIVATE_IP,
      ipAddresses: [{ ipAddress: MOCK_CLOUDSQL_PRIVATE_IP, type: "PRIVATE", timeToRetire: "" }],
      selfLink: `https://sqladmin.googleapis.com/sql/v1beta4/projects/${project}/instances/${name}`,
      serviceAccountEmailAddress: `p${MOCK_GCP_PROJECT_NUMBER}-mock@gcp-sa-cloud-sql.iam.gserviceaccount.com`,
    };
  },
  /** name = the `name` input. */
  "gcp:sql/database:Database": (ctx) => ({ name: nameOf(ctx) }),
  /** name = the `name` input. */
  "gcp:sql/user:User": (ctx) => ({ name: nameOf(ctx) }),
  /** email `<accountId>@<project>.iam.gserviceaccount.com`, name `projects/<project>/serviceAccounts/<email>`, member. */
  "gcp:serviceaccount/account:Account": (ctx) => {
    const project = projectOf(ctx);
    const accountId = str(ctx, "accountId", ctx.name);
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    return {
      email,
      name: `projects/${project}/serviceAccounts/${email}`,
      member: `serviceAccount:${email}`,
      uniqueId: "100000000000000000001",
    };
  },
  /** email of the service agent (`mockServiceAgentEmail(service)`) and member `serviceAccount:<email>`. */
  "gcp:projects/serviceIdentity:ServiceIdentity": (ctx) => {
    const email = mockServiceAgentEmail(str(ctx, "service", "unknown.googleapis.com"));
    return { email, member: `serviceAccount:${email}` };
  },
  /** name (logical name when not given), selfLink. */
  "gcp:compute/globalAddress:GlobalAddress": (ctx) => {
    const name = nameOf(ctx);
    return {
      name,
      selfLink: `https://www.googleapis.com/compute/v1/projects/${projectOf(ctx)}/global/addresses/${name}`,
    };
  },
  /** peering: the VPC peering Service Networking creates. */
  "gcp:servicenetworking/connection:Connection": () => ({ peering: "servicenetworking-googleapis-com" }),
};

/** Context for a mock invoke: the stack's project and region (or the engine's documented fallbacks). */
export interface GcpInvokeContext {
  gcpProject: string;
  gcpRegion: string;
}

/** Deterministic answers to Google Cloud invokes (data sources), by invoke token. */
export const gcpInvokes: Record<
  string,
  (inputs: Record<string, unknown>, ctx: GcpInvokeContext) => Record<string, unknown>
> = {
  /**
   * The Cloud Storage service agent: `service-123456789012@gs-project-accounts.iam.gserviceaccount.com`,
   * member `serviceAccount:<that>`, for the `project` input or the stack's project.
   */
  "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": (inputs, ctx) => {
    const project = typeof inputs["project"] === "string" ? inputs["project"] : ctx.gcpProject;
    const emailAddress = mockServiceAgentEmail("storage.googleapis.com");
    return { id: emailAddress, emailAddress, member: `serviceAccount:${emailAddress}`, project };
  },
  /**
   * The project: projectId = `projectId` input or the stack's project, number `123456789012`,
   * name = projectId, id `projects/<projectId>`, no org/folder, empty labels.
   */
  "gcp:organizations/getProject:getProject": (inputs, ctx) => {
    const projectId = typeof inputs["projectId"] === "string" ? inputs["projectId"] : ctx.gcpProject;
    return {
      id: `projects/${projectId}`,
      projectId,
      number: MOCK_GCP_PROJECT_NUMBER,
      name: projectId,
      labels: {},
      effectiveLabels: {},
      autoCreateNetwork: true,
    };
  },
  /**
   * The provider's client config: project and region of the stack, zone `<region>-a`, access
   * token "mock-access-token" (never a real credential).
   */
  "gcp:organizations/getClientConfig:getClientConfig": (_inputs, ctx) => ({
    id: `projects/${ctx.gcpProject}/regions/${ctx.gcpRegion}/zones/${ctx.gcpRegion}-a`,
    project: ctx.gcpProject,
    region: ctx.gcpRegion,
    zone: `${ctx.gcpRegion}-a`,
    accessToken: "mock-access-token",
  }),
};
