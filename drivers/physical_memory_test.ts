import assert from "node:assert/strict";
import { Bus, BusError } from "./bus.ts";
import { Ram } from "./ram.ts";
import { Pl011 } from "./pl011.ts";
import { PhysicalMemory } from "./physical_memory.ts";

Deno.test("PhysicalMemory reads, writes, copies and fills physical ranges across devices", () => {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x100_0000));
  const u = new Pl011("uart");
  bus.attach(0x0900_0000, u);
  const m = new PhysicalMemory(bus);
  m.write(0x4000_0ffe, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual([...m.read(0x4000_0ffe, 4)], [1, 2, 3, 4]);
  m.writeU32(0x4000_2000, 0xcafef00d);
  assert.equal(m.readU32(0x4000_2000), 0xcafef00d);
  m.copy(0x4080_0000, 0x4000_2000, 4);
  assert.equal(m.readU32(0x4080_0000), 0xcafef00d);
  m.fill(0x4080_0000, 2, 0xff);
  assert.equal(m.readU32(0x4080_0000), 0xcafeffff);
  m.write(0x0900_0000, new Uint8Array([0x58]));
  assert.equal(u.text(), "X");
  assert.throws(() => m.read(0x1000, 4), BusError);
});

Deno.test("PhysicalMemory.page() gives the RAM page array Xen's page-table code writes into", () => {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x10_0000));
  const m = new PhysicalMemory(bus);
  const p = m.page(0x4000_1234);
  p[0x234] = 0x7f;
  assert.equal(m.read(0x4000_1234, 1)[0], 0x7f);
  assert.throws(() => m.page(0x100), BusError);
  assert.deepEqual(bus.describe(0), { name: "ram", model: "ram" });
});
