import assert from "node:assert/strict";
import { diffLines, unifiedDiff } from "./compare_diff.ts";

function lcs(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      t[i][j] = a[i] === b[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
    }
  }
  return t[0][0];
}

/** A tiny deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

Deno.test("diffLines() rebuilds both inputs and keeps a longest common subsequence", () => {
  const r = rng(7);
  for (let t = 0; t < 300; t++) {
    const a = Array.from({ length: Math.floor(r() * 12) }, () => "abcd"[Math.floor(r() * 4)]);
    const b = Array.from({ length: Math.floor(r() * 12) }, () => "abcd"[Math.floor(r() * 4)]);
    const d = diffLines(a, b);
    assert.deepEqual(d.filter((l) => l.op !== "+").map((l) => l.text), a);
    assert.deepEqual(d.filter((l) => l.op !== "-").map((l) => l.text), b);
    assert.equal(d.filter((l) => l.op === "=").length, lcs(a, b), `${a} vs ${b}`);
  }
});

Deno.test("unifiedDiff() is empty for identical inputs and gives hunk headers like diff -u", () => {
  assert.equal(unifiedDiff(["x", "y"], ["x", "y"], "a", "b"), "");
  const a = ["1", "2", "3", "4", "5", "6", "7", "8", "9"];
  const b = ["1", "2", "3", "4", "five", "6", "7", "8", "9"];
  assert.equal(
    unifiedDiff(a, b, "a", "b"),
    "--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
  );
  // Insertion into an empty file: the old side is "-0,0".
  assert.equal(unifiedDiff([], ["x"], "a", "b"), "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
});
