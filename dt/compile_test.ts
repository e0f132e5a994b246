import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { compileDts, CompileError, loadDeviceTree, needsCpp } from "./compile.ts";
import type { Node } from "./tree.ts";

const enc = new TextEncoder();

function files(map: Record<string, string>) {
  return (p: string) => (p in map ? enc.encode(map[p]) : undefined);
}

function cells(n: Node | undefined, name: string): number[] {
  assert.ok(n, "node");
  const p = n.prop(name);
  assert.ok(p, `property ${name}`);
  return p.cells();
}

// Expected values below are what dtc 1.6.1 produces for the same sources.

const PHANDLES = `/dts-v1/;
/ {
	p = &h;
	a: node-a { ref = <&c &b>; };
	b: node-b { phandle = <2>; };
	c: node-c { x; };
	d: node-d { phandle = <&d>; };
	e: node-e { linux,phandle = <5>; };
	f: node-f { user = <&e &f>; name = "node-f"; };
	/omit-if-no-ref/ g: node-g { };
	/omit-if-no-ref/ h: node-h { };
};
`;

Deno.test("compileDts() allocates phandles in dtc's order, skipping used values", () => {
  const { tree } = compileDts("t.dts", PHANDLES);
  const r = tree.root;
  assert.deepEqual(cells(r.child("node-a"), "ref"), [1, 2]);
  assert.deepEqual(r.child("node-c")!.props.map((p) => p.name), ["x", "phandle"]);
  assert.deepEqual(cells(r.child("node-c"), "phandle"), [1]);
  assert.deepEqual(cells(r.child("node-d"), "phandle"), [3]);
  assert.deepEqual(cells(r.child("node-f"), "user"), [5, 4]);
  assert.deepEqual(r.child("node-e")!.props.map((p) => p.name), ["linux,phandle"]);
});

Deno.test("compileDts() inserts path references and drops unreferenced /omit-if-no-ref/ nodes", () => {
  const { tree } = compileDts("t.dts", PHANDLES);
  assert.equal(tree.root.prop("p")!.str(), "/node-h");
  assert.deepEqual(tree.root.children.map((c) => c.name), [
    "node-a",
    "node-b",
    "node-c",
    "node-d",
    "node-e",
    "node-f",
    "node-h",
  ]);
  // A correct "name" property is redundant and removed, as dtc does.
  assert.equal(tree.root.child("node-f")!.prop("name"), undefined);
});

Deno.test("compileDts() with symbols adds /__symbols__ and phandles for every labelled node", () => {
  const { tree } = compileDts("t.dts", PHANDLES, { symbols: true });
  const syms = tree.root.child("__symbols__")!;
  assert.deepEqual(syms.props.map((p) => [p.name, p.str()]), [
    ["a", "/node-a"],
    ["b", "/node-b"],
    ["c", "/node-c"],
    ["d", "/node-d"],
    ["e", "/node-e"],
    ["f", "/node-f"],
    ["g", "/node-g"],
    ["h", "/node-h"],
  ]);
  assert.deepEqual(cells(tree.root.child("node-a"), "phandle"), [6]);
  assert.deepEqual(cells(tree.root.child("node-g"), "phandle"), [7]);
  assert.deepEqual(cells(tree.root.child("node-h"), "phandle"), [8]);
});

Deno.test("compileDts() builds overlay fragments, __fixups__ and __local_fixups__ for /plugin/", () => {
  const { tree } = compileDts(
    "o.dts",
    `/dts-v1/;
/plugin/;
&base { ext = <&local &missing 7>; local: sub { p = <&local>; }; };
&{/soc} { q = <&other>; };
`,
  );
  const r = tree.root;
  assert.deepEqual(r.children.map((c) => c.name), [
    "fragment@0",
    "fragment@1",
    "__fixups__",
    "__local_fixups__",
  ]);
  assert.deepEqual(cells(tree.lookup("/fragment@0"), "target"), [0xffffffff]);
  assert.equal(tree.lookup("/fragment@1")!.prop("target-path")!.str(), "/soc");
  assert.deepEqual(cells(tree.lookup("/fragment@0/__overlay__"), "ext"), [1, 0xffffffff, 7]);
  assert.deepEqual(r.child("__fixups__")!.props.map((p) => [p.name, p.strings()]), [
    ["base", ["/fragment@0:target:0"]],
    ["missing", ["/fragment@0/__overlay__:ext:4"]],
    ["other", ["/fragment@1/__overlay__:q:0"]],
  ]);
  assert.deepEqual(cells(tree.lookup("/__local_fixups__/fragment@0/__overlay__"), "ext"), [0]);
  assert.deepEqual(cells(tree.lookup("/__local_fixups__/fragment@0/__overlay__/sub"), "p"), [0]);
});

Deno.test("compileDts() runs the C preprocessor for Linux-style sources (auto rule)", () => {
  assert.equal(needsCpp("/dts-v1/;\n/ { #address-cells = <1>; };"), false);
  assert.equal(needsCpp("#include <dt-bindings/x.h>\n"), true);
  const src = `/dts-v1/;
#include <dt-bindings/interrupt-controller/arm-gic.h>
#define UART_IRQ 33
/ { uart { interrupts = <GIC_SPI UART_IRQ IRQ_TYPE_LEVEL_HIGH>; }; };
`;
  const r = compileDts("board.dts", src, {
    includeDirs: ["include"],
    readFile: files({
      "include/dt-bindings/interrupt-controller/arm-gic.h":
        "#ifndef _G\n#define _G\n#define GIC_SPI 0\n#define IRQ_TYPE_LEVEL_HIGH 4\n#endif\n",
    }),
  });
  assert.equal(r.preprocessed, true);
  assert.deepEqual(cells(r.tree.root.child("uart"), "interrupts"), [0, 33, 4]);
  assert.equal(r.tree.root.child("uart")!.pos!.file, "board.dts");
  assert.equal(r.tree.root.child("uart")!.pos!.line, 4);
});

Deno.test("compileDts() passes -D definitions to the preprocessor", () => {
  const r = compileDts(
    "t.dts",
    "/dts-v1/;\n#if FOO > 2\n/ { big; };\n#else\n/ { small; };\n#endif\n",
    {
      defines: ["FOO=3"],
    },
  );
  assert.ok(r.tree.root.has("big"));
});

Deno.test("compileDts() returns dtc's warnings and throws CompileError for ERROR checks", () => {
  const r = compileDts("t.dts", "/dts-v1/;\n/ { n@1 { }; };\n");
  assert.deepEqual(r.warnings.map((w) => w.text), [
    "t.dts:2.9-13: Warning (unit_address_vs_reg): /n@1: node has a unit name, but no reg or ranges property",
  ]);
  let err: unknown;
  try {
    compileDts("t.dts", "/dts-v1/;\n/ { a; b; a; };\n");
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CompileError);
  assert.equal(
    err.line(),
    "t.dts:2:5: error: /:a: Duplicate property name (duplicate_property_names)",
  );
  assert.deepEqual(err.messages.map((m) => m.text), [
    "t.dts:2.5-7: ERROR (duplicate_property_names): /:a: Duplicate property name",
  ]);
});

Deno.test("compileDts() reports unresolved references as dtc's phandle_references error", () => {
  assert.throws(
    () => compileDts("t.dts", "/dts-v1/;\n/ { a = <&nope>; };\n"),
    (e: unknown) =>
      e instanceof CompileError &&
      e.line() ===
        't.dts:2:3: error: /: Reference to non-existent node or label "nope" (phandle_references)',
  );
});

Deno.test("compileDts() honours -W/-E toggles and rejects unknown check names", () => {
  const src = "/dts-v1/;\n/ { n@1 { }; };\n";
  assert.equal(
    compileDts("t.dts", src, { toggles: [{ kind: "W", arg: "no-unit_address_vs_reg" }] }).warnings
      .length,
    0,
  );
  assert.throws(
    () => compileDts("t.dts", src, { toggles: [{ kind: "E", arg: "unit_address_vs_reg" }] }),
    CompileError,
  );
  assert.throws(
    () => compileDts("t.dts", src, { toggles: [{ kind: "W", arg: "no-such-check" }] }),
    /Unrecognized check name "such-check"/,
  );
});

Deno.test("compileDts() sorts like dtc -s and overrides boot_cpuid_phys like -b", () => {
  const { tree } = compileDts(
    "t.dts",
    "/dts-v1/;\n/memreserve/ 0x20 1;\n/memreserve/ 0x10 1;\n/ { z; a; y { }; b { }; };\n",
    { sort: true, bootCpuid: 7 },
  );
  assert.deepEqual(tree.root.props.map((p) => p.name), ["a", "z"]);
  assert.deepEqual(tree.root.children.map((c) => c.name), ["b", "y"]);
  assert.deepEqual(tree.reserves.map((r) => r.address), [0x10n, 0x20n]);
  assert.equal(tree.bootCpuidPhys, 7);
});

Deno.test("loadDeviceTree() reads DTBs by magic and compiles anything else as DTS", () => {
  // A minimal DTB: empty root node, no properties.
  const dtb = new Uint8Array([
    0xd0,
    0x0d,
    0xfe,
    0xed,
    0,
    0,
    0,
    0x48,
    0,
    0,
    0,
    0x38,
    0,
    0,
    0,
    0x48,
    0,
    0,
    0,
    0x28,
    0,
    0,
    0,
    17,
    0,
    0,
    0,
    16,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0x10,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    9,
  ]);
  const fromDtb = loadDeviceTree("x.dtb", dtb);
  assert.equal(fromDtb.tree.root.children.length, 0);
  const fromDts = loadDeviceTree("x.dts", enc.encode("/dts-v1/;\n/ { a; };\n"));
  assert.ok(fromDts.tree.root.has("a"));
  assert.throws(() => loadDeviceTree("x.dts", enc.encode("garbage")), InputError);
});

Deno.test("compileDts() exports source positions of nodes and properties (cpp line markers followed)", () => {
  const r = compileDts(
    "b.dts",
    '/dts-v1/;\n/ {\n\tn {\n\t\ta = <1>;\n# 40 "soc.dtsi"\n\t\tb;\n\t};\n};\n',
  );
  const n = r.tree.root.child("n")!;
  // dtc's span: first line/column of '{', file of the closing ';' (YYLLOC_DEFAULT).
  assert.deepEqual([n.pos!.file, n.pos!.line, n.pos!.col], ["soc.dtsi", 3, 4]);
  const [a, b] = n.props;
  assert.deepEqual([a.pos!.file, a.pos!.line, a.pos!.col], ["b.dts", 4, 3]);
  assert.deepEqual([b.pos!.file, b.pos!.line, b.pos!.col], ["soc.dtsi", 40, 3]);
  b.pos = { file: "x.dts", line: 7, col: 2 };
  assert.deepEqual([b.pos!.file, b.pos!.line, b.pos!.col], ["x.dts", 7, 2]);
});
