// DTB mutator and fuzz loop shared by tests/dtb_fuzz_test.ts (bounded) and
// scripts/dt_fuzz_dtb.ts (long runs): byte flips, truncation, header lies, token and length lies,
// splices and insertions.
import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { readDtb } from "../dt/dtb_read.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import { manifest, outName, readFixture } from "./dtb_fixtures.ts";

/** A small deterministic PRNG (xorshift32). */
export class Rng {
  private s: number;

  /** Seed the generator (0 is replaced by a fixed non-zero seed). */
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }

  /** The next 32-bit value. */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

/** The mutation kinds, for reporting. */
export const KINDS = [
  "flip",
  "truncate",
  "header",
  "token",
  "length",
  "splice",
  "insert",
  "multi",
] as const;

/** One mutation kind. */
export type Kind = typeof KINDS[number];

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function set32(b: Uint8Array, o: number, v: number): void {
  if (o < 0 || o + 4 > b.length) return;
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function interesting(r: Rng, near: number): number {
  switch (r.below(8)) {
    case 0:
      return 0;
    case 1:
      return 0xffffffff;
    case 2:
      return 0x7fffffff;
    case 3:
      return near + r.below(64) - 32;
    case 4:
      return near * 2;
    case 5:
      return r.below(0x10000);
    case 6:
      return (near & ~3) + 4 * (r.below(8) - 4);
    default:
      return r.next();
  }
}

/** Apply one mutation of `kind` to a copy of `seed`; `pool` supplies splice material. */
export function mutate(seed: Uint8Array, r: Rng, pool: Uint8Array[], kind: Kind): Uint8Array {
  let b: Uint8Array = seed.slice();
  const structOff = b.length >= 40 ? be32(b, 8) : 0;
  const structEnd = b.length >= 40 ? Math.min(b.length, structOff + be32(b, 36)) : b.length;
  const inStruct = () =>
    structEnd > structOff ? (structOff + r.below(structEnd - structOff)) & ~3 : 0;
  switch (kind) {
    case "flip":
      for (let i = 1 + r.below(8); i > 0; i--) {
        if (b.length) b[r.below(b.length)] ^= 1 << r.below(8);
      }
      break;
    case "truncate":
      b = b.slice(0, r.below(b.length + 1));
      break;
    case "header": {
      const f = r.below(10) * 4;
      if (f + 4 <= b.length) set32(b, f, interesting(r, be32(b, f)));
      break;
    }
    case "token":
      set32(b, inStruct(), [1, 2, 3, 4, 9, r.below(16), r.next()][r.below(7)]);
      break;
    case "length": {
      // Find a PROP token and lie about its length or name offset.
      const start = inStruct();
      for (let o = start; o + 12 <= structEnd; o += 4) {
        if (be32(b, o) === 3) {
          const field = o + 4 + 4 * r.below(2);
          set32(b, field, interesting(r, be32(b, field)));
          break;
        }
      }
      break;
    }
    case "splice": {
      const src = pool[r.below(pool.length)];
      const from = r.below(src.length), to = r.below(b.length + 1);
      const n = Math.min(1 + r.below(256), src.length - from, b.length - to);
      b.set(src.subarray(from, from + n), to);
      break;
    }
    case "insert": {
      const src = pool[r.below(pool.length)];
      const from = r.below(src.length), at = r.below(b.length + 1) & ~3;
      const n = (1 + r.below(64)) * 4;
      const chunk = src.subarray(from, Math.min(src.length, from + n));
      const out = new Uint8Array(b.length + chunk.length);
      out.set(b.subarray(0, at));
      out.set(chunk, at);
      out.set(b.subarray(at), at + chunk.length);
      b = out;
      if (r.below(2)) {
        set32(b, 4, b.length);
        set32(b, 36, be32(b, 36) + chunk.length);
        set32(b, 12, be32(b, 12) + chunk.length);
      }
      break;
    }
    case "multi":
      for (let i = 2 + r.below(3); i > 0; i--) {
        b = mutate(b, r, pool, KINDS[r.below(KINDS.length - 1)]);
      }
      break;
  }
  return b;
}

/** Seeds: dtc's compact re-encodings of a sample of the manifest blobs. */
export async function fuzzSeeds(): Promise<Uint8Array[]> {
  const blobs = manifest().blobs;
  const pick = blobs.filter((_, i) => i % 3 === 0);
  return await Promise.all(pick.map((b) => readFixture(outName(b, "dtb"))));
}

/** Run `count` mutations from PRNG seed `seed`; returns counts per outcome. Throws on any non-InputError failure. */
export function fuzz(seeds: Uint8Array[], count: number, seed: number) {
  const r = new Rng(seed);
  const stats = { trees: 0, errors: 0, byKind: {} as Record<string, number> };
  for (let i = 0; i < count; i++) {
    const kind: Kind = KINDS[r.below(KINDS.length)];
    const input = mutate(seeds[r.below(seeds.length)], r, seeds, kind);
    let tree;
    try {
      tree = readDtb(input, "fuzz.dtb");
    } catch (e) {
      if (!(e instanceof InputError)) {
        throw new Error(`case ${i} (${kind}): ${e instanceof Error ? e.stack : e}`);
      }
      assert.match(e.location, /^fuzz\.dtb: byte 0x[0-9a-f]+$/);
      stats.errors++;
      stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
      continue;
    }
    stats.trees++;
    const text = printDts(tree);
    const again = readDtb(writeDtb(tree), "again.dtb");
    if (printDts(again) !== text) throw new Error(`case ${i} (${kind}): round trip changed`);
  }
  return stats;
}
