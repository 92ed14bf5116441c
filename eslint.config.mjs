// ESLint flat config: typescript-eslint (type-aware) + Pulumi's own rules.
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "**/dist/**", "coverage/**", ".tmp/**", "**/*.mjs", "**/*.mts"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
    },
  },
  {
    // The cloud SDKs' roots load every service module (@pulumi/aws ~240, @pulumi/gcp ~150) when
    // imported: a large part of a cold plan's CPU. Runtime imports go through the lists of the
    // services in use; types may still come from the root (`import type`). See docs/benchmarks.md.
    files: [
      "components/**/*.ts",
      "policies/**/*.ts",
      "plan/**/*.ts",
      "stacks/**/*.ts",
      "bench/**/*.ts",
      "bin/**/*.ts",
      "provider/**/*.ts",
      "provider.ts",
    ],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@pulumi/aws",
              allowTypeImports: true,
              message:
                "The root loads all ~240 AWS services. Import components/shared/aws-sdk.ts (policies: policies/rules/aws-sdk.ts) and add the service there, or use `import type`.",
            },
            {
              name: "@pulumi/gcp",
              allowTypeImports: true,
              message:
                "The root loads all ~150 GCP services. Import components/shared/gcp-sdk.ts (policies: policies/rules/gcp-sdk.ts) and add the service there, or use `import type`.",
            },
          ],
        },
      ],
    },
  },
  {
    // The CommonJS entry shims Pulumi runs (provider.js, policies/entry.js): plain JavaScript.
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      "@pulumi/no-output-in-template-literal": "off",
      "@pulumi/no-output-instance-in-template-literal": "off",
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
    },
  },
);
