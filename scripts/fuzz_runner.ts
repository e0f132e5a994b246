/**
 * Runs a fuzz target over a seed range in Workers, with a time bound per input: a worker whose
 * input does not finish in time is terminated, the input recorded as a hang, and a fresh worker
 * continues after it. Used by `tests/hardening_fuzz_test.ts` (bounded counts) and
 * `scripts/fuzz_run.ts` (long mode). No printing: progress goes to a callback.
 *
 * @module
 */

import type { FuzzJob, FuzzMessage } from "./fuzz_worker.ts";

/** What a run found. */
export interface FuzzReport {
  /** Target. */
  target: string;
  /** Inputs run (including hangs). */
  inputs: number;
  /** Outcome classes and their counts. */
  outcomes: Record<string, number>;
  /** Defects: the seed and one line. */
  defects: { seed: number; message: string }[];
  /** Inputs that overran the time bound. */
  hangs: number[];
  /** Wall time in milliseconds. */
  ms: number;
}

/** Options of {@link runFuzz}. */
export interface FuzzRunOptions {
  /** Per-input time bound in milliseconds (default 20 000). */
  timeoutMs?: number;
  /** Workers (default 2). */
  jobs?: number;
  /** Seeds per work item (default 100). */
  chunk?: number;
  /** Called after every input with the running totals. */
  onProgress?: (done: number, total: number) => void;
  /** Stop early after this many defects (default: never). */
  maxDefects?: number;
}

const WORKER = new URL("./fuzz_worker.ts", import.meta.url);

/** Run `target` on seeds [start, start + count). */
export async function runFuzz(
  target: string,
  start: number,
  count: number,
  opts: FuzzRunOptions = {},
): Promise<FuzzReport> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const chunk = opts.chunk ?? 100;
  const report: FuzzReport = { target, inputs: 0, outcomes: {}, defects: [], hangs: [], ms: 0 };
  const t0 = performance.now();
  const queue: [number, number][] = [];
  for (let s = start; s < start + count; s += chunk) {
    queue.push([s, Math.min(start + count, s + chunk)]);
  }
  const stop = () => opts.maxDefects !== undefined && report.defects.length >= opts.maxDefects;

  /** One slot: a worker kept across work items, replaced only after a hang or a death. */
  class Slot {
    w: Worker | null = null;
    worker(): Worker {
      this.w ??= new Worker(WORKER, { type: "module" });
      return this.w;
    }
    kill(): void {
      this.w?.terminate();
      this.w = null;
    }
    run(range: [number, number]): Promise<void> {
      return new Promise((resolve) => {
        let next = range[0];
        let timer: ReturnType<typeof setTimeout> | undefined;
        const finish = () => {
          clearTimeout(timer);
          resolve();
        };
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            // Input `next` hangs: record it, replace the worker, go on after it.
            this.kill();
            report.hangs.push(next);
            report.inputs++;
            next++;
            if (next >= range[1] || stop()) finish();
            else send();
          }, timeoutMs);
        };
        const send = () => {
          const w = this.worker();
          w.onmessage = (e: MessageEvent<FuzzMessage>) => {
            const m = e.data;
            if ("done" in m) return finish();
            report.inputs++;
            if ("defect" in m) report.defects.push({ seed: m.seed, message: m.defect });
            else report.outcomes[m.outcome] = (report.outcomes[m.outcome] ?? 0) + 1;
            next = m.seed + 1;
            opts.onProgress?.(report.inputs, count);
            if (stop()) {
              this.kill();
              return finish();
            }
            arm();
          };
          w.onerror = (e: ErrorEvent) => {
            // The worker itself died (out of memory, say): a defect of input `next`.
            e.preventDefault();
            this.kill();
            report.defects.push({ seed: next, message: `worker died: ${e.message}` });
            report.inputs++;
            next++;
            if (next >= range[1] || stop()) finish();
            else send();
          };
          arm();
          w.postMessage({ target, start: next, end: range[1] } satisfies FuzzJob);
        };
        send();
      });
    }
  }

  const jobs = Math.max(1, opts.jobs ?? 2);
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      const slot = new Slot();
      while (queue.length > 0 && !stop()) await slot.run(queue.shift()!);
      slot.kill();
    }),
  );
  report.ms = performance.now() - t0;
  report.defects.sort((a, b) => a.seed - b.seed);
  report.hangs.sort((a, b) => a - b);
  return report;
}
