import assert from "node:assert/strict";
import {
  decodeS2,
  encodeS2Block,
  encodeS2Page,
  encodeS2Table,
  fwbKind,
  MATTR_DEV,
  MATTR_MEM,
  MATTR_MEM_NC,
  type S2AP,
  s2ExecPermission,
  s2MemAttrName,
  s2MemAttrToAttr,
} from "./stage2_descriptor.ts";
import { memTypeName } from "./memory_type.ts";
import { SH_ISH, SH_OSH } from "./shareability.ts";

// Xen 4.17 p2m types (xen/arch/arm/include/asm/p2m.h) and what mfn_to_p2m_entry() +
// p2m_set_permission() put in each leaf (xen/arch/arm/p2m.c): valid|table|af|read always,
// MemAttr and SH by type, write and XN by type, type in bits [58:55].
const XEN = [
  { t: "p2m_ram_rw", n: 1, mattr: MATTR_MEM, sh: SH_ISH, w: true, xn: false },
  { t: "p2m_ram_ro", n: 2, mattr: MATTR_MEM, sh: SH_ISH, w: false, xn: false },
  { t: "p2m_mmio_direct_dev", n: 3, mattr: MATTR_DEV, sh: SH_OSH, w: true, xn: true },
  { t: "p2m_mmio_direct_nc", n: 4, mattr: MATTR_MEM_NC, sh: SH_OSH, w: true, xn: true },
  { t: "p2m_mmio_direct_c", n: 5, mattr: MATTR_MEM, sh: SH_OSH, w: true, xn: true },
  { t: "p2m_map_foreign_rw", n: 6, mattr: MATTR_MEM, sh: SH_ISH, w: true, xn: true },
  { t: "p2m_grant_map_ro", n: 9, mattr: MATTR_MEM, sh: SH_ISH, w: false, xn: true },
];

function xenLeaf(x: (typeof XEN)[number], oa: number) {
  return {
    oa,
    memAttr: x.mattr,
    s2ap: (x.w ? 3 : 1) as S2AP,
    sh: x.sh,
    af: true,
    xn: x.xn ? 2 : 0,
    software: x.n,
  };
}

Deno.test("encodeS2Page() reproduces Xen 4.17's level-3 p2m entries bit for bit", () => {
  const expected: Record<string, bigint> = {
    // lpae_p2m_t: valid(0) table(1) mattr(5:2) read(6) write(7) sh(9:8) af(10) xn(54) type(58:55)
    p2m_ram_rw: 0x00800000600007ffn, // MemAttr 0xF, ISH, RW
    p2m_ram_ro: 0x010000006000077fn, // MemAttr 0xF, ISH, RO
    p2m_mmio_direct_dev: 0x01c00000600006c7n, // MemAttr 0x1, OSH, RW, XN
    p2m_mmio_direct_nc: 0x02400000600006d7n, // MemAttr 0x5, OSH, RW, XN
    p2m_mmio_direct_c: 0x02c00000600006ffn, // MemAttr 0xF, OSH, RW, XN
    p2m_map_foreign_rw: 0x03400000600007ffn, // MemAttr 0xF, ISH, RW, XN
    p2m_grant_map_ro: 0x04c000006000077fn, // MemAttr 0xF, ISH, RO, XN
  };
  for (const x of XEN) {
    const d = encodeS2Page(xenLeaf(x, 0x60000000));
    assert.equal(d, expected[x.t], `${x.t}: 0x${d.toString(16)}`);
    const back = decodeS2(d, 3);
    assert.equal(back.kind, "page");
    if (back.kind !== "page") continue;
    assert.equal(back.memAttr, x.mattr);
    assert.equal(back.sh, x.sh);
    assert.equal(back.software, x.n);
    assert.equal(back.xn, x.xn ? 2 : 0);
    assert.equal(back.oa, 0x60000000);
  }
});

Deno.test("encodeS2Block() clears the table bit for Xen's 2 MiB and 1 GiB superpages", () => {
  const ram = XEN[0];
  assert.equal(encodeS2Block(2, xenLeaf(ram, 0x60000000)), 0x00800000600007fdn);
  assert.equal(encodeS2Block(1, xenLeaf(ram, 0x40000000)), 0x00800000400007fdn);
  assert.throws(() => encodeS2Block(2, xenLeaf(ram, 0x60001000)), RangeError);
});

Deno.test("encodeS2Table() reproduces Xen's table entries built as p2m_ram_rw", () => {
  // page_to_p2m_table(): mfn_to_p2m_entry(mfn, p2m_ram_rw, p2m_access_rwx)
  const t = encodeS2Table({ next: 0x4007e000, ignoredLow: 0x7fc, software: 1 });
  assert.equal(t, 0x008000004007e7ffn);
  const d = decodeS2(t, 1);
  assert.equal(d.kind, "table");
  assert.equal(d.kind === "table" && d.next, 0x4007e000);
});

Deno.test("decodeS2() treats level-3 0b01 and level-0 blocks as reserved", () => {
  assert.equal(decodeS2(0x40000401n, 3).kind, "reserved");
  assert.equal(decodeS2(0x401n, 0).kind, "reserved");
  assert.equal(decodeS2(0x0080000060000000n, 3).kind, "invalid"); // Xen keeps the type
  assert.equal(decodeS2(0x0080000060000000n, 3).software, 1);
});

Deno.test("s2MemAttrToAttr() decodes MemAttr without FWB (S2AttrDecode)", () => {
  assert.equal(memTypeName(s2MemAttrToAttr(0x0)), "Device-nGnRnE");
  assert.equal(memTypeName(s2MemAttrToAttr(MATTR_DEV)), "Device-nGnRE");
  assert.equal(memTypeName(s2MemAttrToAttr(0x2)), "Device-nGRE");
  assert.equal(memTypeName(s2MemAttrToAttr(0x3)), "Device-GRE");
  assert.equal(memTypeName(s2MemAttrToAttr(MATTR_MEM_NC)), "Normal-NC");
  assert.equal(memTypeName(s2MemAttrToAttr(0xa)), "Normal-WT");
  assert.equal(memTypeName(s2MemAttrToAttr(MATTR_MEM)), "Normal-WB");
  assert.equal(memTypeName(s2MemAttrToAttr(0x7)), "Normal-iWB-oNC");
  assert.equal(s2MemAttrName(0x1), "Device-nGnRE");
  assert.equal(s2MemAttrName(0xf), "Normal-WB");
});

Deno.test("fwbKind() classifies MemAttr[2:0] under HCR_EL2.FWB", () => {
  assert.equal(fwbKind(0x1), "device");
  assert.equal(fwbKind(0x5), "normal-nc");
  assert.equal(fwbKind(0x6), "force-wb");
  assert.equal(fwbKind(0x7), "as-s1");
  assert.equal(fwbKind(0x4), "reserved");
});

Deno.test("s2ExecPermission() uses only XN[1] without FEAT_XNX", () => {
  assert.deepEqual(s2ExecPermission(2, false), { el1: false, el0: false });
  assert.deepEqual(s2ExecPermission(1, false), { el1: true, el0: true });
  assert.deepEqual(s2ExecPermission(1, true), { el1: false, el0: true });
  assert.deepEqual(s2ExecPermission(3, true), { el1: true, el0: false });
});
