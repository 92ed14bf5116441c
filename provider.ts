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
