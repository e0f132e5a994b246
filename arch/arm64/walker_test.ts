import assert from "node:assert/strict";
import { Bus } from "../../drivers/bus.ts";
import { Ram } from "../../drivers/ram.ts";
import {
  F_ACCESS_FLAG,
  F_ADDRESS_SIZE,
  F_NONE,
  F_TRANSLATION,
  F_WALK_EXTERNAL,
  S1Config,
  S2Config,
  S2WalkResult,
  Walker,
  WalkResult,
} from "./walker.ts";
import { S2Tlb } from "./tlb.ts";
import { pageAllocator, TableBuilder } from "./table_builder.ts";
import { encodeS2Page, encodeS2Table } from "./stage2_descriptor.ts";
import { stage2Geometry, xenVtcr } from "./vtcr.ts";

function setup() {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x1000_0000));
  const alloc = pageAllocator(0x4f00_0000, 0x100_0000);
  const walker = new Walker(bus, new S2Tlb());
  const g = stage2Geometry(xenVtcr(4), 44);
  const s2 = new TableBuilder(bus, { stage: 2, startLevel: g.startLevel, allocPages: alloc });
  const cfg = new S2Config();
  cfg.enabled = true;
  cfg.base = s2.root;
  cfg.startLevel = g.startLevel;
  cfg.rootEntries = g.rootEntries;
  cfg.ipaBits = g.ipaBits;
  cfg.paBits = 44;
  return { bus, alloc, walker, s2, cfg };
}

Deno.test("Walker.walkS2() reports the level of the leaf and of each kind of fault", () => {
  const { bus, walker, s2, cfg } = setup();
  s2.map(0x4000_0000, 0x4000_0000, 0x20_0000, { memAttr: 0xf, s2ap: 3, sh: 3, af: true, xn: 0 });
  s2.map(0x0900_0000, 0x0900_0000, 0x1000, { memAttr: 0x1, s2ap: 3, sh: 2, af: true, xn: 2 });
  const r = new S2WalkResult();
  walker.walkS2(0x4000_1234, cfg, r);
  assert.equal(r.fault, F_NONE);
  assert.equal(r.level, 2);
  assert.equal(r.paPage, 0x4000_1000);
  walker.walkS2(0x0900_0fff, cfg, r);
  assert.equal(r.level, 3);
  assert.equal(r.memAttr, 1);
  assert.equal(r.xn, 2);
  walker.walkS2(0x0900_1000, cfg, r);
  assert.deepEqual([r.fault, r.level], [F_TRANSLATION, 3]);
  walker.walkS2(0x8000_0000, cfg, r);
  assert.deepEqual([r.fault, r.level], [F_TRANSLATION, 1]);
  walker.walkS2(2 ** 44, cfg, r); // beyond the 44-bit IPA space
  assert.deepEqual([r.fault, r.level], [F_TRANSLATION, 0]);
  // AF = 0 gives an access flag fault unless VTCR_EL2.HA
  s2.map(0x0a00_0000, 0x0a00_0000, 0x1000, { memAttr: 0x1, s2ap: 3, sh: 2, af: false, xn: 2 });
  walker.walkS2(0x0a00_0000, cfg, r);
  assert.deepEqual([r.fault, r.level], [F_ACCESS_FLAG, 3]);
  cfg.ha = true;
  walker.walkS2(0x0a00_0000, cfg, r);
  assert.equal(r.fault, F_NONE);
  cfg.ha = false;
  walker.walkS2(0x0a00_0000, cfg, r); // the hardware update stuck
  assert.equal(r.fault, F_NONE);
  void bus;
});

Deno.test("Walker.walkS2() gives address size faults beyond PS and external aborts on holes", () => {
  const { bus, walker, s2, cfg, alloc } = setup();
  const l1 = alloc(1);
  bus.write64(s2.root, encodeS2Table({ next: l1 }));
  const l2 = alloc(1);
  bus.write64(l1, encodeS2Table({ next: 0x7000_0000 })); // a table in a bus hole
  bus.write64(l1 + 8, encodeS2Table({ next: l2 }));
  bus.write64(
    l2,
    encodeS2Page({ oa: 0, memAttr: 0xf, s2ap: 3, sh: 3, af: true, xn: 0 }) | 0x0000_1000_0000_0000n,
  );
  const r = new S2WalkResult();
  walker.walkS2(0x10, cfg, r);
  assert.deepEqual([r.fault, r.level], [F_WALK_EXTERNAL, 2]);
  cfg.paBits = 44;
  bus.write64(l2, 0x0000_1000_0000_0003n | 0x400n); // L2 "table" pointing above 44 bits
  walker.walkS2(0x4000_0000, cfg, r);
  assert.deepEqual([r.fault, r.level], [F_ADDRESS_SIZE, 2]);
});

Deno.test("Walker.walkS1() accumulates APTable/PXNTable and indexes upper-half VAs", () => {
  const { bus, walker, alloc } = setup();
  const t = new TableBuilder(bus, { stage: 1, startLevel: 0, allocPages: alloc });
  t.map(-0x8000_0000_0000 + 0x1000, 0x4000_1000, 0x1000, {
    attrIndx: 0,
    ap: 1,
    sh: 3,
    af: true,
    ng: true,
  });
  // Set APTable = 0b10 (read-only below) and PXNTable on the root entry.
  const root = bus.read64(t.root + 256 * 8);
  bus.write64(t.root + 256 * 8, root | (2n << 61n) | (1n << 59n));
  const c = new S1Config();
  c.enabled = true;
  c.base1 = t.root;
  const w = new WalkResult();
  walker.walkS1(-0x8000_0000_0000 + 0x1234, c, new S2Config(), w);
  assert.equal(w.fault, F_NONE);
  assert.equal(w.s1Level, 3);
  assert.equal(w.ipaPage, 0x4000_1000);
  assert.equal(w.ap, 3); // AP[2] forced by APTable[1]
  assert.equal(w.pxn, true);
  assert.equal(w.ng, true);
  assert.equal(w.reads, 4);
  walker.walkS1(0x1000, c, new S2Config(), w); // TTBR0 base 0 points at unmapped PA 0
  assert.equal(w.fault, F_WALK_EXTERNAL);
  c.epd0 = true;
  walker.walkS1(0x1000, c, new S2Config(), w);
  assert.deepEqual([w.fault, w.level], [F_TRANSLATION, 0]);
  walker.walkS1(-0x8000_0000_0001, c, new S2Config(), w); // below the TTBR1 range
  assert.deepEqual([w.fault, w.level], [F_TRANSLATION, 0]);
});
