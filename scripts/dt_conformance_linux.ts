/**
 * Conformance against real board files: compile every board of a Linux device-tree tree (a
 * kernel checkout's `arch/<arch>/boot/dts` with `include/`, or a devicetree-rebasing /
 * U-Boot `dts/upstream` tree) with the kernel's recipe — GCC `cpp -nostdinc -I... -undef
 * -D__DTS__ -x assembler-with-cpp` piped into `dtc -O dtb -b 0 -i DIR` — and with dom0sim in
 * process, and compare the preprocessed text, the DTB bytes and dtc's warnings. With `--dtbs
 * DIR` it instead decompiles every DTB (e.g. from Debian's linux-image package) with both and
 * compares the text, then compiles that text with both and compares the DTBs.
 *
 * Nothing it reads is committed; it prints counts and the mismatches.
 *
 * Usage:
 *   deno run -A scripts/dt_conformance_linux.ts --tree DIR [--arch arm64] [--limit N] [--verbose]
 *                                               [--symbols]   (-@, as overlay-ready builds use)
 *   deno run -A scripts/dt_conformance_linux.ts --dtbs DIR [--limit N]
 *
 * In `--tree` mode DIR holds `include/` and either `src/<arch>/` (devicetree-rebasing layout) or
 * `arch/<arch>/boot/dts/` (kernel layout).
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import type { Buffer } from "node:buffer";
import { compileDts, CompileError, loadDeviceTree } from "../dt/compile.ts";
import { preprocess } from "../dt/cpp.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { printDts } from "../dt/dts_print.ts";
import { bytesToLatin1 } from "../dt/dts_lexer.ts";
import { InputError } from "../errors.ts";
import { listFiles } from "./list_files.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    tree: { type: "string" },
    dtbs: { type: "string" },
    arch: { type: "string", default: "arm64" },
    limit: { type: "string" },
    verbose: { type: "boolean" },
    symbols: { type: "boolean" },
  },
});

// The warnings Linux's scripts/Makefile.dtbs turns off unless W=1 (plus unique_unit_address).
const LINUX_DTC_FLAGS = [
  "-Wno-unique_unit_address",
  "-Wno-unit_address_vs_reg",
  "-Wno-avoid_unnecessary_addr_size",
  "-Wno-alias_paths",
  "-Wno-simple_bus_reg",
];

function readFile(p: string): Uint8Array | undefined {
  try {
    return fs.statSync(p).isFile() ? new Uint8Array(fs.readFileSync(p)) : undefined;
  } catch {
    return undefined;
  }
}

/** `spawnSync` retried a few times when the process could not start (EAGAIN on a loaded host). */
function spawnRetry(
  cmd: string,
  args: string[],
  opts: { input?: Uint8Array },
): SpawnSyncReturns<Buffer> {
  let r = spawnSync(cmd, args, { ...opts, maxBuffer: 1 << 28 });
  for (let i = 0; i < 3 && r.error && !r.stderr; i++) {
    r = spawnSync(cmd, args, { ...opts, maxBuffer: 1 << 28 });
  }
  return r;
}

function procErr(r: SpawnSyncReturns<Buffer>): string {
  if (r.error) return `${r.error.message}\n`;
  return r.stderr ? bytesToLatin1(new Uint8Array(r.stderr)) : "";
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const mismatches: Array<{ file: string; what: string }> = [];
const counts = {
  boards: 0,
  identical: 0,
  bothRejected: 0,
  onlyDtcRejected: 0,
  onlyOursRejected: 0,
  differ: 0,
};
const limit = values.limit ? Number(values.limit) : Infinity;

if (values.tree) {
  const root = values.tree;
  const arch = values.arch!;
  const srcRoot = fs.existsSync(path.join(root, "src", arch))
    ? path.join(root, "src")
    : path.join(root, "arch", arch, "boot", "dts");
  const boardDir = srcRoot.endsWith("src") ? path.join(srcRoot, arch) : srcRoot;
  const boards = listFiles(boardDir, /\.dtso?$/).slice(0, limit);
  for (const f of boards) {
    counts.boards++;
    const dir = path.dirname(f);
    const inc = [path.join(root, "include"), dir, srcRoot];
    const cppArgs = [
      "-nostdinc",
      ...inc.flatMap((d) => ["-I", d]),
      "-undef",
      "-D__DTS__",
      "-x",
      "assembler-with-cpp",
      f,
    ];
    const pp = spawnRetry("cpp", cppArgs, {});
    const dtcArgs = [
      "-O",
      "dtb",
      "-o",
      "-",
      "-b",
      "0",
      "-i",
      dir,
      ...(values.symbols ? ["-@"] : []),
      ...LINUX_DTC_FLAGS,
      "-",
    ];
    const dt = pp.status === 0 ? spawnRetry("dtc", dtcArgs, { input: pp.stdout }) : null;
    const refOk = pp.status === 0 && dt !== null && dt.status === 0;
    const refErr = pp.status !== 0 ? procErr(pp) : procErr(dt!);
    const text = fs.readFileSync(f);
    let ours: Uint8Array | null = null;
    let ourErr = "";
    let cppSame = true;
    try {
      if (pp.status === 0) {
        const mine = preprocess(f, bytesToLatin1(new Uint8Array(text)), {
          readFile,
          includeDirs: inc,
          defines: ["__DTS__"],
        });
        cppSame = mine.text === bytesToLatin1(new Uint8Array(pp.stdout));
      }
      const r = compileDts(f, text, {
        readFile,
        includeDirs: inc,
        bootCpuid: 0,
        toggles: LINUX_DTC_FLAGS.map((w) => ({ kind: "W" as const, arg: w.slice(2) })),
        cpp: true,
        symbols: values.symbols,
        outName: "-",
      });
      ours = writeDtb(r.tree);
      ourErr = [
        ...r.notes.filter((n) => !n.includes(": warning: ")),
        ...r.warnings.map((w) => w.text),
      ]
        .map((l) => l + "\n").join("");
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      ourErr = e instanceof CompileError ? e.messages.map((m) => m.text).join("\n") : e.line();
    }
    if (!refOk && !ours) {
      counts.bothRejected++;
      if (values.verbose) {
        console.log(
          `both reject ${f}\n  ref: ${refErr.split("\n")[0]}\n  ours: ${ourErr.split("\n")[0]}`,
        );
      }
      continue;
    }
    if (!refOk) {
      counts.onlyDtcRejected++;
      const why = /&\{[A-Za-z_]/.test(fs.readFileSync(f, "latin1")) || /syntax error/.test(refErr)
        ? " (dtc 1.6.1 rejects; e.g. a label-relative &{label/path}, dtc 1.7 syntax)"
        : "";
      mismatches.push({
        file: f,
        what: `dtc rejects, dom0sim accepts${why}: ${refErr.split("\n")[0]}`,
      });
      continue;
    }
    if (!ours) {
      counts.onlyOursRejected++;
      mismatches.push({ file: f, what: `dom0sim rejects: ${ourErr.split("\n")[0]}` });
      continue;
    }
    const problems: string[] = [];
    if (!cppSame) problems.push("preprocessed text differs");
    if (!same(ours, new Uint8Array(dt!.stdout))) problems.push("DTB bytes differ");
    if (ourErr !== refErr) problems.push("warnings differ");
    if (problems.length) {
      counts.differ++;
      mismatches.push({ file: f, what: problems.join(", ") });
    } else {
      counts.identical++;
    }
    if (values.verbose && counts.boards % 100 === 0) console.log(`${counts.boards} boards...`);
  }
} else if (values.dtbs) {
  const files = listFiles(values.dtbs, /\.dtbo?$/).slice(0, limit);
  for (const f of files) {
    counts.boards++;
    const ref = spawnSync("dtc", ["-I", "dtb", "-O", "dts", "-o", "-", f], { maxBuffer: 1 << 28 });
    let text = "";
    let ok = true;
    try {
      text = printDts(loadDeviceTree(f, new Uint8Array(fs.readFileSync(f)), { outName: "-" }).tree);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      ok = false;
    }
    if (ref.status !== 0 || !ok) {
      if (ref.status !== 0 && !ok) counts.bothRejected++;
      else {
        counts.differ++;
        mismatches.push({ file: f, what: `only ${ok ? "dtc" : "dom0sim"} rejects the DTB` });
      }
      continue;
    }
    const refText = bytesToLatin1(new Uint8Array(ref.stdout));
    const problems: string[] = [];
    if (text !== refText) problems.push("decompiled text differs");
    const back = spawnSync("dtc", ["-I", "dts", "-O", "dtb", "-o", "-", "-"], {
      input: ref.stdout,
      maxBuffer: 1 << 28,
    });
    if (back.status === 0) {
      const ours = writeDtb(compileDts("x.dts", refText, { cpp: false }).tree);
      if (!same(ours, new Uint8Array(back.stdout))) problems.push("recompiled DTB differs");
    }
    if (problems.length) {
      counts.differ++;
      mismatches.push({ file: f, what: problems.join(", ") });
    } else counts.identical++;
  }
} else {
  console.error("usage: dt_conformance_linux.ts --tree DIR [--arch A] | --dtbs DIR [--limit N]");
  Deno.exit(2);
}

for (const m of mismatches) console.log(`MISMATCH ${m.file}: ${m.what}`);
console.log(
  `${counts.boards} inputs: ${counts.identical} identical, ${counts.bothRejected} rejected by both, ` +
    `${counts.onlyDtcRejected} rejected only by dtc, ${counts.onlyOursRejected} rejected only by dom0sim, ` +
    `${counts.differ} different`,
);
Deno.exit(counts.onlyOursRejected + counts.differ > 0 ? 1 : 0);
