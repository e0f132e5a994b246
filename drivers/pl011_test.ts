import assert from "node:assert/strict";
import { Bus } from "./bus.ts";
import { FR, PL011, Pl011 } from "./pl011.ts";
import { RESP_SLVERR } from "./device.ts";

Deno.test("Pl011 collects bytes written to UARTDR (byte and word writes) as console output", () => {
  const bus = new Bus();
  const u = new Pl011("/pl011@9000000");
  bus.attach(0x0900_0000, u);
  for (const c of "(XEN) hi\n") bus.write32(0x0900_0000 + PL011.DR, c.charCodeAt(0));
  bus.writeBytes(0x0900_0000, new Uint8Array([0x21])); // STRB
  assert.equal(u.text(), "(XEN) hi\n!");
});

Deno.test("Pl011 flag register says TX empty, never full; RX empty until bytes arrive", () => {
  const bus = new Bus();
  const u = new Pl011();
  bus.attach(0x1000, u);
  assert.equal(bus.read32(0x1000 + PL011.FR), FR.TXFE | FR.RXFE);
  u.receive([0x61]);
  assert.equal(bus.read32(0x1000 + PL011.FR) & FR.RXFE, 0);
  assert.equal(bus.read32(0x1000 + PL011.DR), 0x61);
  assert.equal(bus.read32(0x1000 + PL011.FR), FR.TXFE | FR.RXFE);
});

Deno.test("Pl011 reports PrimeCell IDs Linux's AMBA bus matches and refuses 64-bit accesses", () => {
  const bus = new Bus();
  bus.attach(0x1000, new Pl011());
  const id = [0xfe0, 0xfe4, 0xfe8, 0xfec].map((o) => bus.read32(0x1000 + o));
  const cid = [0xff0, 0xff4, 0xff8, 0xffc].map((o) => bus.read32(0x1000 + o));
  assert.deepEqual(id, [0x11, 0x10, 0x14, 0x00]);
  assert.deepEqual(cid, [0x0d, 0xf0, 0x05, 0xb1]);
  assert.equal(bus.read(0x1000, 8, new Uint8Array(8), 0), RESP_SLVERR);
  bus.write32(0x1000 + PL011.CR, 0x301);
  assert.equal(bus.read32(0x1000 + PL011.CR), 0x301);
});
