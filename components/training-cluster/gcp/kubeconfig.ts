/**
 * The kubeconfig of the cluster: the API endpoint, its CA, and `gke-gcloud-auth-plugin` as the
 * credential plugin, so no static credential is ever written into it.
 */
import type * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/**
 * The exec credential plugin GKE requires since 1.26
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin).
 */
export const GKE_AUTH_PLUGIN = "gke-gcloud-auth-plugin";

/** A kubeconfig for `server` (with `caData` base64, unless the server has a publicly trusted certificate). */
export function gkeKubeconfig(contextName: string, server: string, caData: string | undefined): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: contextName,
        cluster: caData ? { server, "certificate-authority-data": caData } : { server },
      },
    ],
    contexts: [{ name: contextName, context: { cluster: contextName, user: contextName } }],
    "current-context": contextName,
    users: [
      {
        name: contextName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: GKE_AUTH_PLUGIN,
            installHint:
              "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin (https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl)",
            provideClusterInfo: true,
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/**
 * The cluster's kubeconfig (a secret). With `dnsEndpoint` it targets the DNS-based endpoint, which
 * serves a publicly trusted certificate (no CA data); otherwise the cluster's `endpoint`: the
 * private IP when the endpoint is private, else the public IP, with the cluster CA.
 */
export function clusterKubeconfig(
  cluster: gcp.container.Cluster,
  project: string,
  region: string,
  dnsEndpoint: boolean,
): pulumi.Output<string> {
  const dnsName = cluster.controlPlaneEndpointsConfig.apply((c) => c?.dnsEndpointConfig?.endpoint ?? "");
  return pulumi.secret(
    pulumi
      .all([cluster.name, cluster.endpoint, cluster.masterAuth, dnsName])
      .apply(([name, endpoint, auth, dns]) =>
        dnsEndpoint
          ? gkeKubeconfig(`gke_${project}_${region}_${name}`, `https://${dns}`, undefined)
          : gkeKubeconfig(
              `gke_${project}_${region}_${name}`,
              `https://${endpoint}`,
              auth.clusterCaCertificate,
            ),
      ),
  );
}
