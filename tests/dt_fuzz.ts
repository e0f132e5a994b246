/**
 * DTS fuzzing helpers: seeds (the conformance cases and the decompiled QEMU trees), a seeded
 * PRNG and mutations (byte flips, truncation, splices, deletions, duplications, token shuffles
 * and inserted syntax characters). Shared by `tests/dt_fuzz_test.ts` (a bounded run inside the
 * suite) and `scripts/dt_fuzz_dts.ts` (long runs with a per-input time bound).
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { compileDts, type CompileOptions } from "../dt/compile.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import { InputError } from "../errors.ts";
import { CASE_ROOT, EXPECTED_ROOT, INCLUDE_DIRS } from "./dt_cases.ts";

/** xorshift32: small, seedable, deterministic. */
export class Rng {
  private s: number;

  /** Seed (any non-zero 32-bit value works). */
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }

  /** Next 32-bit value. */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

/** The seed inputs: every conformance case source and the decompiled QEMU trees. */
export function loadSeeds(): Uint8Array[] {
  const seeds: Uint8Array[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== "errors") walk(p); // those fail before any mutation
      } else if (/\.(dts|dtsi)$/.test(e.name)) seeds.push(new Uint8Array(fs.readFileSync(p)));
    }
  };
  walk(CASE_ROOT);
  const q = path.join(EXPECTED_ROOT, "qemu");
  if (fs.existsSync(q)) {
    for (const f of fs.readdirSync(q).filter((f) => f.endsWith(".dts")).sort()) {
      seeds.push(new Uint8Array(fs.readFileSync(path.join(q, f))));
    }
  }
  return seeds;
}

const SYNTAX = "{};<>\"'/#&()[]\\:=,@-+*!~?|^%$\n\t ";
const WORDS = [
  "/dts-v1/;",
  "/plugin/;",
  "/delete-node/ ",
  "/delete-property/ ",
  "/omit-if-no-ref/ ",
  "/bits/ 64 ",
  "/bits/ 7 ",
  "/memreserve/ 1 2;",
  '/include/ "x"',
  '/incbin/("inc/blob.bin", 1, 2)',
  "&{/}",
  "&lbl",
  "lbl:",
  "#include <dt-bindings/gpio/gpio.h>\n",
  "#define X(a,...) a ## __VA_ARGS__ #a\n",
  "#if defined(X) && (1 << 70)\n",
  "#else\n",
  "#endif\n",
  "#undef X\n",
  "X(",
  ")",
  '# 99 "f.dts" 1\n',
  "\n#foo x\n",
  "\n#address-cells = <1>;\n",
  "\n# 5\n",
  "\\\n",
  "/*",
  "*/",
  "//",
  "0x",
  "'\\x'",
  "(1/0)",
  "18446744073709551616",
];

/** One mutation of `src`, using `other` for splices. */
export function mutate(rng: Rng, src: Uint8Array, other: Uint8Array): Uint8Array {
  const n = src.length;
  const at = rng.below(n + 1);
  const enc = new TextEncoder();
  switch (rng.below(8)) {
    case 0: { // byte flips
      const out = src.slice();
      const k = 1 + rng.below(4);
      for (let i = 0; i < k && n > 0; i++) out[rng.below(n)] = rng.below(256);
      return out;
    }
    case 1: // truncation
      return src.slice(0, at);
    case 2: { // splice in a slice of another input
      const a = rng.below(other.length + 1);
      const b = Math.min(other.length, a + rng.below(200));
      return concat(src.subarray(0, at), other.subarray(a, b), src.subarray(at));
    }
    case 3: { // delete a range
      const len = rng.below(64);
      return concat(src.subarray(0, at), src.subarray(Math.min(n, at + len)));
    }
    case 4: { // duplicate a range
      const len = rng.below(128);
      return concat(src.subarray(0, Math.min(n, at + len)), src.subarray(at));
    }
    case 5: { // insert syntax characters
      const k = 1 + rng.below(3);
      let s = "";
      for (let i = 0; i < k; i++) s += SYNTAX[rng.below(SYNTAX.length)];
      return concat(src.subarray(0, at), enc.encode(s), src.subarray(at));
    }
    case 6: // insert a construct
      return concat(
        src.subarray(0, at),
        enc.encode(WORDS[rng.below(WORDS.length)]),
        src.subarray(at),
      );
    default: { // swap two whitespace-separated tokens
      const text = new TextDecoder("latin1").decode(src);
      const toks = text.split(/(\s+)/);
      if (toks.length < 4) return src;
      const i = rng.below(toks.length), j = rng.below(toks.length);
      [toks[i], toks[j]] = [toks[j], toks[i]];
      return enc.encode(toks.join(""));
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Options the fuzzed compiles use (the case include directories; files from disk). */
export function fuzzOptions(): CompileOptions {
  return {
    includeDirs: INCLUDE_DIRS,
    readFile: (p) => {
      try {
        return fs.statSync(p).isFile() ? new Uint8Array(fs.readFileSync(p)) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Compile one input the way the CLI would (cpp when needed, checks, DTB and DTS output).
 * Returns "ok" or "input-error"; any other exception is a bug and is thrown.
 */
export function fuzzOne(input: Uint8Array, opts: CompileOptions): "ok" | "input-error" {
  try {
    const r = compileDts(`${CASE_ROOT}/fuzz.dts`, input, opts);
    writeDtb(r.tree);
    printDts(r.tree);
    return "ok";
  } catch (e) {
    if (e instanceof InputError) return "input-error";
    throw e;
  }
}
