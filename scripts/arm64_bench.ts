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
} from "../arch/arm64/bench_setup.ts";

const { cpu, buf } = benchMachine();
let next = 0;
const cases: [string, (n: number) => unknown][] = [
  ["load 8 B, TLB hit (RAM)", (n) => loadHits(cpu, buf, n)],
  ["store 8 B, TLB hit (RAM)", (n) => storeHits(cpu, buf, n)],
  ["read32, main-TLB hit (RAM)", (n) => read32Hits(cpu, n)],
  ["read32, Device-nGnRE SRAM (slow path)", (n) => deviceReads(cpu, n)],
  ["load 8 B, TLB miss (walk S1+S2)", (n) => (next = tlbMisses(cpu, buf, n, next))],
];
for (const [name, f] of cases) {
  f(200_000); // warm up
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const n = name.includes("miss") ? 200_000 : 5_000_000;
    const t0 = performance.now();
    f(n);
    const dt = (performance.now() - t0) / 1000;
    best = Math.max(best, n / dt);
  }
  process.stdout.write(`${name.padEnd(40)} ${(best / 1e6).toFixed(1).padStart(7)} M accesses/s\n`);
}
