/**
 * Worker for `scripts/dt_fuzz_dts.ts`: compiles the inputs it is sent and answers with the
 * outcome ("ok", "input-error" or "crash" with the stack).
 *
 * @module
 */

import { fuzzOne, fuzzOptions } from "../tests/dt_fuzz.ts";

const opts = fuzzOptions();

const self_ = globalThis as unknown as {
  onmessage: ((e: MessageEvent<{ id: number; input: Uint8Array }>) => void) | null;
  postMessage(m: unknown): void;
};
self_.onmessage = (e: MessageEvent<{ id: number; input: Uint8Array }>) => {
  const { id, input } = e.data;
  const t0 = performance.now();
  try {
    const outcome = fuzzOne(input, opts);
    self_.postMessage({ id, outcome, ms: performance.now() - t0 });
  } catch (err) {
    self_.postMessage({
      id,
      outcome: "crash",
      ms: performance.now() - t0,
      stack: (err as Error).stack,
    });
  }
};
