import assert from "node:assert/strict";
import { Bus, BusError } from "./bus.ts";
import { Ram } from "./ram.ts";
import { RESP_DECERR, RESP_OKAY, RESP_SLVERR } from "./device.ts";
import type { SparseMemory } from "./sparse_memory.ts";

Deno.test("Bus.find() decodes addresses to the attached devices and nothing else", () => {
  const bus = new Bus();
  const lo = bus.attach(0x4000_0000, new Ram(0x1000_0000, { name: "lo" }));
  const hi = bus.attach(0x8_8000_0000, new Ram(0x1000_0000, { name: "hi" }));
  assert.equal(bus.find(0x4000_0000), lo);
  assert.equal(bus.find(0x4fff_ffff), lo);
  assert.equal(bus.find(0x5000_0000), null);
  assert.equal(bus.find(0x8_8000_1000), hi);
  assert.equal(bus.find(0x3fff_ffff), null);
  assert.equal(lo.id, 0);
  assert.equal(hi.id, 1);
});

Deno.test("Bus.attach() refuses overlapping devices", () => {
  const bus = new Bus();
  bus.attach(0x1000, new Ram(0x2000));
  assert.throws(() => bus.attach(0x2000, new Ram(0x1000, { name: "x" })), /overlaps ram/);
});

Deno.test("Bus.read() returns DECERR for unmapped addresses and accesses past a device", () => {
  const bus = new Bus();
  bus.attach(0x1000, new Ram(0x1000));
  const b = new Uint8Array(8);
  assert.equal(bus.read(0x1000, 8, b, 0), RESP_OKAY);
  assert.equal(bus.read(0x3000, 4, b, 0), RESP_DECERR);
  assert.equal(bus.read(0x1ffc, 8, b, 0), RESP_DECERR);
  assert.equal(bus.read(0x1000, 3, b, 0), RESP_SLVERR); // not an access size
});

Deno.test("Bus physical helpers read and write descriptors and throw BusError on holes", () => {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x100_0000));
  bus.write64(0x4000_0008, 0x00800000600007ffn);
  assert.equal(bus.read64(0x4000_0008), 0x00800000600007ffn);
  assert.equal(bus.readWalk64(0x4000_0008), RESP_OKAY);
  assert.equal(bus.walkLo, 0x600007ff);
  assert.equal(bus.walkHi, 0x00800000);
  bus.write32(0x4000_0010, 0x12345678);
  assert.equal(bus.read32(0x4000_0010), 0x12345678);
  assert.throws(() => bus.read64(0x9000_0000), BusError);
  assert.equal(bus.readWalk64(0x9000_0000), RESP_DECERR);
});

Deno.test("Bus.copy() moves a 32 MiB module between RAM banks without touching empty pages", () => {
  const bus = new Bus();
  const a = new Ram(0x4000_0000, { name: "a" });
  bus.attach(0x4000_0000, a);
  bus.writeBytes(0x4900_0000, new Uint8Array([0xd4, 0x00, 0x00, 0x14]));
  bus.writeBytes(0x4900_0000 + (32 << 20) - 2, new Uint8Array([0xaa, 0xbb]));
  bus.copy(0x6000_0000, 0x4900_0000, 32 << 20);
  assert.deepEqual([...bus.readBytes(0x6000_0000, 4)], [0xd4, 0, 0, 0x14]);
  assert.deepEqual([...bus.readBytes(0x6000_0000 + (32 << 20) - 2, 2)], [0xaa, 0xbb]);
  assert.equal((a.direct as SparseMemory).allocatedPages, 4);
  bus.fill(0x6000_0000, 32 << 20, 0);
  assert.deepEqual([...bus.readBytes(0x6000_0000, 4)], [0, 0, 0, 0]);
});
