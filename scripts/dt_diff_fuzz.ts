/**
 * Differential fuzzing against the reference tools (needs `cpp` and `dtc` on PATH): N mutated
 * inputs (the suite's seeds and mutations, `tests/dt_fuzz.ts`) are run through the reference and
 * through dom0sim, and the results compared.
 *
 * - `--mode cpp`: GCC `cpp -nostdinc -I... -undef -D__DTS__ -x assembler-with-cpp` vs
 *   `preprocess()`: both fail, or both succeed with byte-identical text (line markers included).
 * - `--mode dtc`: `dtc -I dts -O dtb` (through cpp when the input has directives, the rule of
 *   `compileDts`) vs `compileDts` + `writeDtb`: both fail, or both succeed with identical DTB bytes
 *   and identical warnings.
 *
 * When both fail, an error reported at another position is counted (not a failure; `--save-all`
 * keeps those inputs too): dtc names no position for some errors that dom0sim locates, and GCC
 * goes on after an error where dom0sim stops at the first.
 *
 * Inputs using a label-relative reference `&{label/path}` (dtc 1.7 syntax, accepted by dom0sim)
 * that dtc 1.6.1 rejects are counted apart. Inputs dtc itself crashes on (a signal: 1.6.1 asserts on some malformed trees) are counted
 * apart. Mismatching inputs are saved under `--out` with both outputs.
 *
 * Usage: deno run -A scripts/dt_diff_fuzz.ts [--mode cpp|dtc] [--count N] [--seed S] [--out DIR]
 *          [--save-all]
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { compileDts, CompileError, needsCpp } from "../dt/compile.ts";
import { preprocess } from "../dt/cpp.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { InputError } from "../errors.ts";
import { CASE_ROOT, INCLUDE_DIRS } from "../tests/dt_cases.ts";
import { fuzzOptions, loadSeeds, mutate, Rng } from "../tests/dt_fuzz.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mode: { type: "string", default: "dtc" },
    count: { type: "string", default: "1000" },
    seed: { type: "string", default: "1" },
    out: { type: "string", default: "/tmp/dt-diff-fuzz" },
    "save-all": { type: "boolean", default: false },
  },
});
const mode = values.mode;
if (mode !== "cpp" && mode !== "dtc") throw new Error("--mode cpp|dtc");
const COUNT = Number(values.count);
fs.mkdirSync(values.out!, { recursive: true });

const seeds = loadSeeds();
const rng = new Rng(Number(values.seed));
const opts = fuzzOptions();
/** Bytes to a string of code points 0-255 (TextDecoder's "latin1" is windows-1252). */
function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 8192)));
  }
  return s;
}
// The input is written to the output directory; the case directory joins the search path of
// both tools so the seeds' relative includes still resolve.
const file = path.join(values.out!, "input.dts");
const INCS = [CASE_ROOT, ...INCLUDE_DIRS];
const outDtb = path.join(values.out!, "ref.dtb");
const cppArgs = (f: string): string[] => [
  "-nostdinc",
  ...INCS.flatMap((d) => ["-I", d]),
  "-undef",
  "-D__DTS__",
  "-x",
  "assembler-with-cpp",
  f,
];

const counts = {
  same: 0,
  bothFail: 0,
  bothFailOtherPos: 0,
  onlyRefFails: 0,
  labelRelative: 0,
  onlyOursFails: 0,
  differ: 0,
  refCrashed: 0,
};

function save(kind: string, id: number, input: Uint8Array, ref: string, ours: string): void {
  const base = path.join(values.out!, `${kind}-${id}`);
  fs.writeFileSync(`${base}.dts`, input);
  fs.writeFileSync(`${base}.ref`, Buffer.from(ref, "latin1"));
  fs.writeFileSync(`${base}.ours`, Buffer.from(ours, "latin1"));
  console.log(`${kind}: input ${id} saved as ${base}.dts`);
}

/**
 * The position (`line:col`, or `line`) of the first error in a diagnostics text: GCC's
 * `file:L:C: error:`, dtc's `Error: file:L.C-L.C`, dom0sim's `file:L:C: error:`; "" when the
 * error names no position (dtc's FATAL ERRORs, GCC's `cc1:` errors).
 */
function errorPos(s: string): string {
  for (const line of s.split("\n")) {
    if (!/error/i.test(line)) continue;
    const m = /^(?:Error: |Lexical error: )?[^\s:]+:(\d+)(?:[.:](\d+))?/.exec(line);
    return m ? (m[2] !== undefined ? `${m[1]}:${m[2]}` : m[1]) : "";
  }
  return "";
}

const t0 = performance.now();
try {
  for (let id = 0; id < COUNT; id++) {
    let input = seeds[rng.below(seeds.length)];
    const rounds = 1 + rng.below(3);
    for (let r = 0; r < rounds; r++) input = mutate(rng, input, seeds[rng.below(seeds.length)]);
    fs.writeFileSync(file, input);
    if (mode === "cpp") {
      const g = spawnSync("cpp", cppArgs(file), { maxBuffer: 1 << 28, timeout: 20000 });
      if (g.signal) {
        counts.refCrashed++;
        continue;
      }
      let ours: string | null = null;
      let err = "";
      try {
        ours = preprocess(file, latin1(input), {
          readFile: opts.readFile!,
          includeDirs: INCS,
          defines: ["__DTS__"],
        }).text;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        err = e.line();
      }
      const refErr = latin1(new Uint8Array(g.stderr ?? []));
      if (g.status !== 0 && ours === null) {
        counts.bothFail++;
        if (errorPos(refErr) !== errorPos(err)) {
          counts.bothFailOtherPos++;
          if (values["save-all"]) save("other-pos", id, input, refErr, err);
        }
      } else if (g.status !== 0) {
        counts.onlyRefFails++;
        save("only-ref-fails", id, input, refErr, ours!);
      } else if (ours === null) {
        counts.onlyOursFails++;
        save("only-ours-fails", id, input, latin1(new Uint8Array(g.stdout)), err);
      } else if (ours === latin1(new Uint8Array(g.stdout))) counts.same++;
      else {
        counts.differ++;
        save("differ", id, input, latin1(new Uint8Array(g.stdout)), ours);
      }
      continue;
    }
    // dtc mode
    try {
      fs.unlinkSync(outDtb);
    } catch { /* absent */ }
    const dtcArgs = ["-I", "dts", "-O", "dtb", "-o", outDtb, ...INCS.flatMap((d) => ["-i", d])];
    let ref;
    if (needsCpp(latin1(input))) {
      const c = spawnSync("cpp", cppArgs(file), { maxBuffer: 1 << 28, timeout: 20000 });
      ref = c.status === 0
        ? spawnSync("dtc", [...dtcArgs, "-"], {
          input: c.stdout,
          maxBuffer: 1 << 28,
          timeout: 20000,
        })
        : c;
    } else ref = spawnSync("dtc", [...dtcArgs, file], { maxBuffer: 1 << 28, timeout: 20000 });
    if (ref.signal) {
      counts.refCrashed++;
      continue;
    }
    const refErr = latin1(new Uint8Array(ref.stderr ?? [])).replace(/\n$/, "");
    let ours: Uint8Array | null = null;
    let ourErr = "";
    try {
      const r = compileDts(file, input, { ...opts, includeDirs: INCS, outName: outDtb });
      ours = writeDtb(r.tree);
      ourErr = [
        ...r.notes.filter((n) => !n.includes(": warning: ")),
        ...r.warnings.map((w) => w.text),
      ].join("\n");
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      ourErr = e instanceof CompileError ? e.messages.map((m) => m.text).join("\n") : e.line();
    }
    const refOk = ref.status === 0;
    if (!refOk && !ours) {
      counts.bothFail++;
      if (errorPos(refErr) !== errorPos(ourErr)) {
        counts.bothFailOtherPos++;
        if (values["save-all"]) save("other-pos", id, input, refErr, ourErr);
      }
    } else if (!refOk && /syntax error/.test(refErr) && /&\{[^/]/.test(latin1(input))) {
      // Label-relative &{label/path}: dtc 1.7 syntax that 1.6.1 rejects and dom0sim accepts.
      counts.labelRelative++;
    } else if (!refOk) {
      counts.onlyRefFails++;
      save("only-ref-fails", id, input, refErr, ourErr);
    } else if (!ours) {
      counts.onlyOursFails++;
      save("only-ours-fails", id, input, refErr, ourErr);
    } else {
      const refDtb = new Uint8Array(fs.readFileSync(outDtb));
      const sameBytes = refDtb.length === ours.length && refDtb.every((x, i) => x === ours![i]);
      if (sameBytes && refErr === ourErr) counts.same++;
      else {
        counts.differ++;
        save(
          "differ",
          id,
          input,
          `${sameBytes ? "" : "(DTB bytes differ)\n"}${refErr}`,
          ourErr,
        );
      }
    }
  }
} finally {
  for (const f of [file, outDtb]) {
    try {
      fs.unlinkSync(f);
    } catch { /* absent */ }
  }
}
console.log(
  `${COUNT} inputs (${mode}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
    `${counts.same} identical, ${counts.bothFail} rejected by both ` +
    `(${counts.bothFailOtherPos} with the first error elsewhere), ` +
    `${counts.onlyRefFails} rejected only by the reference ` +
    `(+${counts.labelRelative} label-relative references, dtc 1.7 syntax), ` +
    `${counts.onlyOursFails} rejected only by dom0sim, ${counts.differ} different, ` +
    `${counts.refCrashed} reference crashes`,
);
if (counts.onlyRefFails + counts.onlyOursFails + counts.differ > 0) Deno.exitCode = 1;
