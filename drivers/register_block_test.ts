import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { RegisterBlock } from "./register_block.ts";

Deno.test("RegisterBlock reads as zero, ignores writes and counts accesses per offset", () => {
  const bus = new Bus();
  const r = new RegisterBlock("/pl031@9010000", 0x1000);
  bus.attach(0x0901_0000, r);
  bus.write32(0x0901_0004, 5);
  assert.equal(bus.read32(0x0901_0004), 0);
  bus.read32(0x0901_0004);
  assert.deepEqual(r.accessCounts(), [{ offset: 4, reads: 2, writes: 1 }]);
  assert.equal(r.reads, 2);
  assert.equal(r.writes, 1);
});

Deno.test("RegisterBlock returns configured ID values and reads back with readBack", () => {
  const r = new RegisterBlock("x", 0x1000, { readValues: { 0xfe0: 0x31 }, readBack: true });
  const bus = new Bus();
  bus.attach(0, r);
  assert.equal(bus.read32(0xfe0), 0x31);
  bus.write32(0x10, 0xabcd);
  assert.equal(bus.read32(0x10), 0xabcd);
  assert.equal(bus.read64(0x10), 0xabcdn);
});
