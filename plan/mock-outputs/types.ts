/**
 * Computed outputs the mock runtime adds to a resource's state, per type token, so that programs
 * which read provider-computed properties (an ARN, an endpoint, an e-mail) see realistic,
 * deterministic values offline. Inputs always pass through; these only fill what a real provider
 * would compute.
 */
export interface MockContext {
  /** Resource name as registered. */
  name: string;
  /** The resource's inputs (deserialized; secrets unwrapped). */
  inputs: Record<string, unknown>;
  /** The mock id (`<name>-id`). */
  id: string;
  /** Stack config `aws:region` / `gcp:region` / `gcp:project`, or the documented fallbacks. */
  awsRegion: string;
  gcpProject: string;
  gcpRegion: string;
}

export type ComputedOutputs = (ctx: MockContext) => Record<string, unknown>;

/** The documented mock AWS account (also returned by `aws.getCallerIdentity`). */
export const MOCK_AWS_ACCOUNT_ID = "123456789012";
