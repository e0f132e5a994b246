import assert from "node:assert/strict";
import {
  DeviceTree,
  formatPos,
  latin1,
  latin1Bytes,
  Node,
  Property,
  stringsBytes,
  u32Bytes,
} from "./tree.ts";

Deno.test("Property.view() creates its value view only when value is read", () => {
  const src = new Uint8Array([9, 0, 0, 0, 1, 0, 0, 0, 2, 9]);
  const p = Property.view("reg", src, 1, 8);
  assert.equal(p.length, 8);
  assert.equal(p.u32(0), 0x00000001);
  assert.deepEqual(p.cells(), [1, 2]);
  const out = new Uint8Array(10);
  p.copyValueTo(out, 2);
  assert.deepEqual([...out.subarray(2, 10)], [...src.subarray(1, 9)]);
  assert.deepEqual([...p.value], [...src.subarray(1, 9)]);
  p.value = new Uint8Array([7]);
  assert.equal(p.length, 1);
  assert.throws(() => p.u32(0), RangeError);
});

Deno.test("Property decodes cells, numbers and strings", () => {
  const c = new Property("reg", u32Bytes([1, 0xffffffff, 2]));
  assert.deepEqual(c.cells(), [1, 0xffffffff, 2]);
  assert.equal(c.cellsAt(0, 2), 0x1ffffffffn);
  assert.throws(() => c.u32(3), RangeError);
  const s = new Property("compatible", stringsBytes(["a,b", "c\xe9"]));
  assert.equal(s.str(), "a,b");
  assert.deepEqual(s.strings(), ["a,b", "c\xe9"]);
  assert.deepEqual(new Property("x", new Uint8Array([0x61, 0x62])).strings(), ["ab"]);
});

Deno.test("Property allocates markers and labels lazily; peek does not allocate", () => {
  const p = new Property("p");
  assert.equal(p.peekMarkers().length, 0);
  assert.equal(p.peekLabels().length, 0);
  assert.throws(() => (p.peekLabels() as string[]).push("x"), TypeError);
  p.labels.push("l1");
  p.markers.push({ kind: "type_u32", offset: 0 });
  assert.deepEqual(p.peekLabels(), ["l1"]);
  assert.deepEqual(p.markers, [{ kind: "type_u32", offset: 0 }]);
  const q = new Property("q", new Uint8Array(0), [{ kind: "type_string", offset: 0 }]);
  assert.equal(q.peekMarkers().length, 1);
});

function sample(): DeviceTree {
  const t = new DeviceTree();
  const soc = t.root.addChild(new Node("soc"));
  const uart = soc.addChild(new Node("serial@1000"));
  uart.labels.push("uart0");
  uart.props.push(
    new Property("compatible", stringsBytes(["arm,pl011", "arm,primecell"])),
    new Property("phandle", u32Bytes([5])),
    new Property("status", stringsBytes(["disabled"])),
  );
  const al = t.root.addChild(new Node("aliases"));
  al.props.push(new Property("serial0", stringsBytes(["/soc/serial@1000"])));
  return t;
}

Deno.test("Node reports names, unit addresses, paths, compatibility and status", () => {
  const t = sample();
  const u = t.lookup("/soc/serial@1000")!;
  assert.equal(u.baseName, "serial");
  assert.equal(u.unitAddress, "1000");
  assert.equal(u.path, "/soc/serial@1000");
  assert.equal(t.root.path, "/");
  assert.ok(u.isCompatible("arm,primecell"));
  assert.ok(!u.isCompatible("ARM,PL011"));
  assert.equal(u.phandle, 5);
  assert.equal(u.status(), "disabled");
  assert.equal(u.isAvailable(), false);
  assert.equal(t.root.child("soc")!.isAvailable(), true);
  u.setProp(new Property("status", stringsBytes(["ok"])));
  assert.equal(u.props.length, 3);
  assert.equal(u.isAvailable(), true);
  assert.deepEqual([...t.root.walk()].map((n) => n.path), [
    "/",
    "/soc",
    "/soc/serial@1000",
    "/aliases",
  ]);
});

Deno.test("DeviceTree.lookup() follows aliases and matches names without unit address", () => {
  const t = sample();
  const u = t.lookupStrict("/soc/serial@1000")!;
  assert.equal(t.lookup("serial0"), u);
  assert.equal(t.lookup("/soc/serial"), u);
  assert.equal(t.lookupStrict("/soc/serial"), undefined);
  assert.equal(t.lookup("serial1"), undefined);
  assert.equal(t.lookup(""), undefined);
  assert.equal(t.byPhandle(5), u);
  assert.equal(t.byPhandle(0), undefined);
  assert.equal(t.byLabel("uart0"), u);
});

Deno.test("latin1 helpers and formatPos() round-trip bytes and positions", () => {
  const b = new Uint8Array([0x41, 0xe9, 0, 0xff]);
  assert.equal(latin1(b, 0, 4), "A\xe9\0\xff");
  assert.deepEqual(latin1Bytes("A\xe9\0\xff"), b);
  assert.equal(formatPos({ file: "b.dts", line: 3, col: 7 }), "b.dts:3:7");
  assert.deepEqual([...u32Bytes([0x01020304])], [1, 2, 3, 4]);
});
