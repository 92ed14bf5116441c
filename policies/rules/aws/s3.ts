/** AWS S3 rules. Bucket settings live in separate resources, so most rules are stack rules over the graph. */
import type { PolicyResource } from "@pulumi/policy";
import { stackRule, ALWAYS_MANDATORY, MANDATORY_OUTSIDE_DEV, type StackRule } from "../types";
import { attached, ofType, refersTo } from "../stack";
import { arr, bool, dig, rec, recs, str, stringMap } from "../util";
import { parsePolicyDocument, type IamStatement } from "./iam-document";
import { isWildcardPrincipal } from "./data-stores";

const BUCKET = "aws:s3/bucket:Bucket";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls";
const ACL = "aws:s3/bucketAcl:BucketAcl";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const LOGGING = "aws:s3/bucketLogging:BucketLogging";

/** `purpose` tag values that mark a log sink bucket. */
const LOG_PURPOSES: readonly string[] = ["logs", "access-logs", "log"];

/** A log sink bucket: tagged `purpose: logs` (or `log`, `access-logs`). */
export function isLogBucket(bucket: PolicyResource): boolean {
  const purpose = stringMap(rec(bucket.props)?.tags).purpose ?? "";
  return LOG_PURPOSES.includes(purpose.toLowerCase());
}

/** Buckets that are not data buckets: log sinks (`purpose: logs`) and public assets (`data-classification: public`). */
function isDataBucket(bucket: PolicyResource): boolean {
  const tags = stringMap(rec(bucket.props)?.tags);
  return !isLogBucket(bucket) && (tags["data-classification"] ?? "").toLowerCase() !== "public";
}

const PAB_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

/** Every bucket has a public access block with all four settings on. */
export const s3PublicAccessBlock: StackRule = stackRule(
  {
    name: "aws-s3-public-access-block",
    area: "aws",
    description: "Every S3 bucket has a BucketPublicAccessBlock with all four settings enabled.",
    severity: "critical",
    enforcement: ALWAYS_MANDATORY,
    remediation:
      "Add aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.",
    reference: "CIS AWS Foundations 2.1.4; Checkov CKV_AWS_53-56",
    resourceTypes: [BUCKET, PAB],
  },
  (args, report) => {
    for (const pab of ofType(args.resources, PAB)) {
      const off = PAB_FLAGS.filter((f) => bool(rec(pab.props)?.[f]) !== true);
      if (off.length > 0)
        report(`Public access block '${pab.name}' does not enable ${off.join(", ")}.`, pab.urn);
    }
    for (const bucket of ofType(args.resources, BUCKET)) {
      if (attached(args.resources, bucket, PAB).length === 0)
        report(`Bucket '${bucket.name}' has no BucketPublicAccessBlock.`, bucket.urn);
    }
  },
);

/** SSE-KMS algorithms (single- and dual-layer). */
const KMS_ALGORITHMS: readonly string[] = ["aws:kms", "aws:kms:dsse"];
/** What log buckets may use: SSE-KMS or SSE-S3 (AES256); see {@link allowedAlgorithms}. */
const LOG_BUCKET_ALGORITHMS: readonly string[] = [...KMS_ALGORITHMS, "AES256"];

/**
 * Whether default-encryption `rules` use only `allowed` algorithms: undefined when there are no
 * rules; a rule with an unknown (secret or computed) algorithm counts as compliant.
 */
function usesOnly(rules: unknown, allowed: readonly string[]): boolean | undefined {
  const algs = recs(rules).map((r) => str(dig(r, "applyServerSideEncryptionByDefault", "sseAlgorithm")));
  if (algs.length === 0) return undefined;
  return algs.every((a) => a === undefined || allowed.includes(a));
}

/**
 * Algorithms a bucket's default encryption may use: SSE-KMS, and for log buckets also SSE-S3
 * (AES256), because S3 server access log targets support no other default encryption: "You can use
 * default bucket encryption on the target bucket only if you use server-side encryption with Amazon
 * S3 managed keys (SSE-S3) ... Default server-side encryption with AWS Key Management Service (AWS
 * KMS) keys (SSE-KMS) is not supported"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
 */
function allowedAlgorithms(bucket: PolicyResource): readonly string[] {
  return isLogBucket(bucket) ? LOG_BUCKET_ALGORITHMS : KMS_ALGORITHMS;
}

/**
 * Every bucket uses SSE-KMS default encryption, except log buckets (`purpose: logs`), which may use
 * SSE-S3 (AES256) because S3 requires it for server access log targets.
 */
export const s3SseKms: StackRule = stackRule(
  {
    name: "aws-s3-sse-kms",
    area: "aws",
    description:
      "Every S3 bucket has default encryption with SSE-KMS (aws:kms or aws:kms:dsse); log buckets (tagged purpose=logs) may use SSE-S3 (AES256), the only default encryption S3 supports for server access log targets.",
    severity: "high",
    remediation:
      "Add aws.s3.BucketServerSideEncryptionConfiguration with applyServerSideEncryptionByDefault.sseAlgorithm 'aws:kms' and a customer-managed kmsMasterKeyId (for a server access log bucket: tag it purpose=logs and use 'AES256').",
    reference:
      "CIS AWS Foundations 2.1.1; Checkov CKV_AWS_145; AWS S3 User Guide, Enabling server access logging (SSE-S3 only on log targets)",
    resourceTypes: [BUCKET, SSE],
  },
  (args, report) => {
    const buckets = ofType(args.resources, BUCKET);
    for (const sse of ofType(args.resources, SSE)) {
      // The buckets the configuration belongs to; SSE-S3 is accepted only when all are log buckets.
      const owners = buckets.filter((b) => refersTo(sse, b, ["bucket"], "bucket"));
      const logOnly = owners.length > 0 && owners.every(isLogBucket);
      const rules = rec(sse.props)?.rules;
      if (usesOnly(rules, logOnly ? LOG_BUCKET_ALGORITHMS : KMS_ALGORITHMS) === false)
        report(
          logOnly
            ? `Encryption configuration '${sse.name}' of a log bucket uses neither SSE-KMS nor SSE-S3 (AES256).`
            : `Encryption configuration '${sse.name}' does not use SSE-KMS (only buckets tagged purpose=logs may use SSE-S3).`,
          sse.urn,
        );
    }
    for (const bucket of buckets) {
      const inline = usesOnly(
        dig(bucket.props, "serverSideEncryptionConfiguration", "rule") ??
          dig(bucket.props, "serverSideEncryptionConfiguration", "rules"),
        allowedAlgorithms(bucket),
      );
      if (inline === true || attached(args.resources, bucket, SSE).length > 0) continue;
      report(
        isLogBucket(bucket)
          ? `Log bucket '${bucket.name}' has no SSE-KMS or SSE-S3 default encryption.`
          : `Bucket '${bucket.name}' has no SSE-KMS default encryption.`,
        bucket.urn,
      );
    }
  },
);

/** Matches `value` against an IAM wildcard pattern (`*`, `?`), case-sensitively as ARNs match. */
function globMatches(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(value);
}

/** True when the statement's `aws:SecureTransport` Bool condition is "false" (requests without TLS). */
function onInsecureTransport(s: IamStatement): boolean {
  const secure = rec(s.condition?.Bool)?.["aws:SecureTransport"];
  return arr(secure).some((v) => v === false || v === "false");
}

/**
 * True when `resources` cover both the bucket and every object in it. With the bucket name known,
 * the ARNs `arn:<partition>:s3:::<name>` and `arn:<partition>:s3:::<name>/*` must both match a
 * listed pattern; otherwise (name computed at deploy time) a bucket-level and an object-level
 * (`.../*`) S3 ARN, or "*", must be listed: S3 rejects a bucket policy naming another bucket's ARNs,
 * so these are the bucket's own.
 */
function coversBucketAndObjects(resources: string[], bucketName: string | undefined): boolean {
  if (resources.includes("*")) return true;
  if (bucketName !== undefined) {
    // Compare partition-free: arn:aws:..., arn:aws-cn:... and arn:*:... all cover the bucket.
    const patterns = resources.map((r) => r.replace(/^arn:[^:]*:/, "arn:p:"));
    const covers = (target: string) => patterns.some((p) => globMatches(p, target));
    return covers(`arn:p:s3:::${bucketName}`) && covers(`arn:p:s3:::${bucketName}/*`);
  }
  const s3 = resources.filter((r) => /^arn:[^:]*:s3:::[^/]+/.test(r));
  return s3.some((r) => !r.includes("/")) && s3.some((r) => r.endsWith("/*"));
}

/**
 * Whether the policy denies every S3 action to everyone on the bucket and its objects without TLS:
 * a Deny statement with `Principal: "*"`, `Action: "s3:*"` (or "*"), Resource covering the bucket
 * and its objects, and `Bool: { "aws:SecureTransport": "false" }`, as AWS recommends
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html, "Enforce
 * encryption of data in transit"; AWS Config rule s3-bucket-ssl-requests-only). A deny of one
 * action (s3:GetObject) leaves uploads, deletes and listings open over plain HTTP, and a deny on
 * the objects alone leaves the bucket's own API (listing, policy, ACL) open. Undefined when the
 * policy text is unknown (secret).
 */
function hasTlsDeny(policy: unknown, bucketName: string | undefined): boolean | undefined {
  const doc = parsePolicyDocument(policy);
  if (!doc) return undefined;
  return doc.some(
    (s) =>
      s.effect === "Deny" &&
      !s.notActions &&
      !s.notResources &&
      isWildcardPrincipal(s.principal) &&
      s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*") &&
      coversBucketAndObjects(s.resources, bucketName) &&
      onInsecureTransport(s),
  );
}

/** Every bucket policy denies non-TLS requests for all S3 actions on the bucket and its objects. */
export const s3TlsOnly: StackRule = stackRule(
  {
    name: "aws-s3-tls-only-policy",
    area: "aws",
    description:
      'Every S3 bucket has a bucket policy that denies all S3 actions ("s3:*") to all principals on the bucket and its objects when aws:SecureTransport is false.',
    severity: "high",
    remediation:
      'Attach an aws.s3.BucketPolicy with a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, "<bucket ARN>/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
    reference:
      "CIS AWS Foundations 2.1.2; AWS Config s3-bucket-ssl-requests-only; Checkov CKV2_AWS_69 equivalent",
    resourceTypes: [BUCKET, POLICY],
  },
  (args, report) => {
    for (const bucket of ofType(args.resources, BUCKET)) {
      const name = str(rec(bucket.props)?.bucket);
      const inline = hasTlsDeny(rec(bucket.props)?.policy, name);
      if (inline === true) continue;
      const policies = attached(args.resources, bucket, POLICY);
      const verdicts = policies.map((p) => hasTlsDeny(rec(p.props)?.policy, name));
      if (verdicts.some((v) => v !== false)) continue; // compliant, or unknown (secret) policy text
      report(
        `Bucket '${bucket.name}' has no policy denying all S3 actions ("s3:*", principal "*", bucket and object ARNs) without TLS (aws:SecureTransport=false).`,
        bucket.urn,
      );
    }
  },
);

/** ACLs are disabled (BucketOwnerEnforced) and no ACL resources are used. */
export const s3AclsDisabled: StackRule = stackRule(
  {
    name: "aws-s3-acls-disabled",
    area: "aws",
    description:
      "Every S3 bucket disables ACLs with object ownership BucketOwnerEnforced and no bucket ACLs are set.",
    severity: "high",
    remediation:
      "Add aws.s3.BucketOwnershipControls with rule.objectOwnership 'BucketOwnerEnforced'; remove aws.s3.BucketAcl resources and the bucket 'acl'/'grants' inputs.",
    reference: "AWS S3 security best practices (disable ACLs); Checkov CKV2_AWS_65",
    resourceTypes: [BUCKET, OWNERSHIP, ACL],
  },
  (args, report) => {
    for (const acl of ofType(args.resources, ACL))
      report(`Bucket ACL '${acl.name}' is set; ACLs should be disabled.`, acl.urn);
    for (const oc of ofType(args.resources, OWNERSHIP)) {
      const mode = str(dig(oc.props, "rule", "objectOwnership"));
      if (mode !== undefined && mode !== "BucketOwnerEnforced")
        report(`Ownership controls '${oc.name}' use '${mode}', not BucketOwnerEnforced.`, oc.urn);
    }
    for (const bucket of ofType(args.resources, BUCKET)) {
      const props = rec(bucket.props) ?? {};
      if (str(props.acl) !== undefined && props.acl !== "private")
        report(`Bucket '${bucket.name}' sets canned ACL '${String(props.acl)}'.`, bucket.urn);
      if (attached(args.resources, bucket, OWNERSHIP).length === 0)
        report(`Bucket '${bucket.name}' has no BucketOwnershipControls (BucketOwnerEnforced).`, bucket.urn);
    }
  },
);

/** Data buckets keep object versions. */
export const s3Versioning: StackRule = stackRule(
  {
    name: "aws-s3-versioning",
    area: "aws",
    description:
      "Data buckets (all but those tagged purpose=logs or data-classification=public) have versioning enabled.",
    severity: "medium",
    enforcement: MANDATORY_OUTSIDE_DEV,
    remediation:
      "Add aws.s3.BucketVersioning with versioningConfiguration.status 'Enabled' (models and datasets need recoverable history).",
    reference: "Checkov CKV_AWS_21",
    resourceTypes: [BUCKET, VERSIONING],
  },
  (args, report) => {
    for (const v of ofType(args.resources, VERSIONING)) {
      const status = str(dig(v.props, "versioningConfiguration", "status"));
      if (status !== undefined && status !== "Enabled")
        report(`Versioning '${v.name}' has status '${status}'.`, v.urn);
    }
    for (const bucket of ofType(args.resources, BUCKET).filter(isDataBucket)) {
      if (bool(dig(bucket.props, "versioning", "enabled")) === true) continue;
      if (attached(args.resources, bucket, VERSIONING).length === 0)
        report(`Data bucket '${bucket.name}' has no BucketVersioning.`, bucket.urn);
    }
  },
);

/** Data buckets log server access. */
export const s3AccessLogging: StackRule = stackRule(
  {
    name: "aws-s3-access-logging",
    area: "aws",
    description: "Data buckets have server access logging to a log bucket.",
    severity: "medium",
    remediation:
      "Add aws.s3.BucketLogging with targetBucket set to a log bucket (tag that bucket purpose=logs).",
    reference: "CIS AWS Foundations 3.6 (S3 access logging); Checkov CKV_AWS_18",
    resourceTypes: [BUCKET, LOGGING],
  },
  (args, report) => {
    for (const bucket of ofType(args.resources, BUCKET).filter(isDataBucket)) {
      if (rec(rec(bucket.props)?.logging) !== undefined) continue;
      if (attached(args.resources, bucket, LOGGING).length === 0)
        report(`Data bucket '${bucket.name}' has no access logging (aws.s3.BucketLogging).`, bucket.urn);
    }
  },
);

/** All S3 rules. */
export const s3Rules: StackRule[] = [
  s3PublicAccessBlock,
  s3SseKms,
  s3TlsOnly,
  s3AclsDisabled,
  s3Versioning,
  s3AccessLogging,
];
