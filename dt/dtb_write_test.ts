import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { readDtb, readDtbHeader } from "./dtb_read.ts";
import { guessBootCpuid, StringTable, writeDtb } from "./dtb_write.ts";
import { DeviceTree, Node, Property, u32Bytes } from "./tree.ts";

function strings(blob: Uint8Array): string {
  const h = readDtbHeader(blob, "t");
  return String.fromCharCode(...blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings));
}

Deno.test("writeDtb() lays out an empty tree as dtc does: 40-byte header, map at 40, no padding", () => {
  const b = writeDtb(new DeviceTree());
  const h = readDtbHeader(b, "t");
  assert.deepEqual(
    [h.totalsize, h.offMemRsvmap, h.offDtStruct, h.sizeDtStruct, h.offDtStrings, h.sizeDtStrings],
    [40 + 16 + 16, 40, 56, 16, 72, 0],
  );
  assert.deepEqual([h.version, h.lastCompVersion, h.bootCpuidPhys], [17, 16, 0]);
  // BEGIN_NODE "" (padded), END_NODE, END.
  assert.deepEqual([...b.subarray(56)], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9]);
});

Deno.test("StringTable.insert() reuses a suffix of an earlier name at its first occurrence", () => {
  const s = new StringTable();
  assert.equal(s.insert("dma-ranges"), 0);
  assert.equal(s.insert("ranges"), 4);
  assert.equal(s.insert("linux,phandle"), 11);
  assert.equal(s.insert("phandle"), 17);
  assert.equal(s.insert("s"), 9); // the first "s\0" is the end of "dma-ranges"
  assert.equal(s.insert(""), 10); // the first NUL
  assert.equal(s.insert("dma-ranges"), 0);
  assert.equal(new TextDecoder().decode(s.bytes()), "dma-ranges\0linux,phandle\0");
});

Deno.test("writeDtb() adds names in first-use order of a depth-first walk", () => {
  const t = new DeviceTree();
  t.root.props.push(new Property("ranges"));
  const a = t.root.addChild(new Node("a"));
  a.props.push(new Property("dma-ranges"), new Property("ranges"));
  t.root.addChild(new Node("b")).props.push(new Property("reg", u32Bytes([1])));
  assert.equal(strings(writeDtb(t)), "ranges\0dma-ranges\0reg\0");
});

Deno.test("writeDtb() writes reserve entries, -R slots and boot_cpuid_phys", () => {
  const t = new DeviceTree();
  t.reserves.push({ address: 0x8000_0000_0000n, size: 0x1000n, labels: [] });
  t.bootCpuidPhys = 3;
  const b = writeDtb(t, { reserveExtra: 2 });
  const h = readDtbHeader(b, "t");
  assert.equal(h.offDtStruct, 40 + 4 * 16);
  assert.equal(h.bootCpuidPhys, 3);
  assert.equal(readDtbHeader(writeDtb(t, { bootCpuidPhys: 9 }), "t").bootCpuidPhys, 9);
  assert.deepEqual(readDtb(b, "t").reserves, t.reserves);
});

Deno.test("writeDtb() pads with -p, -S and -a like dtc and warns when -S is too small", () => {
  const t = new DeviceTree();
  const base = writeDtb(t).length; // 72
  assert.equal(writeDtb(t, { padSize: 10 }).length, base + 10);
  assert.equal(writeDtb(t, { minSize: 100 }).length, 100);
  const warnings: string[] = [];
  assert.equal(writeDtb(t, { minSize: 16, onWarning: (m) => warnings.push(m) }).length, base);
  assert.deepEqual(warnings, ["Warning: blob size 72 >= minimum size 16"]);
  assert.equal(writeDtb(t, { align: 64 }).length, 128);
  assert.equal(writeDtb(t, { padSize: 60, align: 64 }).length, 192);
  assert.equal(readDtbHeader(writeDtb(t, { align: 64 }), "t").totalsize, 128);
});

Deno.test("writeDtb() refuses an unknown version and a non-power-of-two -a", () => {
  assert.throws(() => writeDtb(new DeviceTree(), { version: 4 }), InputError);
  assert.throws(
    () => writeDtb(new DeviceTree(), { align: 3 }),
    (e: unknown) => e instanceof InputError && e.detail === 'Invalid argument "3" to -a option',
  );
});

Deno.test("writeDtb({version: 1}) writes full paths, name properties and 8-aligned values", () => {
  const t = new DeviceTree();
  const n = t.root.addChild(new Node("dev@1"));
  n.props.push(new Property("long", new Uint8Array(8).fill(7)));
  const b = writeDtb(t, { version: 1 });
  const h = readDtbHeader(b, "t");
  assert.equal(h.headerSize, 28);
  assert.equal(h.offMemRsvmap, 32);
  const back = readDtb(b, "t");
  assert.equal(back.root.children[0].name, "dev@1");
  assert.equal(back.root.children[0].prop("name")!.str(), "dev");
  assert.deepEqual([...back.root.children[0].prop("long")!.value], new Array(8).fill(7));
});

Deno.test("writeDtb({sort}) sorts like dtc -s without reordering the tree", () => {
  const t = new DeviceTree();
  t.root.addChild(new Node("b"));
  t.root.addChild(new Node("a"));
  t.root.props.push(new Property("z"), new Property("y"));
  const s = readDtb(writeDtb(t, { sort: true }), "t");
  assert.deepEqual(s.root.children.map((c) => c.name), ["a", "b"]);
  assert.deepEqual(s.root.props.map((p) => p.name), ["y", "z"]);
  assert.equal(t.root.children[0].name, "b");
});

Deno.test("writeDtb() skips deleted nodes and properties", () => {
  const t = new DeviceTree();
  const p = new Property("gone");
  p.deleted = true;
  t.root.props.push(p);
  t.root.addChild(new Node("x")).deleted = true;
  assert.equal(writeDtb(t).length, writeDtb(new DeviceTree()).length);
});

Deno.test("writeDtb() handles trees deeper than the JS stack would allow recursively", () => {
  const t = new DeviceTree();
  let n = t.root;
  for (let i = 0; i < 20000; i++) n = n.addChild(new Node("d"));
  const b = writeDtb(t);
  assert.equal(readDtbHeader(b, "t").sizeDtStruct, 20001 * 12 + 4);
});

Deno.test("guessBootCpuid() takes the first /cpus child's one-cell reg, else 0", () => {
  const t = new DeviceTree();
  assert.equal(guessBootCpuid(t), 0);
  const cpus = t.root.addChild(new Node("cpus"));
  const c0 = cpus.addChild(new Node("cpu@10"));
  assert.equal(guessBootCpuid(t), 0);
  c0.props.push(new Property("reg", u32Bytes([0x10])));
  cpus.addChild(new Node("cpu@0")).props.push(new Property("reg", u32Bytes([0])));
  assert.equal(guessBootCpuid(t), 0x10);
  c0.props[0] = new Property("reg", u32Bytes([0, 0x10]));
  assert.equal(guessBootCpuid(t), 0);
});
