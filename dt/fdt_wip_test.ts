import assert from "node:assert/strict";
import { FDT_END, FDT_NOP, readDtb } from "./dtb_read.ts";
import {
  fdt_begin_node,
  fdt_create,
  fdt_end_node,
  FDT_ERR_BADMAGIC,
  FDT_ERR_BADPATH,
  FDT_ERR_NOSPACE,
  FDT_ERR_NOTFOUND,
  FDT_ERR_TRUNCATED,
  fdt_finish,
  fdt_finish_reservemap,
  fdt_property,
  fdt_property_string,
  fdt_totalsize,
} from "./fdt_sw.ts";
import {
  fdt_get_property,
  fdt_getprop,
  fdt_next_tag,
  fdt_nop_property,
  fdt_path_offset,
  fdt_setprop_inplace,
  fdt_subnode_offset,
} from "./fdt_wip.ts";

function sample(): Uint8Array {
  const buf = new Uint8Array(1024);
  fdt_create(buf);
  fdt_finish_reservemap(buf);
  fdt_begin_node(buf, "");
  fdt_begin_node(buf, "aliases");
  fdt_property_string(buf, "serial0", "/soc/uart@1000");
  fdt_end_node(buf);
  fdt_begin_node(buf, "chosen");
  fdt_property(buf, "odd", new Uint8Array(5).fill(1));
  fdt_property(buf, "linux,initrd-start", new Uint8Array(8));
  fdt_end_node(buf);
  fdt_begin_node(buf, "soc");
  fdt_begin_node(buf, "uart@1000");
  fdt_property_string(buf, "status", "okay");
  fdt_end_node(buf);
  fdt_end_node(buf);
  fdt_end_node(buf);
  fdt_finish(buf);
  return buf.slice(0, fdt_totalsize(buf));
}

Deno.test("fdt_path_offset() finds nodes by path, by base name and through aliases", () => {
  const b = sample();
  assert.equal(fdt_path_offset(b, "/"), 0);
  const uart = fdt_path_offset(b, "/soc/uart@1000");
  assert.ok(uart > 0);
  assert.equal(fdt_path_offset(b, "/soc/uart"), uart);
  assert.equal(fdt_path_offset(b, "serial0"), uart);
  assert.equal(fdt_path_offset(b, "/soc/uart@2000"), -FDT_ERR_NOTFOUND);
  assert.equal(fdt_path_offset(b, "nosuch"), -FDT_ERR_BADPATH);
  assert.equal(fdt_subnode_offset(b, 0, "chosen"), fdt_path_offset(b, "/chosen"));
  assert.equal(fdt_path_offset(new Uint8Array(64), "/"), -FDT_ERR_BADMAGIC);
});

Deno.test("fdt_getprop() returns a view of the value or FDT_ERR_NOTFOUND", () => {
  const b = sample();
  const uart = fdt_path_offset(b, "/soc/uart@1000");
  const v = fdt_getprop(b, uart, "status") as Uint8Array;
  assert.equal(String.fromCharCode(...v), "okay\0");
  assert.equal(fdt_getprop(b, uart, "nosuch"), -FDT_ERR_NOTFOUND);
  assert.equal(fdt_getprop(b, 0, "status"), -FDT_ERR_NOTFOUND); // not inherited from children
});

Deno.test("fdt_setprop_inplace() patches a same-length value and refuses another length", () => {
  const b = sample();
  const chosen = fdt_path_offset(b, "/chosen");
  const val = new Uint8Array([0, 0, 0, 0, 0x68, 0x20, 0, 0]);
  assert.equal(fdt_setprop_inplace(b, chosen, "linux,initrd-start", val), 0);
  assert.deepEqual(
    readDtb(b, "t").lookup("/chosen")!.prop("linux,initrd-start")!.cells(),
    [0, 0x68200000],
  );
  assert.equal(fdt_setprop_inplace(b, chosen, "linux,initrd-start", new Uint8Array(4)), -3);
  assert.equal(-FDT_ERR_NOSPACE, -3);
  assert.equal(fdt_setprop_inplace(b, chosen, "linux,initrd-end", val), -FDT_ERR_NOTFOUND);
});

Deno.test("fdt_nop_property() turns the whole record, padding included, into NOPs", () => {
  const b = sample();
  const chosen = fdt_path_offset(b, "/chosen");
  const p = fdt_get_property(b, chosen, "odd");
  assert.ok(typeof p !== "number");
  assert.equal(fdt_nop_property(b, chosen, "odd"), 0);
  const dv = new DataView(b.buffer);
  for (let o = p.tokenOffset; o < p.tokenOffset + 20; o += 4) {
    assert.equal(dv.getUint32(o), FDT_NOP);
  }
  const t = readDtb(b, "t");
  assert.deepEqual(t.lookup("/chosen")!.props.map((x) => x.name), ["linux,initrd-start"]);
  // Later lookups skip the NOPs.
  assert.ok(typeof fdt_get_property(b, chosen, "linux,initrd-start") !== "number");
});

Deno.test("fdt_next_tag() reports truncation instead of reading past the structure block", () => {
  const b = sample();
  assert.deepEqual(fdt_next_tag(b, 1 << 20), [FDT_END, -FDT_ERR_TRUNCATED]);
  const aliases = fdt_path_offset(b, "/aliases");
  const cut = b.slice();
  // The first PROP of /aliases follows its 12-byte BEGIN_NODE; its len field is 4 bytes in.
  new DataView(cut.buffer).setUint32(0x40 + aliases + 12 + 4, 0x7fffffff);
  const [, next] = fdt_next_tag(cut, aliases + 12);
  assert.equal(next, -FDT_ERR_TRUNCATED);
});
