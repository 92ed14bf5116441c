/**
 * What the package schema says beyond what Pulumi's component analyzer derives: where the
 * package's sources are (`repository`, from package.json) and the Go import path of the SDK that
 * `pulumi package add` generates (`language.go`). Without them the generated Go SDK and the Go
 * programs Pulumi writes would import a path of no real module (Pulumi's fallback is
 * `example.com/pulumi-<name>` or `github.com/pulumi/pulumi-<name>`).
 *
 * `extendSchema` wraps `ComponentProvider.getSchema`, so the schema the provider serves (provider.ts)
 * and the one `npm run schema` writes (bin/schema.ts) are the same; it throws if the method is gone.
 */
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";

/** The package.json fields the schema's additions come from. */
export interface PackageManifest {
  name?: string;
  version?: string;
  repository?: string | { type?: string; url?: string };
}

/**
 * The repository's web address (`https://<host>/<owner>/<repo>`) from package.json's `repository`
 * (`git+https://….git`, `https://…`, or npm's `github:owner/repo` / `owner/repo` shorthands);
 * undefined without one.
 */
export function repositoryUrl(manifest: PackageManifest): string | undefined {
  const raw = typeof manifest.repository === "string" ? manifest.repository : manifest.repository?.url;
  if (!raw) return undefined;
  const shorthand = /^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(raw);
  if (shorthand) return `https://github.com/${shorthand[1]}/${shorthand[2]!.replace(/\.git$/, "")}`;
  const url = new URL(raw.replace(/^git\+/, "").replace(/^git:\/\//, "https://"));
  return `https://${url.host}${url.pathname.replace(/\.git$/, "").replace(/\/$/, "")}`;
}

/**
 * The Go import path (and module path) of the generated SDK: `<host>/<owner>/<repo>/sdk/go/<package>`,
 * with Go's `/v<major>` suffix from version 2 on (https://go.dev/ref/mod#major-version-suffixes).
 * The SDK's root package is the module's root, which is what `pulumi package add` links with
 * `go mod edit -replace <module>=./sdks/<package>/<package>`.
 */
export function goImportBasePath(manifest: PackageManifest, packageName: string): string | undefined {
  const repository = repositoryUrl(manifest);
  if (repository === undefined) return undefined;
  const major = Number((manifest.version ?? "0").split(".")[0]);
  return `${repository.replace(/^https:\/\//, "")}/sdk/go/${packageName}${major > 1 ? `/v${major}` : ""}`;
}

interface SchemaDocument {
  name: string;
  repository?: string;
  language?: Record<string, Record<string, unknown>>;
}

/** `schema` with the additions from `manifest` (see the module comment). */
export function extendedSchema(schema: SchemaDocument, manifest: PackageManifest): SchemaDocument {
  const repository = repositoryUrl(manifest);
  const go = goImportBasePath(manifest, schema.name);
  if (repository === undefined || go === undefined) return schema;
  return {
    ...schema,
    repository,
    language: {
      ...schema.language,
      go: { ...schema.language?.["go"], importBasePath: go, modulePath: go },
    },
  };
}

interface ProviderInternals {
  packageJSON: PackageManifest;
  getSchema: (this: ProviderInternals) => Promise<string>;
}

let extended = false;

/** Wraps `ComponentProvider.getSchema` to serve `extendedSchema` (once per process). */
export function extendSchema(): void {
  if (extended) return;
  const proto = ComponentProvider.prototype as unknown as ProviderInternals;
  const { getSchema } = proto;
  if (typeof getSchema !== "function") {
    throw new Error("@pulumi/pulumi's ComponentProvider has no getSchema: provider/schema.ts needs updating");
  }
  proto.getSchema = async function (this: ProviderInternals) {
    const schema = JSON.parse(await getSchema.call(this)) as SchemaDocument;
    return JSON.stringify(extendedSchema(schema, this.packageJSON));
  };
  extended = true;
}
