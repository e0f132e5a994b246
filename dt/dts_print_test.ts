import assert from "node:assert/strict";
import { printDts } from "./dts_print.ts";
import { DeviceTree, type Marker, Node, Property } from "./tree.ts";

// Build values the way dtc 1.6.1's parser does (dtc-parser.y, data.c), with its markers, so the
// printer can be checked against dtc's own `-I dts -O dts` output of the same source.
type Part =
  | { s: string } // "string"
  | {
    cells: (number | bigint | { ref: string; value: number } | { label: string })[];
    bits?: number;
  }
  | { bytes: (number | { label: string })[] } // [..]
  | { label: string } // label between components
  | { path: string; ref?: string }; // &ref outside cells, already expanded to its path

function prop(name: string, parts: Part[]): Property {
  const bytes: number[] = [];
  const markers: Marker[] = [];
  for (const p of parts) {
    if ("s" in p) {
      markers.push({ kind: "type_string", offset: bytes.length });
      for (const c of p.s) bytes.push(c.charCodeAt(0));
      bytes.push(0);
    } else if ("cells" in p) {
      const bits = p.bits ?? 32;
      const kind = bits === 8
        ? "type_u8"
        : bits === 16
        ? "type_u16"
        : bits === 64
        ? "type_u64"
        : "type_u32";
      markers.push({ kind, offset: bytes.length });
      for (const c of p.cells) {
        if (typeof c === "object" && "label" in c) {
          markers.push({ kind: "label", offset: bytes.length, ref: c.label });
          continue;
        }
        let v = typeof c === "object" ? BigInt(c.value) : BigInt(c);
        if (typeof c === "object") {
          markers.push({ kind: "ref_phandle", offset: bytes.length, ref: c.ref });
        }
        const n = bits / 8;
        const out: number[] = [];
        for (let i = 0; i < n; i++) {
          out.unshift(Number(v & 0xffn));
          v >>= 8n;
        }
        bytes.push(...out);
      }
    } else if ("bytes" in p) {
      markers.push({ kind: "type_u8", offset: bytes.length });
      for (const b of p.bytes) {
        if (typeof b === "object") {
          markers.push({ kind: "label", offset: bytes.length, ref: b.label });
        } else bytes.push(b);
      }
    } else if ("label" in p) {
      markers.push({ kind: "label", offset: bytes.length, ref: p.label });
    } else {
      markers.push({ kind: "type_string", offset: bytes.length, ref: p.ref ?? p.path });
      markers.push({ kind: "ref_path", offset: bytes.length, ref: p.ref ?? p.path });
      for (const c of p.path) bytes.push(c.charCodeAt(0));
      bytes.push(0);
    }
  }
  return new Property(name, new Uint8Array(bytes), markers);
}

function tree(...props: Property[]): DeviceTree {
  const t = new DeviceTree();
  const n = t.root.addChild(new Node("n"));
  n.props.push(...props);
  return t;
}

function body(t: DeviceTree): string[] {
  return printDts(t).split("\n").slice(5, -3).map((l) => l.trim());
}

// Expected lines are `dtc -I dts -O dts` (1.6.1) output for the source in each comment.
Deno.test("printDts() prints typed values from DTS input as dtc 1.6.1 does", () => {
  const t = tree(
    prop("s", [{ s: "a" }, { s: "" }, { s: "b" }]), // s = "a", "", "b";
    prop("two", [{ s: "" }, { s: "" }]), // two = "", "";
    prop("c", [{ cells: [1, 0xffffffff, 0] }]), // c = <1 0xffffffff 0>;
    prop("b", [{ bytes: [1, 0xab] }]), // b = [01 ab];
    prop("u8", [{ cells: [1, 2, 3, 4], bits: 8 }]), // u8 = /bits/ 8 <1 2 3 4>;
    prop("u16", [{ cells: [1, 0xffff], bits: 16 }]), // u16 = /bits/ 16 <1 0xffff>;
    prop("u64", [{ cells: [0x123456789abcn, 1], bits: 64 }]), // u64 = /bits/ 64 <0x123456789abc 1>;
    prop("mixed", [{ s: "abc" }, { cells: [1, 2] }, { bytes: [3, 4] }]),
    prop("lc", [{ cells: [1, { label: "l1" }, 2] }]), // lc = <1 l1: 2>;
    prop("lb", [{ bytes: [1, { label: "l2" }, 2, 3] }]), // lb = [01 l2: 02 03];
    prop("lbefore", [{ label: "l3" }, { s: "x" }]), // lbefore = l3: "x";
    prop("lafter", [{ s: "y" }, { label: "l4" }]), // lafter = "y" l4:;
    prop("path", [{ path: "/types", ref: "{/types}" }]), // path = &{/types};
    prop("pmix", [{ s: "pre" }, { path: "/types", ref: "{/types}" }, { cells: [7] }]),
    prop("ph", [{ cells: [{ ref: "gic", value: 1 }, 5] }]), // ph = <&gic 5>;
    prop("esc", [{ s: '\x07\b\t\n\v\f\r\\"\x01\x7f\xe9' }]),
  );
  assert.deepEqual(body(t), [
    's = "a", "", "b";',
    'two = "", "";',
    "c = <0x01 0xffffffff 0x00>;",
    "b = [01 ab];",
    "u8 = [01 02 03 04];",
    "u16 = /bits/ 16 <0x01 0xffff>;",
    "u64 = /bits/ 64 <0x123456789abc 0x01>;",
    'mixed = "abc", <0x01 0x02>, [03 04];',
    "lc = <0x01 l1:0x02>;",
    "lb = [01 l2:02 03];",
    'lbefore = l3: "x";',
    'lafter = "y" l4:;',
    'path = "/types";',
    'pmix = "pre",  "/types", <0x07>;',
    "ph = <0x01 0x05>;",
    'esc = "\\a\\b\\t\\n\\v\\f\\r\\\\\\"\\x01\\x7f\\xffffffe9";',
  ]);
});

Deno.test("printDts() guesses types for values without type markers (DTB input)", () => {
  const raw = (name: string, b: number[]) => new Property(name, new Uint8Array(b));
  const t = tree(
    raw("empty", []),
    raw("str", [0x61, 0, 0x62, 0x63, 0]),
    raw("looks-str", [0x41, 0x42, 0x43, 0]),
    raw("one-nul", [0]),
    raw("nul-heavy", [0x61, 0, 0, 0, 0]),
    raw("nonprint", [0x63, 0xe9, 0]),
    raw("cells", [0xde, 0xad, 0xbe, 0xef]),
    raw("bytes", [1, 2, 3]),
    raw("ctrl", [7, 8, 9, 10, 11, 12, 13, 0]),
  );
  assert.deepEqual(body(t), [
    "empty;",
    'str = "a\\0bc";',
    'looks-str = "ABC";',
    "one-nul = [00];",
    "nul-heavy = [61 00 00 00 00];",
    "nonprint = [63 e9 00];",
    "cells = <0xdeadbeef>;",
    "bytes = [01 02 03];",
    'ctrl = "\\a\\b\\t\\n\\v\\f\\r";',
  ]);
});

Deno.test("printDts() lets labels inside untyped values steer the guess", () => {
  // A label off a cell boundary forbids cells; a label not after a NUL forbids a string.
  const p = new Property("p", new Uint8Array([0x61, 0x62, 0x63, 0]), [
    { kind: "label", offset: 2, ref: "mid" },
  ]);
  const q = new Property("q", new Uint8Array([0x61, 0, 0x62, 0]), [
    { kind: "label", offset: 2, ref: "second" },
  ]);
  assert.deepEqual(body(tree(p, q)), ["p = [61 62 mid:63 00];", 'q = "a" second:"b";']);
});

Deno.test("printDts() prints layout, labels and /memreserve/ as dtc does", () => {
  // Source: a: b: /memreserve/ 0x1000 0x10; / { x: y: node { p1: p2: prop = "v"; z: sub {}; }; };
  const t = new DeviceTree();
  t.reserves.push({ address: 0x1000n, size: 0x10n, labels: ["a", "b"] });
  t.reserves.push({ address: 0xffffffffffffffffn, size: 1n, labels: [] });
  const node = t.root.addChild(new Node("node"));
  node.labels.push("x", "y");
  const p = prop("prop", [{ s: "v" }]);
  p.labels.push("p1", "p2");
  node.props.push(p);
  node.addChild(new Node("sub")).labels.push("z");
  assert.equal(
    printDts(t),
    "/dts-v1/;\n\n" +
      "a: b: /memreserve/\t0x0000000000001000 0x0000000000000010;\n" +
      "/memreserve/\t0xffffffffffffffff 0x0000000000000001;\n" +
      '/ {\n\n\tx: y: node {\n\t\tp1: p2: prop = "v";\n\n\t\tz: sub {\n\t\t};\n\t};\n};\n',
  );
});

Deno.test("printDts({sort}) sorts reserve entries, properties and nodes by byte order", () => {
  const t = new DeviceTree();
  t.reserves.push({ address: 2n, size: 1n, labels: [] }, { address: 1n, size: 9n, labels: [] }, {
    address: 1n,
    size: 2n,
    labels: [],
  });
  for (const n of ["zeta", "alpha@2", "Alpha", "alpha@10", "_u"]) t.root.addChild(new Node(n));
  t.root.props.push(new Property("b"), new Property("#a"), new Property("a"));
  const out = printDts(t, { sort: true });
  assert.deepEqual(
    out.split("\n").filter((l) => l.includes("memreserve") || /^\t[^\t}]/.test(l)).map((l) =>
      l.trim()
    ),
    [
      "/memreserve/\t0x0000000000000001 0x0000000000000002;",
      "/memreserve/\t0x0000000000000001 0x0000000000000009;",
      "/memreserve/\t0x0000000000000002 0x0000000000000001;",
      "#a;",
      "a;",
      "b;",
      "Alpha {",
      "_u {",
      "alpha@10 {",
      "alpha@2 {",
      "zeta {",
    ],
  );
  // The tree itself is not reordered.
  assert.equal(t.root.children[0].name, "zeta");
});
