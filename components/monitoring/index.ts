/**
 * Building blocks of the coming `mlops:index:Monitoring` component (issue 9): the alert-rule
 * catalogue (`rules.ts`, checked by promtool), Alertmanager routing (`alertmanager.ts`, checked
 * by amtool and a real Alertmanager), dashboards as code (`dashboards.ts`), the one scrape-target
 * helper every owning component uses (`monitors.ts`) and the batch jobs' push contract
 * (`pushgateway.ts`, checked against a real Pushgateway and Prometheus). Not exported from the
 * package until the component lands.
 */
export * from "./args";
export * from "./component";
export * from "./values";
export * from "./rules";
export * from "./alertmanager";
export * from "./dashboards";
export * from "../shared/monitors";
export * from "./pushgateway";
