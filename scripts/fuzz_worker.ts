/**
 * Worker of the fuzz runner (`scripts/fuzz_runner.ts`): runs one target over a seed range and
 * posts one message per input, so the main thread can bound each input's time and terminate a
 * worker whose input hangs.
 *
 * @module
 */

import { FuzzDefect, TARGETS } from "./fuzz_targets.ts";

/** A job: run `target` on seeds [start, end). */
export interface FuzzJob {
  /** Target name. */
  target: string;
  /** First seed. */
  start: number;
  /** One past the last seed. */
  end: number;
}

/** One input's result. */
export type FuzzMessage =
  | { seed: number; outcome: string }
  | { seed: number; defect: string }
  | { done: true };

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<FuzzJob>) => void) | null;
  postMessage: (m: FuzzMessage) => void;
};

scope.onmessage = (e) => {
  const { target, start, end } = e.data;
  const t = TARGETS[target];
  for (let seed = start; seed < end; seed++) {
    try {
      scope.postMessage({ seed, outcome: t.run(seed) });
    } catch (err) {
      const x = err instanceof Error ? err : new Error(String(err));
      const where = x instanceof FuzzDefect
        ? ""
        : " at " + (x.stack ?? "").split("\n").slice(1, 4).map((l) => l.trim()).join(" < ");
      scope.postMessage({ seed, defect: `${x.name}: ${x.message.split("\n")[0]}${where}` });
    }
  }
  scope.postMessage({ done: true });
};
