// The entry Pulumi runs for the component package (package.json `main`; PulumiPlugin.yaml).
// Pulumi's Node.js host compiles TypeScript with its ts-node, which skips node_modules: from a
// checkout of the repository (`pulumi package add <path or git URL>`) this loads provider.ts; from
// the installed npm package (`pulumi package add ./node_modules/pulumi-mlops`) the compiled
// dist/provider.js. Both start the same provider (see provider.ts).
"use strict";
const path = require("node:path");

const installed = __dirname.split(path.sep).includes("node_modules");
require(installed ? "./dist/provider.js" : "./provider.ts");
