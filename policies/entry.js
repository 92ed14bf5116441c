// The pack's entry (package.json `main`): `pulumi preview --policy-pack <this folder>`.
// Pulumi's Node.js host compiles TypeScript with its ts-node, which skips node_modules: in a
// checkout of the repository this loads the sources (index.ts); in the installed npm package
// (`--policy-pack node_modules/pulumi-mlops/policies`) the compiled pack, dist/policies/index.js.
"use strict";
const path = require("node:path");

const installed = __dirname.split(path.sep).includes("node_modules");
require(installed ? "../dist/policies/index.js" : "./index.ts");
