import { createHash } from "node:crypto";
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

/** The private IP of every mocked Memorystore for Redis instance (in the default private services access range). */
export const MOCK_REDIS_HOST = "10.100.0.4";

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

/** An object input, else `{}`. */
function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** The address `offset` after the network address of an IPv4 CIDR ("10.0.0.0/20", 1 → "10.0.0.1"). */
function firstHostPlus(cidr: string, offset: number): string {
  const octets = cidr.split("/")[0]!.split(".").map(Number);
  const value = octets.reduce((acc, o) => acc * 256 + o, 0) + offset;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** The public endpoint of every mock GKE cluster with a public endpoint (TEST-NET-3, RFC 5737). */
export const MOCK_GKE_PUBLIC_ENDPOINT = "203.0.113.10";

/** The base64 cluster CA of every mock GKE cluster (not a real certificate). */
export const MOCK_GKE_CA_CERTIFICATE = Buffer.from(
  "-----BEGIN CERTIFICATE-----\nbW9jay1na2UtY2x1c3Rlci1jYQ==\n-----END CERTIFICATE-----\n",
).toString("base64");

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
    "redis.googleapis.com": "cloud-redis",
    "bigtableadmin.googleapis.com": "gcp-sa-bigtable",
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
  /**
   * Memorystore for Redis: host `MOCK_REDIS_HOST`, port 6378 with in-transit encryption (else
   * 6379), a UUID-shaped `authString` when AUTH is on, one mock server CA certificate with TLS.
   */
  "gcp:redis/instance:Instance": (ctx) => {
    const tls = ctx.inputs["transitEncryptionMode"] === "SERVER_AUTHENTICATION";
    const h = createHash("sha256").update(`redis:${ctx.name}`).digest("hex");
    return {
      name: nameOf(ctx),
      host: MOCK_REDIS_HOST,
      port: tls ? 6378 : 6379,
      authString:
        ctx.inputs["authEnabled"] === true
          ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
          : "",
      serverCaCerts: tls
        ? [
            {
              cert: `-----BEGIN CERTIFICATE-----\nMOCK${h.slice(0, 32)}\n-----END CERTIFICATE-----\n`,
              createTime: "2026-01-01T00:00:00Z",
              expireTime: "2036-01-01T00:00:00Z",
              serialNumber: "0",
              sha1Fingerprint: h.slice(0, 40),
            },
          ]
        : [],
    };
  },
  /** name = the `name` input. */
  "gcp:sql/database:Database": (ctx) => ({ name: nameOf(ctx) }),
  /** id `projects/<project>/datasets/<datasetId>` (the provider's import ID format). */
  "gcp:bigquery/dataset:Dataset": (ctx) => {
    const datasetId = str(ctx, "datasetId", ctx.name);
    const project = projectOf(ctx);
    return {
      id: `projects/${project}/datasets/${datasetId}`,
      datasetId,
      project,
      selfLink: `https://bigquery.googleapis.com/bigquery/v2/projects/${project}/datasets/${datasetId}`,
    };
  },
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
  /** name (logical name when not given), id `projects/<project>/global/networks/<name>` (the provider's ID format), selfLink. */
  "gcp:compute/network:Network": (ctx) => {
    const name = nameOf(ctx);
    const id = `projects/${projectOf(ctx)}/global/networks/${name}`;
    return { name, id, selfLink: `https://www.googleapis.com/compute/v1/${id}` };
  },
  /**
   * name, id `projects/<project>/regions/<region>/subnetworks/<name>`, selfLink, and gatewayAddress
   * (the first host of `ipCidrRange`, as Compute Engine assigns it).
   */
  "gcp:compute/subnetwork:Subnetwork": (ctx) => {
    const name = nameOf(ctx);
    const id = `projects/${projectOf(ctx)}/regions/${str(ctx, "region", ctx.gcpRegion)}/subnetworks/${name}`;
    return {
      name,
      id,
      selfLink: `https://www.googleapis.com/compute/v1/${id}`,
      gatewayAddress: firstHostPlus(str(ctx, "ipCidrRange", "10.0.0.0/20"), 1),
    };
  },
  /** name, id `projects/<project>/regions/<region>/routers/<name>`, selfLink. */
  "gcp:compute/router:Router": (ctx) => {
    const name = nameOf(ctx);
    const id = `projects/${projectOf(ctx)}/regions/${str(ctx, "region", ctx.gcpRegion)}/routers/${name}`;
    return { name, id, selfLink: `https://www.googleapis.com/compute/v1/${id}` };
  },
  /** name, id `<project>/<region>/<router>/<name>`. */
  "gcp:compute/routerNat:RouterNat": (ctx) => {
    const name = nameOf(ctx);
    return {
      name,
      id: `${projectOf(ctx)}/${str(ctx, "region", ctx.gcpRegion)}/${str(ctx, "router", "router")}/${name}`,
    };
  },
  /**
   * A GKE cluster: name, id `projects/<project>/locations/<location>/clusters/<name>`, selfLink;
   * `endpoint` is the private endpoint (`masterIpv4CidrBlock` base + 2, where GKE puts it) when
   * `privateClusterConfig.enablePrivateEndpoint` is true, else the documentation address
   * `MOCK_GKE_PUBLIC_ENDPOINT`; `masterAuth.clusterCaCertificate` is `MOCK_GKE_CA_CERTIFICATE`; the
   * DNS endpoint is `gke-<12 hex>-<project>.<location>.gke.goog`.
   */
  "gcp:container/cluster:Cluster": (ctx) => {
    const name = nameOf(ctx);
    const project = projectOf(ctx);
    const location = str(ctx, "location", ctx.gcpRegion);
    const id = `projects/${project}/locations/${location}/clusters/${name}`;
    const pcc = record(ctx.inputs["privateClusterConfig"]);
    const privateEndpoint = firstHostPlus(
      typeof pcc["masterIpv4CidrBlock"] === "string" ? pcc["masterIpv4CidrBlock"] : "172.16.0.0/28",
      2,
    );
    const endpoint = pcc["enablePrivateEndpoint"] === true ? privateEndpoint : MOCK_GKE_PUBLIC_ENDPOINT;
    const cpec = record(ctx.inputs["controlPlaneEndpointsConfig"]);
    const dns = record(cpec["dnsEndpointConfig"]);
    const dnsHash = createHash("sha256").update(id).digest("hex").slice(0, 12);
    return {
      name,
      id,
      location,
      selfLink: `https://container.googleapis.com/v1/${id}`,
      endpoint,
      masterAuth: {
        ...record(ctx.inputs["masterAuth"]),
        clusterCaCertificate: MOCK_GKE_CA_CERTIFICATE,
      },
      privateClusterConfig: {
        ...pcc,
        privateEndpoint,
        publicEndpoint: pcc["enablePrivateEndpoint"] === true ? "" : MOCK_GKE_PUBLIC_ENDPOINT,
        peeringName: `gke-n${dnsHash}-peer`,
      },
      controlPlaneEndpointsConfig: {
        ...cpec,
        dnsEndpointConfig: { ...dns, endpoint: `gke-${dnsHash}-${project}.${location}.gke.goog` },
      },
      effectiveLabels: ctx.inputs["resourceLabels"] ?? {},
    };
  },
  /** name, id `projects/<project>/locations/<location>/clusters/<cluster>/nodePools/<name>`, no instance groups yet. */
  "gcp:container/nodePool:NodePool": (ctx) => {
    const name = nameOf(ctx);
    const location = str(ctx, "location", ctx.gcpRegion);
    return {
      name,
      id: `projects/${projectOf(ctx)}/locations/${location}/clusters/${str(ctx, "cluster", "cluster")}/nodePools/${name}`,
      instanceGroupUrls: [],
      managedInstanceGroupUrls: [],
    };
  },
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
   * The BigQuery encryption service agent: `bq-123456789012@bigquery-encryption.iam.gserviceaccount.com`,
   * member `serviceAccount:<that>`, for the `project` input or the stack's project.
   */
  "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount": (inputs, ctx) => {
    const project = typeof inputs["project"] === "string" ? inputs["project"] : ctx.gcpProject;
    const email = `bq-${MOCK_GCP_PROJECT_NUMBER}@bigquery-encryption.iam.gserviceaccount.com`;
    return { id: email, email, member: `serviceAccount:${email}`, project };
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
   * The zones of a region: `<region>-a`, `-b` and `-c` (the `region` input or the stack's region),
   * all UP.
   */
  "gcp:compute/getZones:getZones": (inputs, ctx) => {
    const region = typeof inputs["region"] === "string" ? inputs["region"] : ctx.gcpRegion;
    const project = typeof inputs["project"] === "string" ? inputs["project"] : ctx.gcpProject;
    return {
      id: `projects/${project}/regions/${region}`,
      project,
      region,
      names: ["a", "b", "c"].map((z) => `${region}-${z}`),
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
