// Fuzz the DTB reader (bounded, deterministic): every mutated blob must end in a tree or an
// InputError, never another exception; a tree that was read must also write and print, and
// survive a write → read round trip unchanged. Long runs: deno run -A scripts/dt_fuzz_dtb.ts
import assert from "node:assert/strict";
import { fuzz, fuzzSeeds, KINDS } from "./dtb_mutate.ts";

Deno.test("readDtb() survives 3000 mutated blobs: a tree or an InputError, never a crash", async () => {
  const seeds = await fuzzSeeds();
  const s = fuzz(seeds, 3000, 20240601);
  // Both outcomes occur, and every mutation kind produced errors.
  assert.ok(s.trees > 100, `trees: ${s.trees}`);
  assert.ok(s.errors > 1000, `errors: ${s.errors}`);
  for (const k of KINDS) assert.ok((s.byKind[k] ?? 0) > 0, `no errors from ${k}`);
});
