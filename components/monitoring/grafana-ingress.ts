/**
 * Grafana's Ingress (`grafana.ingress` on `Monitoring`): the shared HTTPS-only Ingress
 * (components/shared/https-ingress.ts) rendered as the grafana chart's values, and a NetworkPolicy
 * that admits the load balancer (or the in-cluster controller) to Grafana's pods only, on
 * Grafana's container port. Prometheus, the Alertmanager and the Pushgateway stay in-cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CloudAdapter } from "../adapters";
import type { ComponentContext } from "../shared/component";
import {
  httpsIngressClass,
  httpsIngressPeers,
  httpsIngressSettings,
  nginxHttpsOnlyAnnotations,
  type ResolvedHttpsIngress,
} from "../shared/https-ingress";
import {
  GRAFANA_CONTAINER_PORT,
  GRAFANA_HEALTH_PATH,
  MONITORING_SERVICES,
  type GrafanaIngressValues,
} from "./values";

/** The Kubernetes name of Grafana's Ingress NetworkPolicy. */
export const GRAFANA_INGRESS_POLICY = "grafana-ingress";

/**
 * Seconds a request may take and a connection may idle at the load balancer: Grafana's own data
 * proxy gives up after 30 s (`[dataproxy] timeout`, https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#dataproxy);
 * 60 s leaves room for slow dashboard queries and is the ALB's default idle timeout.
 */
export const GRAFANA_INGRESS_TIMEOUT_SECONDS = 60;

/** What `grafanaIngress` gives the component. */
export interface GrafanaIngress {
  /** The chart values (`grafana.ingress`, `grafana.service.annotations`, `server.root_url`). */
  values: pulumi.Output<GrafanaIngressValues>;
  /** Objects the release waits for: the NetworkPolicy and the load balancer's companions. */
  dependsOn: pulumi.Resource[];
}

/**
 * The load balancer's settings from the adapter (an adapter error is a ResourceError on `owner`),
 * the values, and the NetworkPolicy `<name>-grafana-ingress` (`grafana-ingress`).
 */
export function grafanaIngress(args: {
  name: string;
  ingress: ResolvedHttpsIngress;
  adapter: CloudAdapter;
  ctx: ComponentContext;
  provider: pulumi.ProviderResource;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** Grafana's pod labels (the NetworkPolicy's podSelector). */
  podLabels: Record<string, string>;
  dependsOn: pulumi.Resource[];
  owner: pulumi.Resource;
  type: string;
}): GrafanaIngress {
  const settings = httpsIngressSettings(
    args.ingress,
    args.adapter,
    {
      serviceName: MONITORING_SERVICES.grafana.name,
      port: GRAFANA_CONTAINER_PORT,
      healthCheckPath: GRAFANA_HEALTH_PATH,
      requestTimeoutSeconds: GRAFANA_INGRESS_TIMEOUT_SECONDS,
      idleTimeoutSeconds: GRAFANA_INGRESS_TIMEOUT_SECONDS,
      labels: args.labels,
    },
    args.owner,
    args.type,
  );
  const lb = settings.loadBalancer;
  const ingressClass = httpsIngressClass(settings, nginxHttpsOnlyAnnotations(settings.className));
  const policy = new k8s.networking.v1.NetworkPolicy(
    `${args.name}-grafana-ingress`,
    {
      metadata: { name: GRAFANA_INGRESS_POLICY, namespace: args.namespace, labels: args.labels },
      spec: {
        podSelector: { matchLabels: args.podLabels },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: httpsIngressPeers(settings),
            ports: [{ protocol: "TCP", port: GRAFANA_CONTAINER_PORT }],
          },
        ],
      },
    },
    args.ctx.opts({ provider: args.provider, dependsOn: args.dependsOn }),
  );
  const values = pulumi
    .all([pulumi.output(ingressClass.annotations), pulumi.output(lb?.serviceAnnotations ?? {})])
    .apply(([annotations, serviceAnnotations]): GrafanaIngressValues => ({
      host: settings.host,
      ...(ingressClass.ingressClassName !== undefined
        ? { ingressClassName: ingressClass.ingressClassName }
        : {}),
      annotations: annotations,
      ...(settings.tlsSecretName !== undefined ? { tlsSecretName: settings.tlsSecretName } : {}),
      serviceAnnotations: serviceAnnotations,
    }));
  return { values, dependsOn: [policy, ...(lb?.resources ?? [])] };
}
