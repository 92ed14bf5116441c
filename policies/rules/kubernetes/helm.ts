/**
 * Reading Helm charts from a plan: which chart a `helm.v3.Release`, `helm.v4.Chart` or
 * `helm.v3.Chart` installs, its release name and its values, and Go-template truthiness (how the
 * chart's templates read those values).
 */
import * as k8s from "@pulumi/kubernetes";
import { classPulumiType } from "../types";
import { rec, str } from "../util";

/** `kubernetes:helm.sh/v3:Release`. */
export const HELM_RELEASE = classPulumiType(k8s.helm.v3.Release);
/** `kubernetes:helm.sh/v4:Chart`. */
export const HELM_V4_CHART = classPulumiType(k8s.helm.v4.Chart);
/** `kubernetes:helm.sh/v3:Chart`. */
export const HELM_V3_CHART = classPulumiType(k8s.helm.v3.Chart);
/** The three ways a Pulumi program installs a chart. */
export const HELM_TYPES: readonly string[] = [HELM_RELEASE, HELM_V4_CHART, HELM_V3_CHART];

/** A chart installation as the rules see it. */
export interface HelmInstall {
  /** The chart's name without repository, OCI registry, path or `.tgz` (e.g. `kube-prometheus-stack`). */
  chart: string;
  /** The chart version as given, if known. */
  version: string | undefined;
  /**
   * The Helm release name (what `.Release.Name` renders). A `helm.v3.Release` without `name` gets
   * an auto-generated one (undefined here until the engine knows it); both Chart kinds default to
   * the resource name.
   */
  releaseName: string | undefined;
  /** The release namespace, if given (the provider's default namespace otherwise). */
  namespace: string | undefined;
  /** The values passed inline (`values`); `valueYamlFiles` / `valueFiles` are not readable here. */
  values: Record<string, unknown>;
  /** `Release` or `Chart`, for messages. */
  kind: "Release" | "Chart";
}

/**
 * The chart name in a chart reference: `kube-prometheus-stack`, `prometheus-community/kube-prometheus-stack`,
 * `oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack`, `./charts/grafana` or
 * `grafana-10.1.0.tgz` all name their last path segment (a packaged chart's version suffix removed).
 */
export function chartBaseName(reference: string): string {
  const last = reference.replace(/\/+$/, "").split("/").pop() ?? reference;
  return last.endsWith(".tgz")
    ? last.slice(0, -4).replace(/-v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, "")
    : last;
}

/** The chart a Helm resource installs, or undefined for other types (or when it names no chart). */
export function helmInstallOf(type: string, props: unknown, resourceName: string): HelmInstall | undefined {
  if (!HELM_TYPES.includes(type)) return undefined;
  const p = rec(props) ?? {};
  // A helm.v3.Chart from a local directory names it in `path` instead of `chart`.
  const reference = str(p.chart) ?? (type === HELM_V3_CHART ? str(p.path) : undefined);
  if (reference === undefined) return undefined;
  return {
    chart: chartBaseName(reference),
    version: str(p.version),
    releaseName:
      type === HELM_RELEASE
        ? str(p.name)
        : type === HELM_V4_CHART
          ? (str(p.name) ?? resourceName)
          : resourceName,
    namespace: str(p.namespace),
    values: rec(p.values) ?? {},
    kind: type === HELM_RELEASE ? "Release" : "Chart",
  };
}

/**
 * Go template truthiness (`{{ if .Values.x }}`): false, 0, "", nil and empty maps and lists are
 * false, anything else (including the string "false") is true.
 */
export function goTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/**
 * A boolean value with a chart default: the default when the key is absent; `null` removes the key
 * from Helm's merged values (so the template sees nil, false); otherwise Go truthiness.
 */
export function helmFlag(v: unknown, chartDefault: boolean): boolean {
  if (v === undefined) return chartDefault;
  return goTruthy(v);
}
