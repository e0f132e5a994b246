/**
 * Board-directory benchmark: compile a directory of DTS boards to DTBs in one dom0sim process
 * versus running `dtc -I dts -O dtb` once per file (what a build system does), and report the
 * ratio. Without `--dir`, the boards are made at run time from Debian's arm64 kernel DTBs
 * (`scripts/boards_fetch.sh`, cached outside the repository; `$DOM0SIM_BOARDS` overrides the
 * location): each DTB is decompiled with dtc into a temporary directory. Nothing is committed.
 *
 * Usage: deno run -A scripts/dt_bench_dtc.ts [--dir DTS_DIR] [--limit N] [--rounds R]
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

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string" },
    limit: { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
  },
});
const limit = Number(values.limit);
const rounds = Number(values.rounds);

function listFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

function boardCache(): string {
  const env = Deno.env.get("DOM0SIM_BOARDS");
  if (env && fs.existsSync(env)) return env;
  const base = path.join(
    Deno.env.get("XDG_CACHE_HOME") ?? path.join(os.homedir(), ".cache"),
    "dom0sim/boards",
  );
  if (fs.existsSync(base)) {
    for (const v of fs.readdirSync(base).sort().reverse()) {
      const d = path.join(base, v, "usr/lib");
      if (fs.existsSync(d)) {
        const img = fs.readdirSync(d).find((x) => x.startsWith("linux-image-"));
        if (img) return path.join(d, img);
      }
    }
  }
  throw new Error("no board DTBs: run 'sh scripts/boards_fetch.sh' (or pass --dir DTS_DIR)");
}

let dtsFiles: string[];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "dt-bench-"));
if (values.dir) {
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
console.log(`${dtsFiles.length} boards, ${(bytes / 1e6).toFixed(1)} MB of DTS`);

function timeDtc(): number {
  const t0 = performance.now();
  for (const f of dtsFiles) {
    const r = spawnSync("dtc", [
      "-q",
      "-I",
      "dts",
      "-O",
      "dtb",
      "-o",
      path.join(work, "ref.dtb"),
      f,
    ]);
    if (r.status !== 0) throw new Error(`dtc failed on ${f}`);
  }
  return performance.now() - t0;
}

function timeOurs(): number {
  const t0 = performance.now();
  for (const f of dtsFiles) {
    const r = compileDts(f, new Uint8Array(fs.readFileSync(f)), { cpp: false });
    fs.writeFileSync(path.join(work, "ours.dtb"), writeDtb(r.tree));
  }
  return performance.now() - t0;
}

// Check once that the outputs agree, then time.
let same = 0;
for (const f of dtsFiles) {
  spawnSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", path.join(work, "ref.dtb"), f]);
  const ours = writeDtb(compileDts(f, new Uint8Array(fs.readFileSync(f)), { cpp: false }).tree);
  if (Buffer.from(ours).equals(fs.readFileSync(path.join(work, "ref.dtb")))) same++;
}
console.log(`identical DTBs: ${same}/${dtsFiles.length}`);

let bestDtc = Infinity, bestOurs = Infinity;
for (let r = 0; r < rounds; r++) {
  bestDtc = Math.min(bestDtc, timeDtc());
  bestOurs = Math.min(bestOurs, timeOurs());
}
console.log(
  `dtc, one process per file: ${bestDtc.toFixed(0)} ms (${
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
