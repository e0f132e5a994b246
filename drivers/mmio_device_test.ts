import assert from "node:assert/strict";
import { MmioDevice } from "./mmio_device.ts";
import { RESP_OKAY, RESP_SLVERR } from "./device.ts";

class Regs extends MmioDevice {
  readonly model = "test";
  readonly words = new Map<number, number>();
  read32(o: number): number {
    return this.words.get(o) ?? 0;
  }
  write32(o: number, v: number): void {
    this.words.set(o, v);
  }
}

Deno.test("MmioDevice turns byte, halfword and doubleword accesses into word accesses", () => {
  const r = new Regs("r", 0x100);
  const b = new Uint8Array(8);
  assert.equal(r.write(0x4, 4, new Uint8Array([0x11, 0x22, 0x33, 0x44]), 0), RESP_OKAY);
  assert.equal(r.write(0x5, 1, new Uint8Array([0xaa]), 0), RESP_OKAY);
  assert.equal(r.read32(0x4), 0x4433aa11);
  assert.equal(r.read(0x6, 2, b, 0), RESP_OKAY);
  assert.deepEqual([...b.subarray(0, 2)], [0x33, 0x44]);
  assert.equal(r.write(0x8, 8, new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), 0), RESP_OKAY);
  assert.equal(r.read32(0xc), 2);
  assert.equal(r.read(0x6, 4, b, 0), RESP_SLVERR); // misaligned
  assert.equal(r.read(0xfc, 8, b, 0), RESP_SLVERR); // past the end
});
