/**
 * Durations in the Prometheus ecosystem's notation (Alertmanager routes, scrape intervals).
 */
/**
 * A duration as Alertmanager parses it (prometheus/common `model.ParseDuration`: units y w d h m s
 * ms, largest first, each at most once); zero is rejected by the rules (Alertmanager refuses a
 * zero `group_interval` and `repeat_interval`).
 */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Milliseconds of an Alertmanager duration, or undefined when it does not parse. */
export function durationMs(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m || value === "") return undefined;
  return DURATION_MS.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0);
}
