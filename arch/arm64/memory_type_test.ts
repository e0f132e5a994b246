import assert from "node:assert/strict";
import {
  ATTR_DEVICE_GRE,
  ATTR_DEVICE_nGnRE,
  ATTR_DEVICE_nGnRnE,
  ATTR_DEVICE_nGRE,
  ATTR_NORMAL_NC,
  ATTR_NORMAL_WB,
  ATTR_NORMAL_WT,
  attrFromName,
  decodeAttr,
  describeAttr,
  encodeAttr,
  isNormalInnerOuterWB,
  memClass,
  memTypeName,
  normalizeAttr,
} from "./memory_type.ts";
import {
  combineShareability,
  effectiveShareability,
  SH_ISH,
  SH_NSH,
  SH_OSH,
} from "./shareability.ts";

Deno.test("memTypeName() names the Device types and Normal types as the ARM ARM spells them", () => {
  assert.equal(memTypeName(ATTR_DEVICE_nGnRnE), "Device-nGnRnE");
  assert.equal(memTypeName(ATTR_DEVICE_nGnRE), "Device-nGnRE");
  assert.equal(memTypeName(ATTR_DEVICE_nGRE), "Device-nGRE");
  assert.equal(memTypeName(ATTR_DEVICE_GRE), "Device-GRE");
  assert.equal(memTypeName(ATTR_NORMAL_NC), "Normal-NC");
  assert.equal(memTypeName(ATTR_NORMAL_WT), "Normal-WT");
  assert.equal(memTypeName(ATTR_NORMAL_WB), "Normal-WB");
  assert.equal(memTypeName(0xee), "Normal-WB"); // Xen's MT_NORMAL_WB byte
  assert.equal(memTypeName(0x4f), "Normal-iWB-oNC");
});

Deno.test("decodeAttr() reads MAIR nibbles with allocation and transient hints (S1AttrDecode)", () => {
  const wb = decodeAttr(0xee);
  assert.equal(wb.kind, "Normal");
  if (wb.kind !== "Normal") return;
  assert.deepEqual(wb.inner, {
    cacheability: "WB",
    readAllocate: true,
    writeAllocate: false,
    transient: false,
  });
  const transient = decodeAttr(0x77); // 0b0111: WB transient RW
  assert.equal(transient.kind === "Normal" && transient.inner.transient, true);
  assert.equal(transient.kind === "Normal" && transient.inner.cacheability, "WB");
  const wtTransient = decodeAttr(0x22); // 0b0010: WT transient R
  assert.equal(wtTransient.kind === "Normal" && wtTransient.outer.cacheability, "WT");
});

Deno.test("encodeAttr() round-trips every valid attribute byte", () => {
  for (let b = 0; b < 256; b++) {
    const n = normalizeAttr(b);
    assert.equal(encodeAttr(decodeAttr(n)), n, `byte 0x${b.toString(16)}`);
  }
});

Deno.test("normalizeAttr() gives reserved MAIR encodings one documented meaning", () => {
  assert.equal(normalizeAttr(0x05), ATTR_DEVICE_nGnRE); // 0b0000dd01 → dd00
  assert.equal(normalizeAttr(0xf0), ATTR_NORMAL_WB); // MTE Tagged Normal
  assert.equal(normalizeAttr(0x40), ATTR_NORMAL_NC); // FEAT_XS NC
});

Deno.test("attrFromName() parses the names memTypeName() prints", () => {
  for (const n of ["Device-nGnRnE", "Device-GRE", "Normal-NC", "Normal-WB", "Normal-iWB-oNC"]) {
    const b = attrFromName(n);
    assert.ok(b !== undefined);
    assert.equal(memTypeName(b), n);
  }
  assert.equal(attrFromName("Strongly-ordered"), undefined);
  assert.match(describeAttr(0xff), /inner WB RW-allocate, outer WB RW-allocate/);
});

Deno.test("memClass() and isNormalInnerOuterWB() classify by inner cacheability", () => {
  assert.equal(memClass(ATTR_DEVICE_nGnRnE), 0);
  assert.equal(memClass(ATTR_DEVICE_GRE), 3);
  assert.equal(memClass(ATTR_NORMAL_NC), 4);
  assert.equal(memClass(ATTR_NORMAL_WT), 5);
  assert.equal(memClass(ATTR_NORMAL_WB), 6);
  assert.equal(isNormalInnerOuterWB(0xff), true);
  assert.equal(isNormalInnerOuterWB(0x4f), false);
  assert.equal(isNormalInnerOuterWB(ATTR_DEVICE_GRE), false);
});

Deno.test("effectiveShareability() treats Device and Normal iNC/oNC as Outer Shareable", () => {
  assert.equal(effectiveShareability(ATTR_DEVICE_nGnRE, SH_ISH), SH_OSH);
  assert.equal(effectiveShareability(ATTR_NORMAL_NC, SH_NSH), SH_OSH);
  assert.equal(effectiveShareability(ATTR_NORMAL_WB, SH_ISH), SH_ISH);
  assert.equal(effectiveShareability(ATTR_NORMAL_WB, 1), SH_NSH); // reserved
});

Deno.test("combineShareability() follows S2CombineShareability: OSH > ISH > NSH", () => {
  assert.equal(combineShareability(SH_ISH, SH_OSH), SH_OSH);
  assert.equal(combineShareability(SH_NSH, SH_ISH), SH_ISH);
  assert.equal(combineShareability(SH_NSH, SH_NSH), SH_NSH);
});
