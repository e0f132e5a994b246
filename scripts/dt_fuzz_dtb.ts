// Long DTB fuzz run: deno run -A scripts/dt_fuzz_dtb.ts [COUNT=100000] [SEED=1]
// Every mutated blob must be read into a tree or refused with an InputError (and a tree must
// write, print and round-trip); prints the outcome counts and the rate.
import { fuzz, fuzzSeeds } from "../tests/dtb_mutate.ts";

const count = Number(Deno.args[0] ?? 100000);
const seed = Number(Deno.args[1] ?? 1);
const seeds = await fuzzSeeds();
const t0 = performance.now();
const s = fuzz(seeds, count, seed);
const ms = performance.now() - t0;
console.log(
  `${count} inputs (seed ${seed}): ${s.trees} trees, ${s.errors} InputErrors, 0 crashes; ` +
    `${(count / (ms / 1000)).toFixed(0)} inputs/s`,
);
console.log(`errors by mutation: ${JSON.stringify(s.byKind)}`);
