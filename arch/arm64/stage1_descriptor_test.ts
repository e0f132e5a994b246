import assert from "node:assert/strict";
import {
  decodeS1,
  encodeS1Block,
  encodeS1Page,
  encodeS1Table,
  s1ApPermissions,
} from "./stage1_descriptor.ts";
import { LINUX_MT } from "./mair.ts";
import { SH_ISH } from "./shareability.ts";

Deno.test("encodeS1Page() reproduces Linux PAGE_KERNEL (PROT_NORMAL) for a 4 KiB page", () => {
  // pgtable-prot.h: PTE_TYPE_PAGE | PTE_AF | PTE_SHARED | PTE_PXN | PTE_UXN | PTE_WRITE(DBM)
  // | PTE_ATTRINDX(MT_NORMAL)
  const d = encodeS1Page({
    oa: 0x40000000,
    attrIndx: LINUX_MT.MT_NORMAL,
    ap: 0,
    sh: SH_ISH,
    af: true,
    pxn: true,
    uxn: true,
    dbm: true,
  });
  assert.equal(d, 0x0068000040000703n);
});

Deno.test("encodeS1Page() reproduces Linux PROT_DEVICE_nGnRE (ioremap) and PROT_NORMAL_NC", () => {
  const base = { oa: 0x09000000, ap: 0 as const, sh: SH_ISH, af: true, pxn: true, uxn: true };
  assert.equal(
    encodeS1Page({ ...base, attrIndx: LINUX_MT.MT_DEVICE_nGnRE, dbm: true }),
    0x0068000009000713n,
  );
  assert.equal(
    encodeS1Page({ ...base, attrIndx: LINUX_MT.MT_NORMAL_NC, dbm: true }),
    0x006800000900070bn,
  );
});

Deno.test("decodeS1() returns every leaf field of a page and a block", () => {
  const d = decodeS1(0x00e8000040000f4fn, 3);
  assert.equal(d.kind, "page");
  if (d.kind !== "page") return;
  assert.equal(d.attrIndx, 3);
  assert.equal(d.ap, 1); // AP[1]: EL0 RW
  assert.equal(d.ng, true);
  assert.equal(d.pxn, true);
  assert.equal(d.uxn, true);
  assert.equal(d.software, 1); // bit 55 (Linux PTE_DIRTY)
  const b = decodeS1(encodeS1Block(2, { oa: 0x40200000, attrIndx: 0, ap: 2, sh: 3, af: true }), 2);
  assert.equal(b.kind, "block");
  assert.equal(b.kind === "block" && b.oa, 0x40200000);
  assert.equal(b.kind === "block" && b.ap, 2);
});

Deno.test("encodeS1Table() places PXNTable, UXNTable, APTable and NSTable in bits 59..63", () => {
  const t = encodeS1Table({
    next: 0x41234000,
    pxnTable: true,
    uxnTable: true,
    apTable: 3,
    nsTable: true,
  });
  assert.equal(t, 0xf800000041234003n);
  const d = decodeS1(t, 1);
  assert.equal(d.kind, "table");
  if (d.kind !== "table") return;
  assert.equal(d.next, 0x41234000);
  assert.equal(d.apTable, 3);
  assert.equal(d.nsTable, true);
});

Deno.test("decodeS1() reports an L0 block and an L3 0b01 entry as reserved", () => {
  assert.equal(decodeS1(0x401n, 0).kind, "reserved");
  assert.equal(decodeS1(0x401n, 3).kind, "reserved");
  assert.equal(decodeS1(0n, 2).kind, "invalid");
});

Deno.test("s1ApPermissions() follows the AP[2:1] table of the EL1&0 regime", () => {
  assert.deepEqual(s1ApPermissions(0), {
    el1Read: true,
    el1Write: true,
    el0Read: false,
    el0Write: false,
  });
  assert.deepEqual(s1ApPermissions(1), {
    el1Read: true,
    el1Write: true,
    el0Read: true,
    el0Write: true,
  });
  assert.deepEqual(s1ApPermissions(2), {
    el1Read: true,
    el1Write: false,
    el0Read: false,
    el0Write: false,
  });
  assert.deepEqual(s1ApPermissions(3), {
    el1Read: true,
    el1Write: false,
    el0Read: true,
    el0Write: false,
  });
});

Deno.test("encodeS1Page() refuses unaligned or too-wide output addresses", () => {
  const l = { attrIndx: 0, ap: 0 as const, sh: 3, af: true };
  assert.throws(() => encodeS1Page({ ...l, oa: 0x1001 }), RangeError);
  assert.throws(() => encodeS1Page({ ...l, oa: 2 ** 48 }), RangeError);
  assert.throws(() => encodeS1Page({ ...l, oa: 0, attrIndx: 8 }), RangeError);
});
