/**
 * Simulated accesses per second through the full CPU port (stage 1 + stage 2 with Xen's and
 * Linux's settings, bus, cost model): TLB-hit paths, the Device slow path and the TLB-miss path.
 *
 * deno run scripts/arm64_bench.ts
 *
 * @module
 */

import process from "node:process";
import {
  benchMachine,
  deviceReads,
  loadHits,
  read32Hits,
  storeHits,
  tlbMisses,
  tlbMissWalks,
} from "../arch/arm64/bench_setup.ts";

const { cpu, buf } = benchMachine();
let next = 0;
let nextWalk = 0;
const cases: [string, (n: number) => unknown][] = [
  ["load 8 B, TLB hit (RAM)", (n) => loadHits(cpu, buf, n)],
  ["store 8 B, TLB hit (RAM)", (n) => storeHits(cpu, buf, n)],
  ["read32, main-TLB hit (RAM)", (n) => read32Hits(cpu, n)],
  ["read32, Device-nGnRE SRAM (a transaction each)", (n) => deviceReads(cpu, n)],
  ["load 8 B, TLB miss in a 2 MiB block", (n) => (next = tlbMisses(cpu, buf, n, next))],
  [
    "load 8 B, TLB miss, S1 walk (4 KiB pages)",
    (n) => (nextWalk = tlbMissWalks(cpu, buf, n, nextWalk)),
  ],
];
// Rates per wall-clock second and per second of this process's CPU time (the latter is what
// the code achieves on a machine shared with other work).
process.stdout.write(
  `${"path".padEnd(48)} ${"wall".padStart(9)} ${"cpu-time".padStart(9)}  (M accesses/s)\n`,
);
for (const [name, f] of cases) {
  f(200_000); // warm up
  let bestWall = 0;
  let bestCpu = 0;
  for (let round = 0; round < 5; round++) {
    const n = name.includes("miss") ? 200_000 : 5_000_000;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f(n);
    const dt = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const ct = (c.user + c.system) / 1e6;
    bestWall = Math.max(bestWall, n / dt);
    bestCpu = Math.max(bestCpu, n / ct);
  }
  const fmt = (x: number) => (x / 1e6).toFixed(1).padStart(9);
  process.stdout.write(`${name.padEnd(48)} ${fmt(bestWall)} ${fmt(bestCpu)}\n`);
}
