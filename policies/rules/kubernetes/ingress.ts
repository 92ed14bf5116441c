/** Reading a `networking.k8s.io/v1` Ingress's spec as the rules see it. */
import { dig, num, recs, str } from "../util";

/** A Service an Ingress routes to; `port` undefined when it is given by name. */
export interface IngressBackend {
  name: string;
  port: number | undefined;
}

/** The Services an Ingress's `defaultBackend` and rule paths route to, in spec order. */
export function ingressBackends(spec: Record<string, unknown>): IngressBackend[] {
  const services = [
    dig(spec, "defaultBackend", "service"),
    ...recs(spec.rules).flatMap((r) =>
      recs(dig(r, "http", "paths")).map((p) => dig(p, "backend", "service")),
    ),
  ];
  return services.flatMap((s) => {
    const name = str(dig(s, "name"));
    return name === undefined ? [] : [{ name, port: num(dig(s, "port", "number")) }];
  });
}
