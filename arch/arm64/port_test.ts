import assert from "node:assert/strict";
import { GuestException, vaFromBigInt, vaHex, vaToBigInt } from "./port.ts";

Deno.test("vaToBigInt()/vaFromBigInt() round-trip upper-half kernel VAs exactly", () => {
  const va = vaFromBigInt(0xffff800008000000n);
  assert.equal(va, -0x7ffff8000000);
  assert.equal(vaToBigInt(va), 0xffff800008000000n);
  assert.equal(vaHex(va), "ffff800008000000");
  assert.throws(() => vaFromBigInt(0x8000000000000001n), RangeError);
});

Deno.test("GuestException names the ESR and FAR as Linux would print them", () => {
  const e = new GuestException({
    esr: 0x96000021,
    ec: 0x25,
    iss: 0x21,
    fsc: 0x21,
    far: -0x7ffff7ffff00,
  });
  assert.equal(e.message, "guest exception ESR=0x96000021 FAR=ffff800008000100");
  assert.equal(e.type, "sync");
});
