/**
 * Boot timing of a board: in-process (`bootBoard`: the first boot in a fresh process, with
 * every function still cold, then warm boots) and whole-process (`deno run main.ts boot BOARD`,
 * what `deno task boot` runs, as fresh processes). Reports min and median, CPU time where the
 * OS tells it (Linux /proc), and the load average, since the machines are shared.
 *
 *   deno run -A scripts/perf_boot.ts [--board boards/qemu-virt.dts] [--warm 30] [--runs 10] [--json]
 *
 * Targets (issue 5): whole process ≤ 0.5 s, in-process ≤ 50 ms.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { bootBoard } from "../sim/boot.ts";

const { values } = parseArgs({
  options: {
    board: { type: "string", default: "boards/qemu-virt.dts" },
    warm: { type: "string", default: "30" },
    runs: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
const board = values.board!;
const root = new URL("..", import.meta.url).pathname;

function loadavg(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

/** CPU seconds used by this process's waited-for children (utime + stime), or NaN. */
function childCpu(): number {
  try {
    const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    return (Number(f[13]) + Number(f[14])) / 100; // cutime, cstime in USER_HZ = 100
  } catch {
    return NaN;
  }
}

function stats(xs: number[]): { min: number; median: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1], n: s.length };
}

const load0 = loadavg();
const bytes = readFileSync(`${root}/${board}`);
const c0 = process.cpuUsage();
const t0 = performance.now();
bootBoard(board, bytes);
const first = performance.now() - t0;
const u0 = process.cpuUsage(c0);
const firstCpu = (u0.user + u0.system) / 1000;
const warmWall: number[] = [];
const warmCpu: number[] = [];
for (let i = 0; i < Number(values.warm); i++) {
  const c = process.cpuUsage();
  const t = performance.now();
  bootBoard(board, bytes);
  warmWall.push(performance.now() - t);
  const u = process.cpuUsage(c);
  warmCpu.push((u.user + u.system) / 1000);
}

const procWall: number[] = [];
const procCpu: number[] = [];
const args = ["run", "--quiet", "--allow-read", "--allow-write", "main.ts", "boot", board];
for (let i = 0; i < Number(values.runs) + 1; i++) {
  const cpu0 = childCpu();
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "ignore" });
  const dt = performance.now() - t;
  const cpu = (childCpu() - cpu0) * 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`boot exited with ${r.status}`);
  if (i === 0) continue; // the first run may refresh Deno's caches
  procWall.push(dt);
  procCpu.push(cpu);
}

const out = {
  board,
  loadavg: { before: load0, after: loadavg() },
  inProcess: {
    firstMs: first,
    firstCpuMs: firstCpu,
    warmMs: stats(warmWall),
    warmCpuMs: stats(warmCpu),
  },
  wholeProcess: {
    command: `deno ${args.join(" ")}`,
    wallMs: stats(procWall),
    cpuMs: stats(procCpu),
  },
};
if (values.json) process.stdout.write(JSON.stringify(out, null, 2) + "\n");
else {
  const f = (x: number) => x.toFixed(1).padStart(7);
  const line = (name: string, s: { min: number; median: number; n: number }) =>
    `${name.padEnd(34)} min ${f(s.min)} ms  median ${f(s.median)} ms  (n=${s.n})\n`;
  process.stdout.write(
    `board ${board}; load average ${out.loadavg.before} → ${out.loadavg.after}\n` +
      `${"in-process first boot (cold)".padEnd(34)} ${f(first)} ms  (CPU ${f(firstCpu)} ms)\n` +
      line("in-process warm boot, wall", out.inProcess.warmMs) +
      line("in-process warm boot, CPU", out.inProcess.warmCpuMs) +
      line("whole process, wall", out.wholeProcess.wallMs) +
      (Number.isNaN(procCpu[0])
        ? ""
        : line("whole process, CPU (user+sys)", out.wholeProcess.cpuMs)),
  );
}
