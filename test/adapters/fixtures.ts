/**
 * What the adapter tests share: a component to parent an adapter's children, and the cluster
 * details of an aws and a gcp target.
 */
import * as pulumi from "@pulumi/pulumi";
import type { TargetSettings } from "../../components/adapters";

/** A bare component the adapter under test creates its children in. */
export class Host extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Host", name, {});
  }
}

/** An EKS cluster's network and identity (Pod Identity). */
export const AWS_SETTINGS: TargetSettings = {
  aws: {
    vpcId: "vpc-0123",
    vpcCidrBlock: "10.0.0.0/16",
    privateSubnetIds: ["subnet-a", "subnet-b"],
    nodeSecurityGroupId: "sg-nodes",
    identityMode: "podIdentity",
    clusterName: "gpu",
  },
};

/** A GKE cluster's project and network. */
export const GCP_SETTINGS: TargetSettings = {
  gcp: { project: "ml-prod", region: "europe-west4", network: "projects/ml-prod/global/networks/ml" },
};
