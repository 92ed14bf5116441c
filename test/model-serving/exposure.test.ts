/**
 * ModelServing exposure (issue 11): cluster-internal by default (every InferenceService labelled
 * cluster-local); when enabled, through the platform's ingress with TLS and authentication — the
 * AWS internal ALB with OIDC, GKE's internal Application Load Balancer with IAP, ingress-nginx with
 * external auth — and the policy `k8s-serving-exposure-tls-auth` passing on each planned variant
 * and failing once its authentication is removed.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { type GcpTargetArgs, type ModelArgs, type ModelExposureArgs, type Target } from "../../components";
import { createAdapter, type LoadBalancerIngressArgs } from "../../components/adapters";
import { ALB_CONTROLLER, albOidcAnnotations } from "../../components/adapters/aws";
import { resolveModelServingArgs } from "../../components/model-serving";
import {
  LOAD_BALANCER_CONTROLLER_NAMESPACE,
  LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
} from "../../components/training-cluster/aws";
import type { PlanResource } from "../../plan/types";
import { ruleByName } from "../../policies/catalog";
import { runPoliciesDetailed } from "../../policies/offline";
import { findResource, inputAt, planOf, resourcesOfType, type Plan } from "../helpers";
import { aws, gcp, ISVC, RECOMMENDER, servingChildren, servingPlan as fixturePlan } from "./fixtures";
import { inferenceServiceSchemaErrors } from "./schema";

const gcpWithProxy: GcpTargetArgs = { ...gcp, proxyOnlySubnetCidr: "10.129.0.0/23" };

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const BACKEND_CONFIG = "kubernetes:cloud.google.com/v1:BackendConfig";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RULE = "k8s-serving-exposure-tls-auth";
const CERT_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";

const OIDC = {
  issuer: "https://login.example.com",
  authorizationEndpoint: "https://login.example.com/oauth2/authorize",
  tokenEndpoint: "https://login.example.com/oauth2/token",
  userInfoEndpoint: "https://login.example.com/oauth2/userinfo",
  secretName: "recommender-oidc",
};

/** The component's children as `type name` (the platform's left out). */

/** The component serving `models` on a `target` cluster (gcp: with its proxy-only subnet). */
function servingPlan(target: Target, models: ModelArgs[]): Promise<Plan> {
  return fixturePlan({ target, models, gcpTarget: gcpWithProxy });
}

/** The rule's violations on a plan's resources (optionally edited). */
function violations(resources: PlanResource[]): string[] {
  const rule = ruleByName(RULE);
  if (!rule) throw new Error(`unknown rule ${RULE}`);
  return runPoliciesDetailed(
    { stack: "test", project: "mlops", resources },
    { environment: "prod" },
    { rules: [rule] },
  ).violations.map((v) => v.message.split("\n").pop() ?? "");
}

/** The plan's resources with one resource's inputs (and outputs, which stack rules read) edited. */
function edited(plan: Plan, type: string, name: string, edit: (props: Record<string, unknown>) => void) {
  return plan.resources.map((r) => {
    if (r.type !== type || r.name !== name) return r;
    const inputs = structuredClone(r.inputs);
    edit(inputs);
    const outputs = r.outputs ? structuredClone(r.outputs) : undefined;
    if (outputs) edit(outputs);
    return { ...r, inputs, ...(outputs ? { outputs } : {}) };
  });
}

function exposed(exposure: ModelExposureArgs, name = "recommender"): ModelArgs {
  return { ...RECOMMENDER, name, exposure: { enabled: true, host: `${name}.example.com`, ...exposure } };
}

const PATHS = [
  {
    path: "/",
    pathType: "Prefix",
    backend: { service: { name: "recommender-predictor", port: { number: 80 } } },
  },
];

describe("ModelServing exposure: cluster-internal by default", () => {
  it("every InferenceService is labelled cluster-local, and without exposure there is no Ingress", async () => {
    const plan = await servingPlan("aws", [RECOMMENDER]);
    const isvc = findResource(plan, ISVC, "serving-recommender");
    expect(inputAt(isvc, "metadata.labels")).toMatchObject({
      "networking.kserve.io/visibility": "cluster-local",
    });
    expect(inferenceServiceSchemaErrors(isvc.inputs)).toEqual([]);
    expect(resourcesOfType(plan, INGRESS)).toEqual([]);
    expect(violations(plan.resources)).toEqual([]);
    // The label holds where the KServe install is not this stack's (installPlatform: false, or a
    // platform's config that creates Ingresses): there, without it, the rule reports the model.
    const withoutCharts = (resources: PlanResource[]) =>
      resources.filter((r) => !r.type.startsWith("kubernetes:helm.sh/"));
    expect(violations(withoutCharts(plan.resources))).toEqual([]);
    const unlabelled = withoutCharts(
      edited(plan, ISVC, "serving-recommender", (inputs) => {
        delete (inputs["metadata"] as { labels: Record<string, string> }).labels[
          "networking.kserve.io/visibility"
        ];
      }),
    );
    expect(violations(unlabelled)).toEqual([
      "InferenceService 'serving/recommender' is not labelled networking.kserve.io/visibility: cluster-local: KServe creates an Ingress for it with no TLS and no authentication (copying its annotations).",
    ]);
  });
});

describe("ModelServing exposure: aws internal ALB with OpenID Connect", () => {
  const model = exposed({
    certificateArn: CERT_ARN,
    authentication: { kind: "oidc", oidc: { ...OIDC, scope: "openid email" } },
  });

  it("plans the Ingress with the ALB's HTTPS-only and OIDC annotations, and the controller's read grant on the one Secret", async () => {
    const plan = await servingPlan("aws", [model]);
    const ingress = findResource(plan, INGRESS, "serving-recommender-ingress");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "alb.ingress.kubernetes.io/scheme": "internal",
      "alb.ingress.kubernetes.io/target-type": "ip",
      "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
      "alb.ingress.kubernetes.io/certificate-arn": CERT_ARN,
      "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
      "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
      "alb.ingress.kubernetes.io/healthcheck-path": "/v2/health/ready",
      "alb.ingress.kubernetes.io/success-codes": "200",
      "alb.ingress.kubernetes.io/load-balancer-attributes":
        "idle_timeout.timeout_seconds=60,routing.http.drop_invalid_header_fields.enabled=true",
      "alb.ingress.kubernetes.io/auth-type": "oidc",
      "alb.ingress.kubernetes.io/auth-idp-oidc": JSON.stringify({
        issuer: "https://login.example.com",
        authorizationEndpoint: "https://login.example.com/oauth2/authorize",
        tokenEndpoint: "https://login.example.com/oauth2/token",
        userInfoEndpoint: "https://login.example.com/oauth2/userinfo",
        secretName: "recommender-oidc",
      }),
      "alb.ingress.kubernetes.io/auth-scope": "openid email",
      "alb.ingress.kubernetes.io/auth-on-unauthenticated-request": "authenticate",
      "alb.ingress.kubernetes.io/auth-session-timeout": "3600",
    });
    expect(inputAt(ingress, "spec")).toEqual({
      ingressClassName: "alb",
      tls: [{ hosts: ["recommender.example.com"] }],
      rules: [{ host: "recommender.example.com", http: { paths: PATHS } }],
    });
    const role = findResource(
      plan,
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "serving-recommender-oidc-secret-role",
    );
    expect(inputAt(role, "metadata.name")).toBe("recommender-alb-oidc-secret-reader");
    expect(inputAt(role, "metadata.namespace")).toBe("serving");
    expect(inputAt(role, "rules")).toEqual([
      {
        apiGroups: [""],
        resources: ["secrets"],
        resourceNames: ["recommender-oidc"],
        verbs: ["get", "list", "watch"],
      },
    ]);
    const binding = findResource(
      plan,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      "serving-recommender-oidc-secret-role-binding",
    );
    expect(inputAt(binding, "roleRef")).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "recommender-alb-oidc-secret-reader",
    });
    expect(inputAt(binding, "subjects")).toEqual([
      {
        kind: "ServiceAccount",
        name: "aws-load-balancer-controller",
        namespace: "aws-load-balancer-controller",
      },
    ]);
    // The Ingress waits for the controller's grant (else the first reconcile fails on the Secret).
    expect(ingress.dependencies).toEqual(expect.arrayContaining([role.urn, binding.urn]));
    // The ALB reaches pod IPs from the VPC.
    const np = findResource(plan, NETWORK_POLICY, "serving-recommender-network-policy");
    expect(inputAt(np, "spec.ingress[1]")).toEqual({
      from: [{ ipBlock: { cidr: "10.0.0.0/16" } }],
      ports: [{ protocol: "TCP", port: 8080 }],
    });
    expect(servingChildren(plan)).toEqual(
      expect.arrayContaining([
        `${INGRESS} serving-recommender-ingress`,
        "kubernetes:rbac.authorization.k8s.io/v1:Role serving-recommender-oidc-secret-role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding serving-recommender-oidc-secret-role-binding",
      ]),
    );
  });

  it("the policy passes, and fails once the OIDC authentication is removed or lets anonymous requests through", async () => {
    const plan = await servingPlan("aws", [model]);
    expect(violations(plan.resources)).toEqual([]);
    const to = "Ingress 'serving-recommender-ingress' routes to serving workload 'recommender-predictor' but";
    const noAuth = edited(plan, INGRESS, "serving-recommender-ingress", (inputs) => {
      const a = (inputs["metadata"] as { annotations: Record<string, string> }).annotations;
      for (const k of Object.keys(a)) if (k.includes("/auth-")) delete a[k];
    });
    expect(violations(noAuth)).toEqual([
      expect.stringMatching(new RegExp(`^${to} has no authentication \\(`)),
    ]);
    const allow = edited(plan, INGRESS, "serving-recommender-ingress", (inputs) => {
      const a = (inputs["metadata"] as { annotations: Record<string, string> }).annotations;
      a["alb.ingress.kubernetes.io/auth-on-unauthenticated-request"] = "allow";
    });
    expect(violations(allow)).toEqual([
      `${to} lets unauthenticated requests through (alb.ingress.kubernetes.io/auth-on-unauthenticated-request: allow; use authenticate or deny).`,
    ]);
  });

  it("the adapter's OIDC annotations and controller location match the cluster component's", () => {
    expect(ALB_CONTROLLER).toEqual({
      namespace: LOAD_BALANCER_CONTROLLER_NAMESPACE,
      serviceAccount: LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
    });
    expect(
      albOidcAnnotations({
        ...OIDC,
        scope: "openid",
        onUnauthenticatedRequest: "deny",
        sessionTimeoutSeconds: 600,
      })["alb.ingress.kubernetes.io/auth-on-unauthenticated-request"],
    ).toBe("deny");
  });
});

describe("ModelServing exposure: gcp internal Application Load Balancer with IAP", () => {
  const model = (name = "recommender") =>
    exposed(
      { tlsSecretName: `${name}-tls`, authentication: { iap: { secretName: "iap-oauth-client" } } },
      name,
    );

  it("plans a BackendConfig with IAP, the Service annotations on the InferenceService, and an HTTPS-only gce-internal Ingress", async () => {
    const plan = await servingPlan("gcp", [model()]);
    const bc = findResource(plan, BACKEND_CONFIG, "serving-recommender-backend-config");
    expect(bc.inputs).toMatchObject({
      apiVersion: "cloud.google.com/v1",
      kind: "BackendConfig",
      metadata: { name: "recommender-predictor", namespace: "serving" },
    });
    expect(inputAt(bc, "spec")).toEqual({
      timeoutSec: 60,
      healthCheck: { type: "HTTP", requestPath: "/v2/health/ready", port: 8080 },
      iap: { enabled: true, oauthclientCredentials: { secretName: "iap-oauth-client" } },
    });
    const isvc = findResource(plan, ISVC, "serving-recommender");
    expect(inputAt(isvc, "metadata.annotations")).toEqual({
      "serving.kserve.io/deploymentMode": "Standard",
      "serving.kserve.io/autoscalerClass": "hpa",
      "mlops.pulumi.com/model-version": "3",
      "cloud.google.com/neg": '{"ingress":true}',
      "cloud.google.com/backend-config": '{"default":"recommender-predictor"}',
    });
    expect(inputAt(isvc, "metadata.labels")).toMatchObject({
      "networking.kserve.io/visibility": "cluster-local",
    });
    expect(inferenceServiceSchemaErrors(isvc.inputs)).toEqual([]);
    expect(isvc.dependencies).toContain(bc.urn);
    const ingress = findResource(plan, INGRESS, "serving-recommender-ingress");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "kubernetes.io/ingress.class": "gce-internal",
      "kubernetes.io/ingress.allow-http": "false",
    });
    expect(inputAt(ingress, "spec")).toEqual({
      tls: [{ hosts: ["recommender.example.com"], secretName: "recommender-tls" }],
      rules: [{ host: "recommender.example.com", http: { paths: PATHS } }],
    });
    const fw = findResource(plan, "gcp:compute/firewall:Firewall", "serving-recommender-lb-proxy-firewall");
    expect(inputAt(fw, "sourceRanges")).toEqual(["10.129.0.0/23"]);
    expect(inputAt(fw, "allows")).toEqual([{ protocol: "tcp", ports: ["8080"] }]);
  });

  it("the policy passes, and fails once IAP is off or the backend no longer names the BackendConfig", async () => {
    const plan = await servingPlan("gcp", [model()]);
    expect(violations(plan.resources)).toEqual([]);
    const fail = [
      expect.stringMatching(
        /^Ingress 'serving-recommender-ingress' routes to serving workload 'recommender-predictor' but has no authentication \(/,
      ),
    ];
    const iapOff = edited(plan, BACKEND_CONFIG, "serving-recommender-backend-config", (inputs) => {
      delete (inputs["spec"] as Record<string, unknown>)["iap"];
    });
    expect(violations(iapOff)).toEqual(fail);
    const unreferenced = edited(plan, ISVC, "serving-recommender", (inputs) => {
      delete (inputs["metadata"] as { annotations: Record<string, string> }).annotations[
        "cloud.google.com/backend-config"
      ];
    });
    expect(violations(unreferenced)).toEqual(fail);
  });

  it("two exposed models get their own companion objects (no name clash)", async () => {
    const plan = await servingPlan("gcp", [model("recommender"), model("ranker")]);
    expect(
      resourcesOfType(plan, BACKEND_CONFIG)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["serving-ranker-backend-config", "serving-recommender-backend-config"]);
    expect(
      resourcesOfType(plan, "gcp:compute/firewall:Firewall")
        .map((r) => r.name)
        .filter((n) => n.startsWith("serving-"))
        .sort(),
    ).toEqual(["serving-ranker-lb-proxy-firewall", "serving-recommender-lb-proxy-firewall"]);
    expect(violations(plan.resources)).toEqual([]);
  });
});

describe("ModelServing exposure: bring-your-own ingress-nginx with external authentication", () => {
  it("plans auth-url and auth-signin, passes the policy, and fails it without them", async () => {
    const plan = await servingPlan("local", [
      exposed({
        tlsSecretName: "recommender-tls",
        authentication: {
          kind: "externalAuth",
          externalAuth: {
            url: "https://auth.example.com/oauth2/auth",
            signinUrl: "https://auth.example.com/oauth2/start",
          },
        },
      }),
    ]);
    const ingress = findResource(plan, INGRESS, "serving-recommender-ingress");
    expect(inputAt(ingress, "metadata.annotations")).toEqual({
      "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/force-ssl-redirect": "true",
      "nginx.ingress.kubernetes.io/auth-url": "https://auth.example.com/oauth2/auth",
      "nginx.ingress.kubernetes.io/auth-signin": "https://auth.example.com/oauth2/start",
    });
    expect(inputAt(ingress, "spec.ingressClassName")).toBe("nginx");
    expect(violations(plan.resources)).toEqual([]);
    const noAuth = edited(plan, INGRESS, "serving-recommender-ingress", (inputs) => {
      const a = (inputs["metadata"] as { annotations: Record<string, string> }).annotations;
      delete a["nginx.ingress.kubernetes.io/auth-url"];
    });
    expect(violations(noAuth)).toHaveLength(1);
  });
});

describe("ModelServing exposure: bad arguments are named with their path", () => {
  const resolve = (target: Target, exposure: Record<string, unknown>) =>
    resolveModelServingArgs(
      {
        models: [
          { ...RECOMMENDER, exposure: { enabled: true, host: "recommender.example.com", ...exposure } },
        ],
      },
      undefined,
      { target, environment: "dev", gpuPools: [], monitoring: undefined },
    ).problems.map((p) => `${p.path.join(".")}: ${p.message}`);
  const at = "models.0.exposure.authentication";

  it.each<[string, Target, Record<string, unknown>, string[]]>([
    [
      "no authentication",
      "aws",
      { certificateArn: CERT_ARN },
      [`${at}: required when exposure is enabled: an endpoint is never exposed without authentication`],
    ],
    [
      "IAP on the ALB",
      "aws",
      { certificateArn: CERT_ARN, authentication: { kind: "iap", iap: { secretName: "iap" } } },
      [`${at}.kind: "iap" is not what IngressClass "alb" authenticates with (it offers "oidc")`],
    ],
    [
      "OIDC on GKE",
      "gcp",
      { tlsSecretName: "tls", authentication: { kind: "oidc", oidc: OIDC } },
      [`${at}.kind: "oidc" is not what IngressClass "gce-internal" authenticates with (it offers "iap")`],
    ],
    [
      "external auth on a class that would ignore ingress-nginx's annotations",
      "local",
      {
        className: "traefik",
        tlsSecretName: "tls",
        authentication: { externalAuth: { url: "https://auth.example.com/oauth2/auth" } },
      },
      [
        `${at}.kind: "externalAuth" is configured only for IngressClass "nginx" (ingress-nginx auth-url); "traefik" would ignore it and serve anonymously`,
      ],
    ],
    [
      "the kind's settings missing, another kind's given",
      "aws",
      { certificateArn: CERT_ARN, authentication: { iap: { secretName: "iap" } } },
      [`${at}.oidc: required for kind "oidc"`, `${at}.iap: not used by kind "oidc"; remove it`],
    ],
    [
      "an issuer over plain http",
      "aws",
      { certificateArn: CERT_ARN, authentication: { oidc: { ...OIDC, issuer: "http://login.example.com" } } },
      [`${at}.oidc.issuer: must be an https:// URL`],
    ],
    [
      "letting unauthenticated requests through",
      "aws",
      { certificateArn: CERT_ARN, authentication: { oidc: { ...OIDC, onUnauthenticatedRequest: "allow" } } },
      [`${at}.oidc.onUnauthenticatedRequest: must be one of "authenticate", "deny"`],
    ],
    [
      "an inline client secret instead of a Secret reference",
      "gcp",
      { tlsSecretName: "tls", authentication: { iap: { secretName: "iap", clientSecret: "s3cr3t" } } },
      [`${at}.iap.clientSecret: unknown key; remove it or check the spelling`],
    ],
  ])("%s", (_what, target, exposure, expected) => {
    expect(resolve(target, exposure)).toEqual(expected);
  });

  it("the component reports them in its ResourceError", async () => {
    await expect(servingPlan("aws", [exposed({ certificateArn: CERT_ARN })])).rejects.toThrow(
      "args.models[0].exposure.authentication: required when exposure is enabled",
    );
  });
});

describe("the adapter seam: a load balancer performs only its own authentication", () => {
  class Host extends pulumi.ComponentResource {
    constructor(name: string) {
      super("test:index:Host", name, {});
    }
  }
  const LB: Omit<LoadBalancerIngressArgs, "className"> = {
    serviceName: "m-predictor",
    port: 8080,
    healthCheckPath: "/v2/health/ready",
    requestTimeoutSeconds: 60,
    idleTimeoutSeconds: 60,
    certificateArn: CERT_ARN,
    labels: {},
  };
  const OIDC_RESOLVED = {
    ...OIDC,
    scope: "openid",
    onUnauthenticatedRequest: "deny",
    sessionTimeoutSeconds: 60,
  } as const;

  it("aws confirms oidc and refuses iap; gcp confirms iap and refuses oidc; neither authenticates unasked", async () => {
    const seen: Record<string, unknown> = {};
    await planOf(
      () => {
        const parent = new Host("h");
        const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
        const ctx = {
          parent,
          name: "h",
          k8sProvider,
          namespace: "serving",
          tags: {},
          protect: false,
          dependsOn: [],
        };
        const onAws = createAdapter("aws", ctx, { aws }).ingress;
        const onGcp = createAdapter("gcp", ctx, { gcp: gcpWithProxy }).ingress;
        seen["awsOidc"] = onAws.loadBalancer({
          ...LB,
          className: "alb",
          role: "a",
          authentication: { kind: "oidc", oidc: OIDC_RESOLVED },
        })?.authentication;
        seen["awsNone"] =
          onAws.loadBalancer({ ...LB, className: "alb", role: "b" })?.authentication ?? "none";
        seen["gcpIap"] = onGcp.loadBalancer({
          ...LB,
          className: "gce-internal",
          role: "c",
          authentication: { kind: "iap", iap: { secretName: "iap" } },
        })?.authentication;
        const refused = (f: () => unknown) => {
          try {
            f();
            return "accepted";
          } catch (err) {
            return (err as Error).message;
          }
        };
        seen["awsIap"] = refused(() =>
          onAws.loadBalancer({
            ...LB,
            className: "alb",
            role: "d",
            authentication: { kind: "iap", iap: { secretName: "iap" } },
          }),
        );
        seen["gcpOidc"] = refused(() =>
          onGcp.loadBalancer({
            ...LB,
            className: "gce",
            role: "e",
            authentication: { kind: "oidc", oidc: OIDC_RESOLVED },
          }),
        );
      },
      { config: { "aws:region": "us-east-1", "gcp:project": "acme-ml", "gcp:region": "europe-west4" } },
    );
    expect(seen).toEqual({
      awsOidc: "oidc",
      awsNone: "none",
      gcpIap: "iap",
      awsIap:
        'ingress.authentication.kind: IngressClass "alb" authenticates with "oidc" (and its settings), not "iap"',
      gcpOidc:
        'ingress.authentication.kind: IngressClass "gce" authenticates with "iap" (and its settings), not "oidc"',
    });
  });
});
