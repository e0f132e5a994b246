/**
 * Long-mode fuzzing: every target (or the ones named) on 100 000 inputs each by default, in
 * Workers with a per-input time bound. Prints the outcome counts, the defects with their seeds
 * (each reproducible alone with `--seed N`), and the rate.
 *
 * Usage:
 *   deno run -A scripts/fuzz_run.ts [TARGET...] [--count N] [--start S] [--timeout MS]
 *     [--jobs N] [--seed N]
 * Targets: cpp, dts, dtb, boot, hypercall (10 hypercalls per input: 100 000 inputs are a
 * million hypercalls, each followed by the isolation check). Exit status 1 when any defect or
 * hang was found.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { TARGETS } from "./fuzz_targets.ts";
import { runFuzz } from "./fuzz_runner.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    count: { type: "string", default: "100000" },
    start: { type: "string", default: "1" },
    timeout: { type: "string", default: "20000" },
    jobs: { type: "string", default: String(Math.max(1, navigator.hardwareConcurrency || 2)) },
    seed: { type: "string" },
  },
});

const names = positionals.length > 0 ? positionals : Object.keys(TARGETS);
for (const n of names) {
  if (!TARGETS[n]) {
    console.error(`fuzz_run: unknown target '${n}'; expected ${Object.keys(TARGETS).join(", ")}`);
    Deno.exit(2);
  }
}

if (values.seed !== undefined) {
  // Reproduce one input in this process, with the full stack.
  for (const n of names) {
    console.log(`${n} seed ${values.seed}: ${TARGETS[n].run(Number(values.seed))}`);
  }
  Deno.exit(0);
}

let bad = 0;
const tty = Deno.stderr.isTerminal();
for (const n of names) {
  const count = Number(values.count);
  const r = await runFuzz(n, Number(values.start), count, {
    timeoutMs: Number(values.timeout),
    jobs: Number(values.jobs),
    onProgress: tty
      ? (done, total) => {
        if (done % 100 === 0) {
          Deno.stderr.writeSync(new TextEncoder().encode(`\r${n}: ${done}/${total}`));
        }
      }
      : undefined,
  });
  if (tty) Deno.stderr.writeSync(new TextEncoder().encode("\r" + " ".repeat(40) + "\r"));
  const rate = r.inputs / (r.ms / 1000);
  console.log(
    `${n}: ${r.inputs} inputs from seed ${values.start} in ${(r.ms / 1000).toFixed(1)} s ` +
      `(${rate.toFixed(0)} inputs/s): ${JSON.stringify(r.outcomes)}; ` +
      `${r.defects.length} defects, ${r.hangs.length} hangs`,
  );
  // Defects grouped by their message with numbers masked: count, first seed, message.
  const groups = new Map<string, { n: number; seed: number; message: string }>();
  for (const d of r.defects) {
    const k = d.message.replace(/0x[0-9a-f]+|\d+/gi, "N");
    const g = groups.get(k);
    if (g) g.n++;
    else groups.set(k, { n: 1, seed: d.seed, message: d.message });
  }
  for (const g of groups.values()) {
    console.log(`  ${g.n} defect(s), first at seed ${g.seed}: ${g.message}`);
  }
  if (r.hangs.length) console.log(`  hangs (seeds): ${r.hangs.slice(0, 20).join(", ")}`);
  bad += r.defects.length + r.hangs.length;
}
Deno.exit(bad > 0 ? 1 : 0);
