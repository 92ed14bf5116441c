/**
 * The component package's provider: `pulumi package add <this package>` (PulumiPlugin.yaml, runtime
 * nodejs) runs it through provider.js, and Pulumi's component analyzer derives the schema from the
 * TypeScript it imports (this file is the analyzer's entry point: package.json `main` is
 * provider.js, whose TypeScript is this file). `npm run schema` writes the same schema to
 * schema.json. Starting it serves the provider's gRPC interface: nothing else may import it.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import { extendAnalyzer } from "./provider/analyzer";
import { PACKAGE_NAME, PACKAGED_COMPONENTS, packageRoot } from "./provider/components";
import { extendConstruct } from "./provider/construct";
import { extendSchema } from "./provider/schema";
// A provider reference a program passes to a component (the `providers` option) becomes an
// aws.Provider / gcp.Provider only through the package the SDK's root registers when it loads; the
// components load just the services they use (components/shared/aws-sdk.ts), so the roots load here.
/* eslint-disable @typescript-eslint/no-restricted-imports */
import "@pulumi/aws";
import "@pulumi/gcp";
/* eslint-enable @typescript-eslint/no-restricted-imports */

extendAnalyzer();
extendSchema();
extendConstruct();
componentProviderHost({
  name: PACKAGE_NAME,
  components: PACKAGED_COMPONENTS,
  dirname: packageRoot(__dirname),
}).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
