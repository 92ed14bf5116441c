/**
 * Two gaps of Pulumi's component analyzer (`@pulumi/pulumi/provider/experimental`, which turns the
 * TypeScript of a component package into its schema) that this package falls into, closed for
 * this package's provider and schema script only:
 *
 * 1. It recognises a component only when its class `extends ComponentResource` directly; every
 *    component here extends `MlopsComponent` (components/shared/component.ts), which does. The
 *    extension also accepts a class with `ComponentResource` further up its base classes — what
 *    the runtime side of the same module already does (`getPulumiComponents` walks the prototype
 *    chain).
 * 2. It fails on the first type it cannot map. A few properties of the TypeScript composition
 *    handles (`ClusterHandle`, `ObjectStore`, ...) have such types by design: a discriminant typed
 *    as one string literal, a Kubernetes input type (`IntOrString` ports), a generic
 *    `CustomResource`, free-form Helm values. `OPAQUE_PROPERTIES` lists each one with why; the
 *    schema gives exactly those `pulumi.json#/Any` (with their TSDoc description), and any other
 *    unmappable type still fails the analysis. A listed property is `Any` before the analyzer
 *    looks at it, so every SDK in the peer range serves the same schema: the locked SDK fails on
 *    the one-value `IssuerKind`, @pulumi/pulumi 3.276 maps it to an enum type (found by the
 *    current lane, docs/benchmarks.md "Lanes"). test/component-package.test.ts checks the schema
 *    has `Any` on exactly the listed properties (so no entry is stale).
 *
 * 3. It refers to a provider resource (the `k8s.Provider` in `ClusterHandle.provider`) as
 *    `/<pkg>/v<version>/schema.json#/resources/<pkg>` — not a resource of that package's schema;
 *    Pulumi's schema refers to a package's provider as `.../schema.json#/provider`, and so does
 *    the extended analyzer.
 *
 * 4. It takes a property's description from its TSDoc comment without the tags, so the `@default`
 *    every optional argument documents (CONTRIBUTING.md) would be lost to Python, Go and .NET
 *    users. The extended analyzer appends it to the description: `… Default: <tag text>.`
 *    (`withDefault`).
 *
 * All four rely on the analyzer's internals (its `isPulumiComponent`, `analyzeType` and
 * `analyzeSymbol` methods);
 * `extendAnalyzer` throws if they are gone, so an upgrade of @pulumi/pulumi that changes them
 * fails `npm run schema` and the test instead of producing a different schema.
 */
import { Analyzer } from "@pulumi/pulumi/provider/experimental/analyzer";
import type * as ts from "typescript";

/** `TypeName.property` → why the analyzer cannot map it (the schema says `Any`). */
export const OPAQUE_PROPERTIES: Readonly<Record<string, string>> = {
  "ClusterCertificates.issuerKind":
    'IssuerKind has one value ("ClusterIssuer"): a single string literal, which the analyzer maps only as a union',
  "ObjectStore.kind": "GrantableStore discriminant: a single string literal",
  "TableStore.kind": "GrantableStore discriminant: a single string literal",
  "Warehouse.kind": "GrantableStore discriminant: a single string literal",
  "EncryptionKey.resource":
    "a generic pulumi.CustomResource (the KMS key or Cloud KMS CryptoKey), not one resource type",
  "NetworkPolicyPort.port":
    "Kubernetes IntOrString (string | number), in the stores' NetworkPolicy egress rules",
  "MonitoringArgs.values": "free-form kube-prometheus-stack Helm values (Record<string, unknown>)",
};

/** What the analyzer passes `analyzeType` as its first argument (the fields used here). */
interface AnalyzeContext {
  typeName?: string;
  property?: string;
}

interface AnalyzerInternals {
  checker: ts.TypeChecker;
  analyzeSymbol: (
    this: AnalyzerInternals,
    context: AnalyzeContext,
    symbol: ts.Symbol,
  ) => Record<string, unknown>;
  isPulumiComponent: (this: AnalyzerInternals, node: ts.ClassDeclaration) => boolean;
  analyzeType: (
    this: AnalyzerInternals,
    context: AnalyzeContext,
    type: ts.Type,
    location: ts.Node,
    optional?: boolean,
    docString?: string,
  ) => Record<string, unknown>;
}

let extended = false;

/** Whether `type` has pulumi's `ComponentResource` among its base classes, at any depth. */
function derivesFromComponentResource(checker: ts.TypeChecker, type: ts.Type, depth = 0): boolean {
  if (depth > 10 || !type.isClassOrInterface()) return false;
  return checker.getBaseTypes(type).some((base) => {
    const symbol = base.getSymbol();
    const file = symbol?.declarations?.[0]?.getSourceFile().fileName ?? "";
    const isPulumis =
      symbol?.getName() === "ComponentResource" &&
      (file.endsWith("resource.d.ts") || file.endsWith("resource.ts")) &&
      file.includes("@pulumi");
    return isPulumis || derivesFromComponentResource(checker, base, depth + 1);
  });
}

/** A property referring to a package's provider resource, referred to as Pulumi's schema does. */
function providerReference(prop: Record<string, unknown>): Record<string, unknown> {
  const ref = prop["$ref"];
  const m =
    typeof ref === "string" ? /^(\/([^/]+)\/v[^/]+\/schema\.json)#\/resources\/([^/]+)$/.exec(ref) : null;
  return m && m[2] === m[3] ? { ...prop, $ref: `${m[1]}#/provider` } : prop;
}

/**
 * The text of the `@default` tag of a declaration's TSDoc (whitespace runs, line breaks included,
 * as one space), or undefined without one. Reads the parsed `jsDoc` the analyzer reads its
 * comments from, so the analyzer's own TypeScript parsed it.
 */
export function defaultTagOf(node: ts.Node | undefined): string | undefined {
  const docs = (node as { jsDoc?: readonly ts.JSDoc[] } | undefined)?.jsDoc ?? [];
  for (const doc of docs) {
    for (const tag of doc.tags ?? []) {
      if (tag.tagName.text !== "default") continue;
      const comment = tag.comment;
      const text = typeof comment === "string" ? comment : (comment ?? []).map((part) => part.text).join("");
      return text.replace(/\s+/g, " ").trim();
    }
  }
  return undefined;
}

/**
 * A property's schema description with its documented default: the TSDoc comment, a blank line,
 * then `Default: <tag text>.` (no second period when the text ends with one).
 */
export function withDefault(description: string | undefined, defaultText: string): string {
  const sentence = `Default: ${defaultText}${defaultText.endsWith(".") ? "" : "."}`;
  return description ? `${description}\n\n${sentence}` : sentence;
}

/** Extends `Analyzer` as described in the module comment (once per process). */
export function extendAnalyzer(): void {
  if (extended) return;
  const proto = Analyzer.prototype as unknown as AnalyzerInternals;
  const { isPulumiComponent, analyzeType, analyzeSymbol } = proto;
  if (
    typeof isPulumiComponent !== "function" ||
    typeof analyzeType !== "function" ||
    typeof analyzeSymbol !== "function"
  ) {
    throw new Error(
      "@pulumi/pulumi's component analyzer has no isPulumiComponent/analyzeType/analyzeSymbol: provider/analyzer.ts needs updating",
    );
  }
  proto.isPulumiComponent = function (this: AnalyzerInternals, node) {
    return (
      isPulumiComponent.call(this, node) ||
      derivesFromComponentResource(this.checker, this.checker.getTypeAtLocation(node))
    );
  };
  proto.analyzeType = function (this: AnalyzerInternals, context, type, location, optional, docString) {
    const key = `${context.typeName}.${context.property}`;
    if (!(key in OPAQUE_PROPERTIES)) {
      return providerReference(analyzeType.call(this, context, type, location, optional, docString));
    }
    return {
      $ref: "pulumi.json#/Any",
      ...(optional ? { optional: true } : {}),
      ...(docString ? { description: docString } : {}),
    };
  };
  proto.analyzeSymbol = function (this: AnalyzerInternals, context, symbol) {
    const prop = analyzeSymbol.call(this, context, symbol);
    const text = defaultTagOf(symbol.valueDeclaration);
    if (text === undefined || text === "") return prop;
    const description = typeof prop["description"] === "string" ? prop["description"] : undefined;
    return { ...prop, description: withDefault(description, text) };
  };
  extended = true;
}
