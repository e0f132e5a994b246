import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { decodeS2, encodeS2Page } from "../arch/arm64/stage2_descriptor.ts";
import { xenVtcr } from "../arch/arm64/vtcr.ts";
import { SparseMemory } from "./machine.ts";
import {
  decodeP2mEntry,
  mfnToP2mEntry,
  P2m,
  P2M_TYPE_VALUE,
  type P2mType,
  setupVirtPaging,
} from "./p2m.ts";
import { PageAllocator } from "./page_alloc.ts";

function p2m(): { p: P2m; alloc: PageAllocator; flushes: number[] } {
  const alloc = new PageAllocator([{ start: 0x40000000, size: 0x40000000 }]);
  alloc.initBootPages(0x40000000, 0x80000000);
  alloc.endBootAllocator();
  const flushes: number[] = [];
  const p = new P2m(new SparseMemory(), alloc, setupVirtPaging(4, false), 1, {
    tlbFlush: (v) => flushes.push(v),
  });
  return { p, alloc, flushes };
}

const join = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

// p2m.c mfn_to_p2m_entry + p2m_set_permission (facts xen.md §2.2): MemAttr, SH, S2AP, XN.
const EXPECT: [P2mType, number, number, number, number][] = [
  // type, MemAttr, SH, S2AP, XN
  ["p2m_ram_rw", 0xf, 3, 3, 0],
  ["p2m_ram_ro", 0xf, 3, 1, 0],
  ["p2m_mmio_direct_dev", 0x1, 2, 3, 2],
  ["p2m_mmio_direct_nc", 0x5, 2, 3, 2],
  ["p2m_mmio_direct_c", 0xf, 2, 3, 2],
  ["p2m_map_foreign_rw", 0xf, 3, 3, 2],
  ["p2m_map_foreign_ro", 0xf, 3, 1, 2],
  ["p2m_grant_map_rw", 0xf, 3, 3, 2],
  ["p2m_grant_map_ro", 0xf, 3, 1, 2],
  ["p2m_iommu_map_rw", 0xf, 3, 3, 2],
  ["p2m_iommu_map_ro", 0xf, 3, 1, 2],
];

for (const [t, memAttr, sh, s2ap, xn] of EXPECT) {
  Deno.test(`mfnToP2mEntry() gives ${t} Xen 4.17's stage-2 bits, bit-exact against arm64's encoder`, () => {
    const [lo, hi] = mfnToP2mEntry(0x12345, t);
    const want = encodeS2Page({
      oa: 0x12345000,
      memAttr,
      s2ap: s2ap as 0 | 1 | 2 | 3,
      sh,
      af: true,
      xn,
      software: P2M_TYPE_VALUE[t],
    });
    equal(join(lo, hi), want);
  });
}

Deno.test("mfnToP2mEntry() applies p2m_access_t on top of the type (rx clears write, n clears both)", () => {
  const rx = decodeP2mEntry(...mfnToP2mEntry(1, "p2m_ram_rw", "rx"));
  equal(rx.write, false);
  equal(rx.xn, false);
  const n = decodeP2mEntry(...mfnToP2mEntry(1, "p2m_ram_rw", "n"));
  deepStrictEqual([n.read, n.write, n.xn], [false, false, true]);
});

Deno.test("setupVirtPaging() reproduces Xen's VTCR for every PARange and agrees with arm64's xenVtcr()", () => {
  const g = setupVirtPaging(4, false);
  equal(g.vtcr, 0x80043594);
  deepStrictEqual([g.ipaBits, g.paBits, g.rootLevel, g.rootOrder, g.vmidBits], [44, 44, 0, 0, 8]);
  for (let pa = 0; pa <= 5; pa++) equal(BigInt(setupVirtPaging(pa, false).vtcr), xenVtcr(pa));
  const g40 = setupVirtPaging(2, false);
  deepStrictEqual([g40.rootLevel, g40.rootOrder], [1, 1]);
  equal(setupVirtPaging(5, true).vtcr & (1 << 19), 1 << 19);
});

Deno.test("P2m.setEntry() maps 4 GiB of 1 GiB-aligned RAM with four level-1 blocks and two table pages", () => {
  const { p } = p2m();
  equal(p.setEntry(0x100000, 0x100000, 0x100000, "p2m_ram_rw"), 0);
  deepStrictEqual(p.countDescriptors(), { tables: 2, leaves: [0, 4, 0, 0] });
  const l = p.lookup(0x100000 + 0x12345);
  deepStrictEqual([l.mfn, l.type, l.level, l.order], [0x112345, "p2m_ram_rw", 1, 18]);
});

Deno.test("P2m.setEntry() uses 2 MiB blocks when GFN, MFN and size are 2 MiB aligned, else 4 KiB", () => {
  const { p } = p2m();
  p.setEntry(0x60000, 0x20000, 0x60000, "p2m_ram_rw"); // 512 MiB at 0x60000000
  deepStrictEqual(p.countDescriptors().leaves, [0, 0, 256, 0]);
  const { p: q } = p2m();
  // A 2 MiB-aligned 3 MiB region: the remaining count is in Xen's mask, so every step is 4 KiB.
  q.setEntry(0x200, 0x300, 0x200, "p2m_mmio_direct_c");
  deepStrictEqual(q.countDescriptors().leaves, [0, 0, 0, 768]);
});

Deno.test("P2m.setEntry() splits a 1 GiB block down to 4 KiB break-before-make and never merges back", () => {
  const { p, flushes } = p2m();
  p.setEntry(0x40000, 0x40000, 0x40000, "p2m_ram_rw");
  equal(flushes.length, 0);
  p.setEntry(0x40001, 1, 0x9000, "p2m_mmio_direct_dev");
  deepStrictEqual(p.stats.shattered, [0, 1, 1, 0]);
  deepStrictEqual(p.countDescriptors().leaves, [0, 0, 511, 512]);
  ok(flushes.length >= 2); // the split's break-before-make and the replaced valid entry
  const a = p.lookup(0x40000);
  equal(a.type, "p2m_ram_rw");
  equal(a.level, 3);
  equal(p.lookup(0x40001).type, "p2m_mmio_direct_dev");
  // Re-mapping the page as RAM does not coalesce the tables.
  p.setEntry(0x40001, 1, 0x40001, "p2m_ram_rw");
  deepStrictEqual(p.countDescriptors().leaves, [0, 0, 511, 512]);
  // The split entries inherited the block's attributes (same descriptor bits but the address).
  const e0 = p.lookup(0x40002).entry!;
  const blockBits = mfnToP2mEntry(0x40002, "p2m_ram_rw");
  equal(join(e0.lo, e0.hi), join(blockBits[0], blockBits[1]));
});

Deno.test("P2m.setEntry() replacing a table with a block frees the table pages to the heap", () => {
  const { p, alloc } = p2m();
  p.setEntry(0x40000, 1, 0x40000, "p2m_ram_rw"); // creates L1, L2, L3 tables
  const tables = p.stats.tablePages;
  const free = alloc.totalAvail;
  p.setEntry(0x40000, 0x40000, 0x40000, "p2m_ram_rw"); // 1 GiB block over the L2 table
  equal(p.stats.tablePages, tables - 2);
  equal(alloc.totalAvail, free + 2);
  equal(p.lookup(0x40005).level, 1);
});

Deno.test("P2m.setEntry(mfn = -1) removes mappings and lookup() then reports p2m_invalid", () => {
  const { p } = p2m();
  p.setEntry(0x9000, 16, 0x9000, "p2m_mmio_direct_c");
  p.setEntry(0x9004, 4, -1, "p2m_invalid");
  equal(p.lookup(0x9004).type, "p2m_invalid");
  equal(p.lookup(0x9008).type, "p2m_mmio_direct_c");
  equal(p.leaves().length, 2);
});

Deno.test("P2m descriptors decode with arm64's decodeS2() as Xen's leaves and tables", () => {
  const { p } = p2m();
  p.setEntry(0x60000, 0x200, 0x60000, "p2m_mmio_direct_nc");
  const e = p.lookup(0x60000).entry!;
  const d = decodeS2(join(e.lo, e.hi), 2);
  equal(d.kind, "block");
  if (d.kind === "block") {
    equal(d.memAttr, 0x5);
    equal(d.software, P2M_TYPE_VALUE.p2m_mmio_direct_nc);
  }
});

Deno.test("P2m.vttbr carries the VMID in bits [63:48] and the root address", () => {
  const { p } = p2m();
  equal(p.vttbr >> 48n, 1n);
  equal(p.vttbr & 0xffffffffffffn, BigInt(p.rootPa));
});
