// Boot-time measurement robust to a busy machine: process CPU time (user + system) and wall
// time per bootXen() on each recorded board, after a warm-up, as min / median / p90.
// deno run --allow-read scripts/hyp_boot_time.ts [N]
import process from "node:process";
import { readFileSync } from "node:fs";
import { SparseMemory } from "../hyp/machine.ts";
import { bootXen } from "../hyp/xen.ts";
import { kernelImageHeader } from "../tests/hyp_helpers.ts";

const N = Number(Deno.args[0] ?? 60);
const GOLDEN = new URL("../tests/fixtures/golden", import.meta.url).pathname;
const FIX = new URL("../tests/fixtures/hyp", import.meta.url).pathname;
const dirs = [
  `${GOLDEN}/virt-gicv3`,
  `${FIX}/virt-gicv2`,
  `${FIX}/virt-4g-dom0-1g`,
  `${FIX}/virt-smp4`,
  `${FIX}/virt-numa`,
];

const stats = (t: number[]) => {
  t.sort((a, b) => a - b);
  const q = (f: number) => t[Math.min(t.length - 1, Math.floor(f * t.length))].toFixed(2);
  return `min ${q(0)}  median ${q(0.5)}  p90 ${q(0.9)}`;
};

for (const dir of dirs) {
  const dtb = new Uint8Array(readFileSync(`${dir}/xen-input.dtb`));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < N + 10; i++) {
    const mem = new SparseMemory();
    mem.write(0x49000000, kernelImageHeader(0));
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    bootXen({ mem }, { hostDtb: dtb, hostDtbFile: "xen-input.dtb" });
    const w = performance.now() - w0;
    const c = process.cpuUsage(c0);
    if (i < 10) continue; // warm-up
    cpu.push((c.user + c.system) / 1000);
    wall.push(w);
  }
  console.log(
    `${dir.split("/").pop()!.padEnd(18)} cpu ms: ${stats(cpu)} | wall ms: ${stats(wall)}`,
  );
}
