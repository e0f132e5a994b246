import {
  benchMachine,
  deviceReads,
  loadHits,
  read32Hits,
  storeHits,
  tlbMisses,
  tlbMissWalks,
} from "./bench_setup.ts";

// Each iteration makes 10 000 accesses through the full port (S1 + S2, bus, cost model).
const N = 10_000;
const { cpu, buf } = benchMachine();
let next = 0;
let nextWalk = 0;

Deno.bench("Cpu.load() 8 bytes, TLB hit on RAM (x10000)", { group: "port" }, () => {
  loadHits(cpu, buf, N);
});
Deno.bench("Cpu.store() 8 bytes, TLB hit on RAM (x10000)", { group: "port" }, () => {
  storeHits(cpu, buf, N);
});
Deno.bench("Cpu.read32(), main-TLB hit over 64 KiB (x10000)", { group: "port" }, () => {
  read32Hits(cpu, N);
});
Deno.bench(
  "Cpu.read32() on Device-nGnRE SRAM, a transaction each (x10000)",
  { group: "port" },
  () => {
    deviceReads(cpu, N);
  },
);
Deno.bench("Cpu.load() TLB miss inside a cached 2 MiB block (x10000)", { group: "port" }, () => {
  next = tlbMisses(cpu, buf, N, next);
});
Deno.bench("Cpu.load() TLB miss: S1 walk of 4 KiB pages, S2 block (x10000)", {
  group: "port",
}, () => {
  nextWalk = tlbMissWalks(cpu, buf, N, nextWalk);
});
