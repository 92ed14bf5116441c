/**
 * Grafana's Ingress on `Monitoring` (`grafana.ingress`): off by default; when enabled, the grafana
 * chart's Ingress values per class (the adapter's load balancer on aws/gcp, an in-cluster
 * controller on local), Grafana's external URL, the Service annotations the load balancer needs,
 * and the NetworkPolicy that admits the load balancer to Grafana's pods only; bad input reported
 * under `args.grafana.ingress.*`; the policy pack stays clean.
 */
import { describe, expect, it } from "vitest";
import { Monitoring, type MonitoringArgs } from "../../components";
import type { AwsTargetArgs, GcpTargetArgs, Target } from "../../components/adapters";
import { ScrapeBackend } from "../../components/shared/monitors";
import { runPlan } from "../../plan/library";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { fakeClusterHandle } from "../training-cluster/fixtures";

const CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";
const aws: AwsTargetArgs = {
  vpcId: "vpc-123",
  vpcCidrBlock: "10.0.0.0/16",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  nodeSecurityGroupId: "sg-nodes",
  identityMode: "irsa",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  oidcProviderUrl: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
};
const gcp: GcpTargetArgs = {
  project: "acme-ml",
  region: "europe-west4",
  network: "projects/acme-ml/global/networks/ml",
  proxyOnlySubnetCidr: "10.129.0.0/23",
};
const config = { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" };
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RELEASE = "kubernetes:helm.sh/v3:Release";

type Overrides = Partial<Omit<MonitoringArgs, "cluster">> & { target?: Target; gcp?: GcpTargetArgs };

function monitoringArgs(overrides: Overrides): MonitoringArgs {
  const { target = "local", gcp: gcpDetails = gcp, ...rest } = overrides;
  const cluster = fakeClusterHandle({
    target,
    ...(target === "aws" ? { aws } : {}),
    ...(target === "gcp" ? { gcp: gcpDetails } : {}),
    monitoring: { backend: ScrapeBackend.prometheusOperator, dependsOn: [] },
  });
  return { ...rest, cluster };
}

function program(overrides: Overrides) {
  return () => {
    new Monitoring("mon", monitoringArgs(overrides));
  };
}

const monitoringPlan = (overrides: Overrides): Promise<Plan> => planOf(program(overrides), { config });

async function failure(overrides: Overrides): Promise<string> {
  try {
    await monitoringPlan(overrides);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

function grafanaValues(plan: Plan): Record<string, unknown> {
  const release = resourcesOfType(plan, RELEASE).find((r) => r.inputs["chart"] === "kube-prometheus-stack");
  if (!release) throw new Error("no kube-prometheus-stack release");
  return inputAt(release, "values.grafana") as Record<string, unknown>;
}

const grafanaPolicy = (plan: Plan) => findResource(plan, NETWORK_POLICY, "mon-grafana-ingress");

describe("Grafana's Ingress: off by default", () => {
  it("no Ingress values, no Service annotations, no root_url, no Grafana ingress NetworkPolicy", async () => {
    const plan = await monitoringPlan({ target: "aws" });
    const g = grafanaValues(plan);
    expect(g["ingress"]).toEqual({ enabled: false });
    expect(g["service"]).toEqual({ type: "ClusterIP" });
    expect((g["grafana.ini"] as Record<string, unknown>)["server"]).toBeUndefined();
    expect(resourcesOfType(plan, NETWORK_POLICY).map((r) => r.name)).not.toContain("mon-grafana-ingress");
    expect(resourcesOfType(plan, "kubernetes:networking.k8s.io/v1:Ingress")).toEqual([]);
  });
});

describe("Grafana's Ingress per class", () => {
  it("aws: an internal ALB (HTTPS:443 with the ACM certificate), pods admitted from the VPC on 3000 only", async () => {
    const plan = await monitoringPlan({
      target: "aws",
      grafana: { ingress: { enabled: true, host: "grafana.example.com", certificateArn: CERT_ARN } },
    });
    const g = grafanaValues(plan);
    expect(g["ingress"]).toEqual({
      enabled: true,
      ingressClassName: "alb",
      annotations: {
        "alb.ingress.kubernetes.io/scheme": "internal",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
        "alb.ingress.kubernetes.io/certificate-arn": CERT_ARN,
        "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
        "alb.ingress.kubernetes.io/healthcheck-path": "/api/health",
        "alb.ingress.kubernetes.io/success-codes": "200",
        "alb.ingress.kubernetes.io/load-balancer-attributes":
          "idle_timeout.timeout_seconds=60,routing.http.drop_invalid_header_fields.enabled=true",
      },
      hosts: ["grafana.example.com"],
      path: "/",
      pathType: "Prefix",
      // TLS comes from ACM: no Secret.
      tls: [{ hosts: ["grafana.example.com"] }],
    });
    expect(g["service"]).toEqual({ type: "ClusterIP" });
    expect((g["grafana.ini"] as Record<string, Record<string, unknown>>)["server"]).toEqual({
      root_url: "https://grafana.example.com",
      domain: "grafana.example.com",
    });
    expect((g["grafana.ini"] as Record<string, Record<string, unknown>>)["security"]).toEqual({
      disable_gravatar: true,
      cookie_secure: true,
    });
    const policy = grafanaPolicy(plan);
    expect(inputAt(policy, "metadata.name")).toBe("grafana-ingress");
    expect(inputAt(policy, "metadata.namespace")).toBe("monitoring");
    expect(inputAt(policy, "spec")).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "grafana" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16" } }], ports: [{ protocol: "TCP", port: 3000 }] }],
    });
    // The release waits for the policy (no window where the load balancer is refused).
    const release = findResource(plan, RELEASE, "mon");
    expect(release.dependencies).toContain(policy.urn);
  });

  it("gcp: GKE's internal load balancer, TLS from the Secret, NEG + BackendConfig on Grafana's Service, proxy-only subnet admitted", async () => {
    const plan = await monitoringPlan({
      target: "gcp",
      grafana: { ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } },
    });
    const g = grafanaValues(plan);
    expect(g["ingress"]).toEqual({
      enabled: true,
      annotations: {
        "kubernetes.io/ingress.class": "gce-internal",
        "kubernetes.io/ingress.allow-http": "false",
      },
      hosts: ["grafana.example.com"],
      path: "/",
      pathType: "Prefix",
      tls: [{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }],
    });
    const backendConfig = findResource(
      plan,
      "kubernetes:cloud.google.com/v1:BackendConfig",
      "mon-backend-config",
    );
    expect(inputAt(backendConfig, "metadata.name")).toBe("monitoring-grafana");
    expect(inputAt(backendConfig, "spec")).toEqual({
      timeoutSec: 60,
      healthCheck: { type: "HTTP", requestPath: "/api/health", port: 3000 },
    });
    expect(g["service"]).toEqual({
      type: "ClusterIP",
      annotations: {
        "cloud.google.com/neg": '{"ingress":true}',
        "cloud.google.com/backend-config": '{"default":"monitoring-grafana"}',
      },
    });
    const firewall = findResource(plan, "gcp:compute/firewall:Firewall", "mon-lb-proxy-firewall");
    expect(inputAt(firewall, "sourceRanges")).toEqual(["10.129.0.0/23"]);
    expect(inputAt(firewall, "allows")).toEqual([{ protocol: "tcp", ports: ["3000"] }]);
    expect(inputAt(grafanaPolicy(plan), "spec.ingress")).toEqual([
      {
        from: [
          { ipBlock: { cidr: "130.211.0.0/22" } },
          { ipBlock: { cidr: "35.191.0.0/16" } },
          { ipBlock: { cidr: "10.129.0.0/23" } },
        ],
        ports: [{ protocol: "TCP", port: 3000 }],
      },
    ]);
    const release = findResource(plan, RELEASE, "mon");
    expect(release.dependencies).toEqual(expect.arrayContaining([backendConfig.urn, firewall.urn]));
  });

  it("local: ingress-nginx, HTTPS-only redirects plus the caller's annotations, the controller's namespace admitted", async () => {
    const plan = await monitoringPlan({
      target: "local",
      grafana: {
        ingress: {
          enabled: true,
          host: "grafana.example.com",
          tlsSecretName: "grafana-tls",
          controllerNamespace: "ingress",
          annotations: { "cert-manager.io/cluster-issuer": "internal-ca" },
        },
      },
    });
    const g = grafanaValues(plan);
    expect(g["ingress"]).toEqual({
      enabled: true,
      ingressClassName: "nginx",
      annotations: {
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
        "cert-manager.io/cluster-issuer": "internal-ca",
      },
      hosts: ["grafana.example.com"],
      path: "/",
      pathType: "Prefix",
      tls: [{ hosts: ["grafana.example.com"], secretName: "grafana-tls" }],
    });
    expect(g["service"]).toEqual({ type: "ClusterIP" });
    expect(inputAt(grafanaPolicy(plan), "spec.ingress")).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } } }],
        ports: [{ protocol: "TCP", port: 3000 }],
      },
    ]);
  });

  it("explicit sourceCidrs replace the load balancer's ranges", async () => {
    const plan = await monitoringPlan({
      target: "aws",
      grafana: {
        ingress: {
          enabled: true,
          host: "grafana.example.com",
          certificateArn: CERT_ARN,
          sourceCidrs: ["10.0.8.0/24"],
        },
      },
    });
    expect(inputAt(grafanaPolicy(plan), "spec.ingress[0].from")).toEqual([
      { ipBlock: { cidr: "10.0.8.0/24" } },
    ]);
  });
});

describe("Grafana's Ingress: bad input under args.grafana.ingress", () => {
  it("aws: the ALB needs certificateArn and takes no tlsSecretName or controllerNamespace; host required", async () => {
    const message = await failure({
      target: "aws",
      grafana: { ingress: { enabled: true, tlsSecretName: "grafana-tls", controllerNamespace: "ingress" } },
    });
    expect(message).toContain("args.grafana.ingress.host: required when the Ingress is enabled");
    expect(message).toContain(
      'args.grafana.ingress.certificateArn: required for IngressClass "alb" (its only listener is HTTPS)',
    );
    expect(message).toContain(
      'args.grafana.ingress.tlsSecretName: not used by IngressClass "alb" (TLS comes from certificateArn); remove it',
    );
    expect(message).toContain(
      'args.grafana.ingress.controllerNamespace: not used by IngressClass "alb" (its load balancer reaches pod IPs directly); remove it',
    );
  });

  it("gcp: gce-internal needs tlsSecretName; a certificateArn is refused; another target's class is refused", async () => {
    expect(
      await failure({
        target: "gcp",
        grafana: { ingress: { enabled: true, host: "grafana.example.com", certificateArn: CERT_ARN } },
      }),
    ).toContain(
      "args.grafana.ingress.tlsSecretName: required when the Ingress is enabled (credentials never travel in clear text)",
    );
    expect(
      await failure({
        target: "gcp",
        grafana: {
          ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "t", className: "alb" },
        },
      }),
    ).toContain('args.grafana.ingress.className: "alb" is served only on target "aws", not on "gcp"');
  });

  it("HTTPS-only annotations, a bad host, and an Ingress on a disabled Grafana are refused", async () => {
    const message = await failure({
      target: "local",
      grafana: {
        ingress: {
          enabled: true,
          host: "grafana.example.com",
          tlsSecretName: "grafana-tls",
          annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "false" },
        },
      },
    });
    expect(message).toContain(
      "args.grafana.ingress.annotations.nginx.ingress.kubernetes.io/ssl-redirect: is set by the component to keep the Ingress HTTPS-only (no credentials in clear text); remove it",
    );
    expect(await failure({ grafana: { ingress: { enabled: true, host: "Grafana" } } })).toContain(
      'args.grafana.ingress.host: must be a fully qualified host name such as "grafana.example.com"',
    );
    expect(
      await failure({
        grafana: {
          enabled: false,
          ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "t" },
        },
      }),
    ).toContain("args.grafana.ingress.enabled: Grafana is off (grafana.enabled is false)");
  });

  it("gcp without the proxy-only subnet: the adapter's error names the argument", async () => {
    const { proxyOnlySubnetCidr: _omitted, ...withoutProxySubnet } = gcp;
    const message = await failure({
      target: "gcp",
      gcp: withoutProxySubnet,
      grafana: { ingress: { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" } },
    });
    expect(message).toContain('args.gcp.proxyOnlySubnetCidr: required for IngressClass "gce-internal"');
  });

  it("users configure the Ingress through args, never raw values: grafana.ingress stays protected", async () => {
    expect(
      await failure({ values: { grafana: { ingress: { enabled: true, hosts: ["grafana.example.com"] } } } }),
    ).toContain("args.values.grafana.ingress: is set by the component");
  });
});

describe("Grafana's Ingress and the policy pack", () => {
  for (const [target, ingress] of [
    ["aws", { enabled: true, host: "grafana.example.com", certificateArn: CERT_ARN }],
    ["gcp", { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" }],
    ["local", { enabled: true, host: "grafana.example.com", tlsSecretName: "grafana-tls" }],
  ] as const) {
    it(`${target}: zero mandatory violations; Grafana (its own login) is not flagged as Prometheus/Alertmanager exposure`, async () => {
      const plan = await runPlan({
        project: "mlops",
        stack: "test",
        config: { ...config, "mlops:environment": "prod" },
        program: program({
          target,
          environment: "prod",
          tags: { owner: "ml-platform", "cost-center": "cc-1", "data-classification": "internal" },
          grafana: { ingress },
        }),
      });
      const names = plan.policyViolations.map((v) => v.policyName);
      expect(plan.policyViolations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
      expect(names).not.toContain("k8s-prometheus-alertmanager-exposed-without-auth");
      expect(names).not.toContain("k8s-grafana-anonymous-or-default-password");
    });
  }
});
