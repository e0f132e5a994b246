/**
 * Board-directory benchmark: compile a directory of DTS boards to DTBs in one dom0sim process
 * versus running `dtc -I dts -O dtb` once per file (what a build system does), and report the
 * ratio. Without `--dir`, the boards are made at run time from Debian's arm64 kernel DTBs
 * (`scripts/boards_fetch.sh`, cached outside the repository; `$DOM0SIM_BOARDS` overrides the
 * location): each DTB is decompiled with dtc into a temporary directory. With `--tree DIR` the
 * boards are Linux sources (a kernel checkout or devicetree-rebasing / U-Boot `dts/upstream`
 * tree, `--arch`, default arm64) compiled the kernel's way: `cpp -nostdinc -I... -undef -D__DTS__
 * -x assembler-with-cpp` piped into `dtc` per file, versus `compileDts` with its built-in
 * preprocessor. Nothing is committed.
 *
 * Usage: deno run -A scripts/dt_bench_dtc.ts [--dir DTS_DIR | --tree DIR [--arch A]] [--limit N]
 *          [--rounds R]
 *
 * @module
 */

import { parseArgs } from "node:util";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { compileDts } from "../dt/compile.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { defaultBoardsDir } from "./boards_check.ts";
import { listFiles } from "./list_files.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string" },
    tree: { type: "string" },
    arch: { type: "string", default: "arm64" },
    limit: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
  },
});
const limit = Number(values.limit);
const rounds = Number(values.rounds);

/** The Debian board DTBs (`scripts/boards_fetch.sh`), where boards_check.ts looks for them. */
function boardCache(): string {
  const dir = defaultBoardsDir();
  if (fs.existsSync(dir)) return dir;
  throw new Error("no board DTBs: run 'sh scripts/boards_fetch.sh' (or pass --dir DTS_DIR)");
}

let dtsFiles: string[];
/** Include directories per board (Linux sources only). */
const incs = new Map<string, string[]>();
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dt-bench-"));
if (values.tree) {
  const root = values.tree;
  const arch = values.arch!;
  const srcRoot = fs.existsSync(path.join(root, "src", arch))
    ? path.join(root, "src")
    : path.join(root, "arch", arch, "boot", "dts");
  const boardDir = srcRoot.endsWith("src") ? path.join(srcRoot, arch) : srcRoot;
  dtsFiles = [];
  for (const f of listFiles(boardDir, /\.dts$/)) {
    if (dtsFiles.length >= limit) break;
    const inc = [path.join(root, "include"), path.dirname(f), srcRoot];
    // Boards the reference rejects (dtc 1.6.1 lacks some newer syntax) are left out.
    if (refCompile(f, inc).status === 0) {
      dtsFiles.push(f);
      incs.set(f, inc);
    }
  }
} else if (values.dir) {
  dtsFiles = listFiles(values.dir, /\.dts$/).slice(0, limit);
} else {
  const dtbs = listFiles(boardCache(), /\.dtb$/).slice(0, limit);
  dtsFiles = [];
  for (const f of dtbs) {
    const out = path.join(work, path.basename(f).replace(/\.dtb$/, ".dts"));
    const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dts", "-o", out, f]);
    if (r.status === 0) dtsFiles.push(out);
  }
}
const bytes = dtsFiles.reduce((a, f) => a + fs.statSync(f).size, 0);
console.log(
  `${dtsFiles.length} boards, ${(bytes / 1e6).toFixed(1)} MB of DTS` +
    (values.tree ? " (the board files; their includes not counted)" : ""),
);

/** The reference compile of one board (cpp | dtc for Linux sources), output in work/ref.dtb. */
function refCompile(f: string, inc: string[] | undefined): { status: number | null } {
  const out = path.join(work, "ref.dtb");
  if (!inc) return spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", out, f]);
  const pp = spawnSync("cpp", [
    "-nostdinc",
    ...inc.flatMap((d) => ["-I", d]),
    "-undef",
    "-D__DTS__",
    "-x",
    "assembler-with-cpp",
    f,
  ], { maxBuffer: 1 << 28 });
  if (pp.status !== 0) return pp;
  return spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-b", "0", "-o", out, "-"], {
    input: pp.stdout,
    maxBuffer: 1 << 28,
  });
}

function ourCompile(f: string): Uint8Array {
  const inc = incs.get(f);
  const r = compileDts(f, new Uint8Array(fs.readFileSync(f)), {
    cpp: inc ? true : false,
    includeDirs: inc,
    bootCpuid: inc ? 0 : undefined,
    readFile: (p) => {
      try {
        return fs.statSync(p).isFile() ? new Uint8Array(fs.readFileSync(p)) : undefined;
      } catch {
        return undefined;
      }
    },
  });
  return writeDtb(r.tree);
}

function timeDtc(): number {
  const t0 = performance.now();
  for (const f of dtsFiles) {
    if (refCompile(f, incs.get(f)).status !== 0) throw new Error(`dtc failed on ${f}`);
  }
  return performance.now() - t0;
}

function timeOurs(): number {
  const t0 = performance.now();
  for (const f of dtsFiles) fs.writeFileSync(path.join(work, "ours.dtb"), ourCompile(f));
  return performance.now() - t0;
}

// Check once that the outputs agree, then time.
let same = 0;
for (const f of dtsFiles) {
  refCompile(f, incs.get(f));
  const ours = ourCompile(f);
  if (Buffer.from(ours).equals(fs.readFileSync(path.join(work, "ref.dtb")))) same++;
}
console.log(`identical DTBs: ${same}/${dtsFiles.length}`);

let bestDtc = Infinity, bestOurs = Infinity;
for (let r = 0; r < rounds; r++) {
  bestDtc = Math.min(bestDtc, timeDtc());
  bestOurs = Math.min(bestOurs, timeOurs());
}
console.log(
  `${values.tree ? "cpp | dtc" : "dtc"}, per file: ${bestDtc.toFixed(0)} ms (${
    (bestDtc / dtsFiles.length).toFixed(2)
  } ms/board)`,
);
console.log(
  `dom0sim, one process:      ${bestOurs.toFixed(0)} ms (${
    (bestOurs / dtsFiles.length).toFixed(2)
  } ms/board, ${(bytes / 1e3 / bestOurs).toFixed(1)} MB/s)`,
);
console.log(`ratio: ${(bestDtc / bestOurs).toFixed(2)}x faster (best of ${rounds} rounds each)`);
fs.rmSync(work, { recursive: true, force: true });
