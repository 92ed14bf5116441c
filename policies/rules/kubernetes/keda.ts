/**
 * KEDA scalers without inline credentials (issue 11).
 *
 * Field paths are those of the KEDA v2.20.2 CRDs (kedacore/keda config/crd/bases at 68a5b5028f35):
 * `ScaledObject` and `ScaledJob` (`keda.sh/v1alpha1`) carry `spec.triggers[]` with `type`,
 * `metadata` (a string map the scaler parses) and `authenticationRef` (`{ name, kind }`: a
 * TriggerAuthentication or ClusterTriggerAuthentication, which reads Secrets, environment
 * variables, Vault or the pod identity). Scalers also accept `<param>FromEnv` keys, which name an
 * environment variable of the scale target instead of carrying a value. A (Cluster)TriggerAuthentication
 * references its sources, except `hashiCorpVault.credential.token`, a literal Vault token.
 */
import { ALWAYS_MANDATORY, onlyForTypes, resourceRule, type ResourceRule } from "../types";
import { dig, isMasked, present, rec, recs, str } from "../util";
import { urlCredentialProblem } from "./alertmanager-secrets";

/** `kubernetes:keda.sh/v1alpha1:ScaledObject`. */
export const KEDA_SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject";
/** `kubernetes:keda.sh/v1alpha1:ScaledJob`. */
export const KEDA_SCALED_JOB = "kubernetes:keda.sh/v1alpha1:ScaledJob";
/** `kubernetes:keda.sh/v1alpha1:TriggerAuthentication`. */
export const KEDA_TRIGGER_AUTHENTICATION = "kubernetes:keda.sh/v1alpha1:TriggerAuthentication";
/** `kubernetes:keda.sh/v1alpha1:ClusterTriggerAuthentication`. */
export const KEDA_CLUSTER_TRIGGER_AUTHENTICATION = "kubernetes:keda.sh/v1alpha1:ClusterTriggerAuthentication";
const SCALER_TYPES: readonly string[] = [KEDA_SCALED_OBJECT, KEDA_SCALED_JOB];
const AUTHENTICATION_TYPES: readonly string[] = [
  KEDA_TRIGGER_AUTHENTICATION,
  KEDA_CLUSTER_TRIGGER_AUTHENTICATION,
];
const KEDA_TYPES: readonly string[] = [...SCALER_TYPES, ...AUTHENTICATION_TYPES];

/**
 * Trigger metadata keys that carry a credential (compared case-insensitively, `_` and `-`
 * ignored): passwords, tokens (bearerToken, sasToken, ...), API and access keys, client secrets,
 * authorization values, connection strings, private keys. Keys ending in `FromEnv` or `FromEnvFile`
 * name a variable and are not credentials.
 */
const CREDENTIAL_KEY =
  /(password|passwd|pwd|secret|token|apikey|accesskey|secretkey|authorization|credential|connection|privatekey|tlskey|customauthvalue)/;
/** Keys that match the pattern above but carry no credential. */
const NOT_CREDENTIAL_KEYS: ReadonlySet<string> = new Set(["authmodes", "tokenurl", "tokenuri", "unsafessl"]);

/** Header names in `customHeaders` (`Name=value,Name2=value2`) that carry credentials. */
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|x-api-key|api-key|cookie|x-auth-token)$/i;

/** The findings of one trigger's metadata, each naming the field. */
export function triggerMetadataFindings(metadata: Record<string, unknown>, at: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    const normalized = key.toLowerCase().replace(/[-_]/g, "");
    if (/fromenv(file)?$/.test(normalized)) continue;
    const field = `${at}.metadata.${key}`;
    if (isMasked(value)) {
      out.push(`${field} is a secret value written inline`);
      continue;
    }
    if (CREDENTIAL_KEY.test(normalized) && !NOT_CREDENTIAL_KEYS.has(normalized)) {
      if (str(value) !== "") out.push(`${field} is a credential written inline`);
      continue;
    }
    if (normalized === "customheaders") {
      const names = (str(value) ?? "")
        .split(",")
        .map((h) => (h.split("=")[0] ?? "").trim())
        .filter((h) => CREDENTIAL_HEADER.test(h));
      if (names.length > 0) out.push(`${field} carries the credential header ${names.join(", ")} inline`);
      continue;
    }
    const problem = urlCredentialProblem(value);
    if (problem) out.push(`${field} ${problem}`);
  }
  return out;
}

/** KEDA triggers take credentials from a TriggerAuthentication, never inline. */
export const kedaNoInlineSecrets: ResourceRule = resourceRule(
  {
    name: "k8s-keda-no-inline-secrets",
    area: "kubernetes",
    description:
      "KEDA ScaledObject and ScaledJob triggers carry no credentials in spec.triggers[].metadata (password, bearerToken, apiKey, authorization, connection strings, customHeaders with an Authorization header, URLs with user:password@ or a token query parameter, Pulumi secrets): the scaler reads them from a TriggerAuthentication / ClusterTriggerAuthentication named by authenticationRef (Secrets, pod identity, Vault). Metadata is readable by everyone who can read the ScaledObject and stored in clear text in the resource. A TriggerAuthentication holds no literal Vault token (hashiCorpVault.credential.token).",
    severity: "high",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Put the credential in a Kubernetes Secret, create a TriggerAuthentication with secretTargetRef: [{ parameter: <param>, name: <secret>, key: <key> }] (or podIdentity) and set the trigger's authenticationRef: { name: <trigger-authentication> }; remove the value from metadata.",
    reference:
      "KEDA docs, Authentication (TriggerAuthentication, secretTargetRef, podIdentity); CWE-798 (hard-coded credentials); CIS Kubernetes Benchmark 5.4.1 (prefer Secrets)",
    resourceTypes: KEDA_TYPES,
  },
  onlyForTypes(
    [...AUTHENTICATION_TYPES, ...SCALER_TYPES],
    "not a KEDA ScaledObject, ScaledJob or (Cluster)TriggerAuthentication",
    (args, report) => {
      if (AUTHENTICATION_TYPES.includes(args.type)) {
        // The one credential a (Cluster)TriggerAuthentication can hold as a literal: every other
        // source is a reference (secretTargetRef, env, valueFrom.secretKeyRef, pod identity).
        if (present(dig(args.props, "spec", "hashiCorpVault", "credential", "token")))
          report(
            "spec.hashiCorpVault.credential.token is a Vault token written inline; authenticate to Vault with authentication: kubernetes (role and the scaled workload's service account) instead.",
          );
        return;
      }
      if (!SCALER_TYPES.includes(args.type)) {
        args.notApplicable("not a KEDA ScaledObject, ScaledJob or (Cluster)TriggerAuthentication");
        return;
      }
      recs(dig(args.props, "spec", "triggers")).forEach((trigger, i) => {
        const at = `spec.triggers[${i}] (${str(trigger.type) ?? "?"})`;
        const findings = triggerMetadataFindings(rec(trigger.metadata) ?? {}, at);
        for (const f of findings)
          report(
            `${f}; reference it from a TriggerAuthentication (authenticationRef) backed by a Secret or the pod identity.`,
          );
      });
    },
  ),
);

/** KEDA rules. */
export const kedaRules: ResourceRule[] = [kedaNoInlineSecrets];
