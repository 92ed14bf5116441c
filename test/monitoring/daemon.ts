/**
 * Runs a real Prometheus-family server (Pushgateway, Prometheus) for a test: on free loopback
 * ports, ready when its `/-/ready` answers 200, stopped by waiting for the process to exit (the
 * servers write to their storage on shutdown; removing the directory first races those writes).
 * A missing binary fails the test with the package to install; it never skips.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";

/** `count` distinct free TCP ports on 127.0.0.1 (all held open together, so none repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            resolve(typeof address === "object" && address ? address.port : 0);
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * Polls `check` every `intervalMs` until it returns a value (not undefined); rejects when
 * `timeoutMs` passes (with the last error `check` threw) or `signal` aborts.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (signal?.aborted) throw new Error(`stopped waiting for ${what}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: last error ${last.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface Daemon {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `command` with `args` (which must make it listen on `port`) and resolves once
 * `GET <base>/-/ready` answers 200; rejects with its output when it exits, cannot be spawned
 * (naming the Debian package `pkg`) or is not ready within `timeoutMs`.
 */
export async function startDaemon(
  command: string,
  args: string[],
  port: number,
  pkg: string,
  timeoutMs = 10_000,
): Promise<Daemon> {
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    // A failed spawn emits "error" and never "exit".
    child.once("error", () => resolve());
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const stop = async (graceMs = 10_000) => {
    if (!running()) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(killer);
  };
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (e) =>
      reject(new Error(`cannot run ${command} (${e.message}): install Debian's ${pkg} (see .ci/run)`)),
    );
    child.once("exit", (code, signal) =>
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output}`)),
    );
  });
  const abort = new AbortController();
  const ready = pollUntil(
    `${command} on ${base}/-/ready`,
    async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined),
    timeoutMs,
    100,
    abort.signal,
  );
  try {
    await Promise.race([ready, failed]);
  } catch (e) {
    abort.abort();
    await stop();
    throw e instanceof Error && e.message.startsWith("timed out") ? new Error(`${e.message}\n${output}`) : e;
  }
  // After readiness the exit rejection has no listener left; keep it from being unhandled.
  failed.catch(() => undefined);
  return { base, log: () => output, stop };
}
