/**
 * Ports on pods that the Kubernetes API server itself connects to: admission webhooks and
 * aggregated APIs (APIService) of the charts the in-cluster parts install. One list, used by
 *
 * - the `kueue-system` and `cert-manager` NetworkPolicies (kueue.ts, cert-manager.ts), which admit
 *   these ports from outside the pod network (the API server is not a pod), and the chart values
 *   (webhook ports);
 * - the ModelServing platform's `kserve` and `keda` NetworkPolicies (components/model-serving/platform.ts);
 * - the GKE builder's firewall rule (gcp/firewall.ts): a private GKE cluster's control plane
 *   reaches the nodes only on tcp 443/10250 through GKE's own rule, so every other port the API
 *   server calls needs a rule from the control-plane range, or the webhooks time out.
 *
 * Changing a chart that adds a webhook or an APIService means adding its port here, and both the
 * NetworkPolicy and the firewall follow.
 *
 * Charts audited for webhooks and APIServices (Kueue and cert-manager have some):
 * - Kueue 0.19.2 (kubernetes-sigs/kueue tag v0.19.2): charts/kueue/templates/webhook/service.yaml
 *   and values.yaml `webhookService.ports` (Service 443 → pod 9443, the `webhook.port` of the
 *   manager config); charts/kueue/templates/visibility/service.yaml (Service 443 → pod 8082,
 *   fixed in the chart) behind the APIServices in templates/visibility/apiservice_v1beta{1,2}.yaml.
 * - cert-manager v1.21.1 (cert-manager/cert-manager tag v1.21.1, deploy/charts/cert-manager):
 *   templates/webhook-service.yaml (Service 443 → the pod port named "https") and
 *   templates/webhook-deployment.yaml (that port is `webhook.securePort`, 10250 in values.yaml,
 *   chosen upstream because a private GKE control plane already reaches nodes on 443 and 10250),
 *   behind templates/webhook-{validating,mutating}-webhook.yaml; no APIService. The cainjector
 *   and the controller serve only metrics (9402) and health checks (kubelet).
 * - NVIDIA device plugin 0.20.0 (NVIDIA/k8s-device-plugin tag v0.20.0,
 *   deployments/helm/nvidia-device-plugin/templates/): DaemonSets, RBAC, ConfigMap; no webhook,
 *   no APIService.
 * - NVIDIA GPU Operator v26.7.0 (NVIDIA/gpu-operator tag v26.7.0, deployments/gpu-operator/templates/
 *   and its node-feature-discovery subchart): operator Deployment, ClusterPolicy, NFD; no webhook,
 *   no APIService.
 * - DCGM exporter 4.8.2 (NVIDIA/dcgm-exporter tag 4.5.3-4.8.2, deployment/templates/): DaemonSet,
 *   Service (9400, scraped by Prometheus, not called by the API server); no webhook, no APIService.
 * - KServe v0.20.0 (kserve/kserve tag v0.20.0, charts/kserve-resources/files/kserve/resources.yaml),
 *   installed by ModelServing's platform in `kserve`: the mutating and validating webhooks behind
 *   the Service `kserve-webhook-server-service` (443 → the controller's container port
 *   "webhook-server", 9443, fixed in the chart); no APIService (the controller's metrics, 8443
 *   behind kube-rbac-proxy, are scraped, not called by the API server).
 * - KEDA 2.20.2 (kedacore/charts commit cbb9bb8, keda/templates/), installed by ModelServing's
 *   platform in `keda`: the APIService `v1beta1.external.metrics.k8s.io` → Service
 *   `keda-operator-metrics-apiserver` (443 → `service.portHttpsTarget`, 6443, set explicitly) and
 *   the ValidatingWebhookConfiguration `keda-admission` → Service `keda-admission-webhooks`
 *   (→ `webhooks.port`, 9443, set explicitly).
 */
import { CERT_MANAGER_NAMESPACE, KUEUE_NAMESPACE } from "./common";

/** Kueue's webhook server port in the pod (manager config `webhook.port`; the chart's default). */
export const KUEUE_WEBHOOK_PORT = 9443;

/** Kueue's visibility API server port in the pod (fixed in the chart's visibility Service). */
export const KUEUE_VISIBILITY_PORT = 8082;

/** Kueue's metrics port (manager config `metrics.bindAddress`), scraped from inside the cluster. */
export const KUEUE_METRICS_PORT = 8443;

/** cert-manager's webhook port in the pod (chart value `webhook.securePort`, its default, set explicitly). */
export const CERT_MANAGER_WEBHOOK_PORT = 10250;

/** cert-manager's controller metrics port (fixed in the chart: container port "http-metrics"). */
export const CERT_MANAGER_METRICS_PORT = 9402;

/** Namespace of ModelServing's KServe controller (components/model-serving/platform-values.ts). */
export const KSERVE_NAMESPACE = "kserve";

/** Namespace of ModelServing's KEDA (components/model-serving/platform-values.ts). */
export const KEDA_NAMESPACE = "keda";

/** KServe's webhook server port in the controller pod (container port "webhook-server", fixed in the chart). */
export const KSERVE_WEBHOOK_PORT = 9443;

/** KEDA's metrics API server port in the pod (chart value `service.portHttpsTarget`, its default). */
export const KEDA_METRICS_API_PORT = 6443;

/** KEDA's admission webhooks port in the pod (chart value `webhooks.port`; the container default). */
export const KEDA_WEBHOOK_PORT = 9443;

/** A pod port the API server calls. */
export interface ApiServerCallbackPort {
  port: number;
  /** Namespace of the pods listening there (its NetworkPolicy admits the port from anywhere). */
  namespace: string;
  /** What listens there (for comments and rule descriptions). */
  what: string;
}

/**
 * Every pod port the API server calls, for every chart the in-cluster parts and ModelServing's
 * platform can install (see above).
 */
export const API_SERVER_CALLBACK_PORTS: readonly ApiServerCallbackPort[] = [
  { port: KUEUE_WEBHOOK_PORT, namespace: KUEUE_NAMESPACE, what: "Kueue admission webhooks" },
  { port: KUEUE_VISIBILITY_PORT, namespace: KUEUE_NAMESPACE, what: "Kueue visibility APIService" },
  { port: CERT_MANAGER_WEBHOOK_PORT, namespace: CERT_MANAGER_NAMESPACE, what: "cert-manager webhook" },
  { port: KSERVE_WEBHOOK_PORT, namespace: KSERVE_NAMESPACE, what: "KServe admission webhooks" },
  { port: KEDA_METRICS_API_PORT, namespace: KEDA_NAMESPACE, what: "KEDA external metrics APIService" },
  { port: KEDA_WEBHOOK_PORT, namespace: KEDA_NAMESPACE, what: "KEDA admission webhooks" },
];
