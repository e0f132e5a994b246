import assert from "node:assert/strict";
import { Bus } from "../../drivers/bus.ts";
import { Ram } from "../../drivers/ram.ts";
import { pageAllocator, TableBuilder } from "./table_builder.ts";
import { decodeS2 } from "./stage2_descriptor.ts";

Deno.test("TableBuilder.map() uses 1 GiB and 2 MiB blocks when aligned, pages otherwise", () => {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x1000_0000));
  const t = new TableBuilder(bus, {
    stage: 2,
    startLevel: 1,
    allocPages: pageAllocator(0x4f00_0000, 0x10_0000),
  });
  t.map(0x8000_0000, 0x8000_0000, 0x4000_0000, { memAttr: 0xf, s2ap: 3, sh: 3, af: true, xn: 0 });
  assert.equal(decodeS2(bus.read64(t.root + 2 * 8), 1).kind, "block");
  t.map(0x0020_0000, 0x0020_0000, 0x20_1000, { memAttr: 0x1, s2ap: 3, sh: 2, af: true, xn: 2 });
  assert.equal(t.tables, 3); // root, one L2, one L3
});

Deno.test("TableBuilder.map() splits a block it has to map inside, keeping its attributes", () => {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x1000_0000));
  const t = new TableBuilder(bus, {
    stage: 2,
    startLevel: 1,
    allocPages: pageAllocator(0x4f00_0000, 0x10_0000),
  });
  t.map(0, 0x4000_0000, 0x20_0000, { memAttr: 0xf, s2ap: 3, sh: 3, af: true, xn: 0, software: 1 });
  t.map(0x1000, 0x4f80_0000, 0x1000, {
    memAttr: 0x1,
    s2ap: 3,
    sh: 2,
    af: true,
    xn: 2,
    software: 3,
  });
  const l2 = Number(bus.read64(t.root) & 0xfffffffff000n);
  const l3 = Number(bus.read64(l2) & 0xfffffffff000n);
  const p0 = decodeS2(bus.read64(l3), 3);
  const p1 = decodeS2(bus.read64(l3 + 8), 3);
  const p2 = decodeS2(bus.read64(l3 + 16), 3);
  assert.ok(p0.kind === "page" && p0.oa === 0x4000_0000 && p0.software === 1);
  assert.ok(p1.kind === "page" && p1.oa === 0x4f80_0000 && p1.memAttr === 1);
  assert.ok(p2.kind === "page" && p2.oa === 0x4000_2000 && p2.memAttr === 0xf);
  assert.equal(t.unmapPage(0x1000), true);
  assert.equal(decodeS2(bus.read64(l3 + 8), 3).kind, "invalid");
});
