/**
 * Workloads shared by the CPU benchmark (`cpu_bench.ts`, deno bench) and
 * `scripts/arm64_bench.ts` (accesses per second): the full port — stage 1 and stage 2 (Xen's
 * VTCR on QEMU virt, Linux's MAIR/TCR), the bus and the cost model — on RAM and on SRAM.
 *
 * @module
 */

import { Sram } from "../../drivers/sram.ts";
import { sampleMachine } from "./sample_machine.ts";
import type { Cpu } from "./cpu.ts";

/** Kernel linear-map VA of PA 0x40000000 (Linux 6.1, 48-bit VA: PAGE_OFFSET 0xffff000000000000 + ...). */
export const KVA = -0x8000_0000_0000 + 0x4000_0000;
/** VA of a Device-nGnRE (ioremap) mapping of an SRAM. */
export const IOVA = -0x8000_0000_0000 + 0x1000_0000;
/** Pages touched by the TLB-miss workload (more than the 4096-entry TLB holds). */
export const MISS_PAGES = 16384;
/** VA of a second mapping of the same RAM with 4 KiB stage-1 pages (every miss walks). */
export const PVA = -0x8000_0000_0000 + 0x8000_0000;

/** A machine with RAM mapped 4 KiB-paged at stage 1 (64 MiB) and an SRAM behind ioremap. */
export function benchMachine(): { cpu: Cpu; buf: Uint8Array } {
  const m = sampleMachine({ devices: [[0x1000_0000, new Sram(0x1_0000, { name: "/sram" })]] });
  m.mapS1(KVA, 0x4000_0000, MISS_PAGES * 4096, "PAGE_KERNEL");
  // Page by page: level-3 descriptors, so no block entry can serve a miss.
  for (let p = 0; p < MISS_PAGES; p++) {
    m.mapS1(PVA + p * 4096, 0x4000_0000 + p * 4096, 4096, "PAGE_KERNEL");
  }
  m.mapS2(0x1000_0000, 0x1000_0000, 0x1_0000, "p2m_mmio_direct_c");
  m.mapS1(IOVA, 0x1000_0000, 0x1_0000, "PROT_DEVICE_nGnRE");
  // Touch the pages so RAM is allocated (untouched pages read through the slow path).
  for (let p = 0; p < MISS_PAGES; p++) m.bus.write32(0x4000_0000 + p * 4096, p);
  return { cpu: m.cpu, buf: new Uint8Array(16) };
}

/** `n` 8-byte loads walking one 4 KiB page (micro-TLB and L1 hits). */
export function loadHits(cpu: Cpu, buf: Uint8Array, n: number): void {
  let va = KVA;
  const end = KVA + 4096;
  for (let i = 0; i < n; i++) {
    cpu.load(va, 8, buf, 0);
    va += 8;
    if (va === end) va = KVA;
  }
}

/** `n` 8-byte stores walking one 4 KiB page. */
export function storeHits(cpu: Cpu, buf: Uint8Array, n: number): void {
  let va = KVA;
  const end = KVA + 4096;
  for (let i = 0; i < n; i++) {
    cpu.store(va, 8, buf, 0);
    va += 8;
    if (va === end) va = KVA;
  }
}

/** `n` 32-bit reads (read32) over 64 KiB: micro-TLB misses every page, main-TLB hits. */
export function read32Hits(cpu: Cpu, n: number): number {
  let va = KVA;
  const end = KVA + 0x1_0000;
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += cpu.read32(va);
    va += 4;
    if (va === end) va = KVA;
  }
  return s;
}

/** `n` 32-bit reads through the Device-nGnRE mapping of the SRAM (slow path, bus, cost). */
export function deviceReads(cpu: Cpu, n: number): number {
  let va = IOVA;
  const end = IOVA + 0x1000;
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += cpu.read32(va);
    va += 4;
    if (va === end) va = IOVA;
  }
  return s;
}

/**
 * `n` loads each on a different page of 64 MiB mapped with 2 MiB blocks: every access misses
 * the page TLB and is filled from a block entry (no walk once the blocks are cached).
 */
export function tlbMisses(cpu: Cpu, buf: Uint8Array, n: number, start = 0): number {
  let p = start;
  for (let i = 0; i < n; i++) {
    cpu.load(KVA + p * 4096, 8, buf, 0);
    p = (p + 1) % MISS_PAGES;
  }
  return p;
}

/**
 * `n` loads each on a different page of 64 MiB mapped with 4 KiB pages at stage 1: every
 * access misses and walks stage 1 (stage 2 is a 1 GiB block, served by its block entry).
 */
export function tlbMissWalks(cpu: Cpu, buf: Uint8Array, n: number, start = 0): number {
  let p = start;
  for (let i = 0; i < n; i++) {
    cpu.load(PVA + p * 4096, 8, buf, 0);
    p = (p + 1) % MISS_PAGES;
  }
  return p;
}
