// Bounded fuzzing (long mode: deno run -A scripts/fuzz_run.ts, 100 000 inputs per target). Each
// target runs in Workers with a per-input time bound: every input must end in output or one
// clean InputError — no other exception, no hang, no isolation invariant broken (checked after
// every hypercall), no refused hypercall that changed state. The DTB reader's own bounded fuzz
// is tests/dtb_fuzz_test.ts (dt-back); the boot target feeds mutated DTBs through everything.
import { deepStrictEqual, ok } from "node:assert/strict";
import { runFuzz } from "../scripts/fuzz_runner.ts";
import { cppProgram, mutateText, Rng, sources, TARGETS } from "../scripts/fuzz_targets.ts";

/** Per-input bound: generous (a loaded 2-core CI machine), far below "hangs forever". */
const TIMEOUT_MS = 30_000;

async function bounded(target: string, count: number, start: number) {
  const r = await runFuzz(target, start, count, { timeoutMs: TIMEOUT_MS, jobs: 2, chunk: 50 });
  deepStrictEqual(r.defects, [], `${target}: defects`);
  deepStrictEqual(r.hangs, [], `${target}: hangs`);
  return r;
}

Deno.test("fuzz cpp: 1500 mutated board sources and random macro programs end in text or an InputError", async () => {
  const r = await bounded("cpp", 1500, 1);
  ok((r.outcomes.output ?? 0) > 300 && (r.outcomes.error ?? 0) > 100, JSON.stringify(r.outcomes));
});

Deno.test("fuzz dts: 1500 mutated DTS sources compile (and write/read back identically) or end in an InputError", async () => {
  const r = await bounded("dts", 1500, 1);
  ok((r.outcomes.output ?? 0) > 20 && (r.outcomes.error ?? 0) > 500, JSON.stringify(r.outcomes));
});

Deno.test("fuzz boot: 60 mutated golden/real-board trees boot clean, fault explained, or fail with one line", async () => {
  const r = await bounded("boot", 60, 1);
  ok((r.outcomes.clean ?? 0) > 0 && (r.outcomes.error ?? 0) > 0, JSON.stringify(r.outcomes));
});

Deno.test("fuzz hypercall: 40 sequences of 10 random hypercalls keep the isolation invariants after every call", async () => {
  const r = await bounded("hypercall", 40, 1);
  ok(r.inputs === 40, JSON.stringify(r));
});

Deno.test("fuzz targets are deterministic: the same seed gives the same input and outcome", () => {
  const pool = sources();
  deepStrictEqual(
    mutateText(new Rng(7), pool[0], ["x"], pool),
    mutateText(new Rng(7), pool[0], ["x"], pool),
  );
  deepStrictEqual(cppProgram(new Rng(9)), cppProgram(new Rng(9)));
  for (const t of ["cpp", "dts", "boot"]) {
    deepStrictEqual(TARGETS[t].run(3), TARGETS[t].run(3), t);
  }
});

Deno.test("runFuzz() reports an input that overruns its time bound as a hang and goes on after it", async () => {
  // The hypercall target takes tens of milliseconds per input: a 1 ms bound makes each a hang.
  const r = await runFuzz("hypercall", 1, 2, { timeoutMs: 1, jobs: 1 });
  deepStrictEqual(r.hangs, [1, 2]);
  ok(r.inputs === 2);
});
