/**
 * Bounded DTS fuzzing inside the suite: mutated sources (byte flips, truncation, splices,
 * deletions, duplications, token swaps, inserted syntax and directives) go through the whole
 * front end (cpp when needed, parser, checks) and the DTB writer and DTS printer. Every input must
 * end in output or an InputError — never another exception. `scripts/dt_fuzz_dts.ts` runs the
 * same generator for 100 000 inputs with a per-input time bound.
 */

import assert from "node:assert/strict";
import { fuzzOne, fuzzOptions, loadSeeds, mutate, Rng } from "./dt_fuzz.ts";

Deno.test("compileDts() ends every mutated DTS input in a tree or an InputError", () => {
  const seeds = loadSeeds();
  assert.ok(seeds.length > 10);
  const rng = new Rng(20261125);
  const opts = fuzzOptions();
  const counts = { ok: 0, "input-error": 0 };
  for (let i = 0; i < 1500; i++) {
    let input = seeds[rng.below(seeds.length)];
    const rounds = 1 + rng.below(2);
    for (let r = 0; r < rounds; r++) input = mutate(rng, input, seeds[rng.below(seeds.length)]);
    try {
      counts[fuzzOne(input, opts)]++;
    } catch (e) {
      const text = new TextDecoder("latin1").decode(input);
      assert.fail(`input ${i} raised ${(e as Error).stack}\n--- input ---\n${text.slice(0, 2000)}`);
    }
  }
  // Both outcomes must occur, or the mutations are not exercising anything.
  assert.ok(counts.ok > 50 && counts["input-error"] > 50, JSON.stringify(counts));
});
