import assert from "node:assert/strict";
import { readDtb, readDtbHeader } from "./dtb_read.ts";
import {
  fdt_add_reservemap_entry,
  fdt_begin_node,
  fdt_create,
  FDT_CREATE_FLAG_NO_NAME_DEDUP,
  fdt_create_with_flags,
  fdt_end_node,
  FDT_ERR_BADFLAGS,
  FDT_ERR_BADMAGIC,
  FDT_ERR_BADSTATE,
  FDT_ERR_NOSPACE,
  fdt_find_string_,
  fdt_finish,
  fdt_finish_reservemap,
  fdt_property,
  fdt_property_cell,
  fdt_property_placeholder,
  fdt_property_string,
  fdt_property_u64,
  fdt_size_dt_strings,
  fdt_strerror,
  fdt_totalsize,
} from "./fdt_sw.ts";

function finished(buf: Uint8Array): Uint8Array {
  assert.equal(fdt_finish(buf), 0);
  return buf.slice(0, fdt_totalsize(buf));
}

function stringsBlock(blob: Uint8Array): string {
  const h = readDtbHeader(blob, "t");
  return String.fromCharCode(...blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings));
}

Deno.test("fdt_finish() lays out header, reserve map at 0x30 and structure block at 0x40", () => {
  const buf = new Uint8Array(200);
  assert.equal(fdt_create(buf, 200), 0);
  assert.equal(fdt_finish_reservemap(buf), 0);
  assert.equal(fdt_begin_node(buf, ""), 0);
  assert.equal(fdt_end_node(buf), 0);
  const blob = finished(buf);
  const h = readDtbHeader(blob, "t");
  assert.deepEqual(
    [h.offMemRsvmap, h.offDtStruct, h.version, h.lastCompVersion, h.bootCpuidPhys],
    [0x30, 0x40, 17, 16, 0],
  );
  assert.equal(h.sizeDtStruct, 8 + 4 + 4);
  assert.equal(h.offDtStrings, 0x40 + 16);
  assert.equal(h.totalsize, 0x50);
  assert.deepEqual([...blob.subarray(0x28, 0x40)], new Array(24).fill(0));
});

Deno.test("fdt_add_reservemap_entry() writes entries before the terminator", () => {
  const buf = new Uint8Array(200);
  fdt_create(buf);
  assert.equal(fdt_add_reservemap_entry(buf, 0x80000000n, 0x10000n), 0);
  fdt_finish_reservemap(buf);
  fdt_begin_node(buf, "");
  fdt_end_node(buf);
  const blob = finished(buf);
  assert.equal(readDtbHeader(blob, "t").offDtStruct, 0x50);
  assert.deepEqual(readDtb(blob, "t").reserves, [
    { address: 0x80000000n, size: 0x10000n, labels: [] },
  ]);
});

Deno.test("fdt_property() puts new names in front and reuses suffixes at the lowest address", () => {
  const buf = new Uint8Array(400);
  fdt_create(buf);
  fdt_finish_reservemap(buf);
  fdt_begin_node(buf, "");
  fdt_property_cell(buf, "interrupt-parent", 1);
  fdt_property_cell(buf, "#size-cells", 2);
  fdt_property(buf, "dma-ranges", new Uint8Array(0));
  fdt_property(buf, "ranges", new Uint8Array(0)); // suffix of dma-ranges: reused
  fdt_property_cell(buf, "size-cells", 0); // suffix of #size-cells: reused
  fdt_property_cell(buf, "#size-cells", 3); // existing: reused
  fdt_begin_node(buf, "n@1");
  fdt_property_string(buf, "compatible", "x,y");
  fdt_property_u64(buf, "reg", 0x1_0000_0000n);
  fdt_end_node(buf);
  fdt_end_node(buf);
  const blob = finished(buf);
  assert.equal(
    stringsBlock(blob),
    "reg\0compatible\0dma-ranges\0#size-cells\0interrupt-parent\0",
  );
  const t = readDtb(blob, "t");
  assert.deepEqual(t.root.props.map((p) => p.name), [
    "interrupt-parent",
    "#size-cells",
    "dma-ranges",
    "ranges",
    "size-cells",
    "#size-cells",
  ]);
  const n = t.root.children[0];
  assert.equal(n.name, "n@1");
  assert.equal(n.prop("compatible")!.str(), "x,y");
  assert.deepEqual(n.prop("reg")!.cells(), [1, 0]);
});

Deno.test("fdt_create_with_flags() honours FDT_CREATE_FLAG_NO_NAME_DEDUP and refuses bad flags", () => {
  const buf = new Uint8Array(200);
  assert.equal(fdt_create_with_flags(buf, 200, 2), -FDT_ERR_BADFLAGS);
  assert.equal(fdt_create_with_flags(buf, 200, FDT_CREATE_FLAG_NO_NAME_DEDUP), 0);
  fdt_finish_reservemap(buf);
  fdt_begin_node(buf, "");
  fdt_property_cell(buf, "a", 1);
  fdt_property_cell(buf, "a", 2);
  fdt_end_node(buf);
  assert.equal(stringsBlock(finished(buf)), "a\0a\0");
});

Deno.test("fdt_sw functions refuse calls in the wrong state", () => {
  const buf = new Uint8Array(200);
  assert.equal(fdt_begin_node(buf, ""), -FDT_ERR_BADMAGIC); // never created
  fdt_create(buf);
  assert.equal(fdt_begin_node(buf, ""), -FDT_ERR_BADSTATE); // reserve map not finished
  fdt_finish_reservemap(buf);
  assert.equal(fdt_add_reservemap_entry(buf, 1n, 1n), -FDT_ERR_BADSTATE);
  fdt_begin_node(buf, "");
  fdt_end_node(buf);
  assert.equal(fdt_finish(buf), 0);
  assert.equal(fdt_property_cell(buf, "x", 1), -FDT_ERR_BADSTATE); // finished
  assert.equal(fdt_finish(buf), -FDT_ERR_BADSTATE);
});

Deno.test("fdt_sw functions return FDT_ERR_NOSPACE when the buffer is full", () => {
  assert.equal(fdt_create(new Uint8Array(47)), -FDT_ERR_NOSPACE);
  const buf = new Uint8Array(0x40 + 8 + 12 + 4);
  fdt_create(buf);
  fdt_finish_reservemap(buf);
  assert.equal(fdt_begin_node(buf, ""), 0);
  // "abc\0" (4 bytes) + 12-byte header + 8-byte value do not fit the 12 bytes left.
  assert.equal(fdt_property(buf, "abc", new Uint8Array(8)), -FDT_ERR_NOSPACE);
  // The name was rolled back: the strings block is empty again.
  assert.equal(fdt_size_dt_strings(buf), 0);
  assert.equal(fdt_property_placeholder(buf, "abcdefghijklmnop", 0), -FDT_ERR_NOSPACE);
  assert.equal(fdt_end_node(buf), 0);
  assert.equal(fdt_finish(buf), 0);
  assert.equal(fdt_strerror(-FDT_ERR_NOSPACE), "FDT_ERR_NOSPACE");
  assert.equal(fdt_strerror(0), "<no error>");
  assert.equal(fdt_strerror(-99), "<unknown error>");
});

Deno.test("fdt_property_placeholder() returns the value offset for the caller to fill", () => {
  const buf = new Uint8Array(200);
  fdt_create(buf);
  fdt_finish_reservemap(buf);
  fdt_begin_node(buf, "");
  const at = fdt_property_placeholder(buf, "p", 3);
  assert.equal(at, 0x40 + 8 + 12);
  buf.set([7, 8, 9], at);
  fdt_end_node(buf);
  const t = readDtb(finished(buf), "t");
  assert.deepEqual([...t.root.prop("p")!.value], [7, 8, 9]);
});

Deno.test("fdt_property() picks the same name offsets as libfdt's fdt_find_string_ scan", () => {
  // Names from a tiny alphabet so that many are suffixes of others.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const buf = new Uint8Array(1 << 16);
  fdt_create(buf);
  fdt_finish_reservemap(buf);
  fdt_begin_node(buf, "");
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < 2000; i++) {
    let name = "";
    for (let k = rnd(5); k >= 0; k--) name += "ab-"[rnd(3)];
    const total = dv.getUint32(4), size = dv.getUint32(32);
    const ref = fdt_find_string_(buf, total - size, size, name);
    const want = ref >= 0 ? ref - total : -(size + name.length + 1);
    const tok = dv.getUint32(8) + dv.getUint32(36);
    assert.equal(fdt_property(buf, name, new Uint8Array(0)), 0);
    assert.equal(dv.getInt32(tok + 8), want, `${i}: ${name}`);
  }
  fdt_end_node(buf);
  assert.equal(fdt_finish(buf), 0);
  readDtb(buf.subarray(0, fdt_totalsize(buf)), "t");
});
