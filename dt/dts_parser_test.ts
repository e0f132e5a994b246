import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { parseDts } from "./dts_parser.ts";
import { type LNode, type LProp, srcposString } from "./livetree.ts";

const enc = new TextEncoder();

function parse(src: string, files: Record<string, string | Uint8Array> = {}) {
  return parseDts("t.dts", src, {
    readFile: (p) => {
      const f = files[p];
      return f === undefined ? undefined : typeof f === "string" ? enc.encode(f) : f;
    },
    includeDirs: ["inc"],
  });
}

function parseError(src: string, files: Record<string, string> = {}): string {
  try {
    parse(src, files);
  } catch (e) {
    if (e instanceof InputError) return e.line();
    throw e;
  }
  assert.fail("expected an InputError");
}

function prop(n: LNode, name: string): LProp {
  const p = n.props.find((q) => q.name === name && !q.deleted);
  assert.ok(p, `property ${name}`);
  return p;
}

function hex(v: Uint8Array): string {
  return Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("parseDts() builds cells, strings, bytes and /bits/ values with dtc's markers", () => {
  const { tree } = parse(`/dts-v1/;
/ {
	a = <1 0x2 (3 + 4)>, "s\\n\\x41\\101", [01 ab], /bits/ 16 <0xffff>, /bits/ 64 <5>,
	    /bits/ 8 <(-1) 'x'>;
	e;
};`);
  const a = prop(tree.root, "a");
  assert.equal(
    hex(a.value),
    "000000010000000200000007" + "730a414100" + "01ab" + "ffff" + "0000000000000005" + "ff78",
  );
  assert.deepEqual(a.markers.map((m) => [m.kind, m.offset]), [
    ["type_u32", 0],
    ["type_string", 12],
    ["type_u8", 17],
    ["type_u16", 19],
    ["type_u64", 21],
    ["type_u8", 29],
  ]);
  assert.equal(prop(tree.root, "e").value.length, 0);
});

Deno.test("parseDts() evaluates dtc's integer expressions in 64-bit unsigned arithmetic", () => {
  const { tree } = parse(`/dts-v1/;
/ { x = /bits/ 64 <(1 << 63) (0 - 1) (10 / 3) (10 % 3) (1 << 64) (~0 >> 60)
	(2 > 1) (1 ? 2 : 3) (0 ? 2 : 0 ? 3 : 4) (1 || 0) (6 & 3 | 8 ^ 1) (!5) (-(2))>; };`);
  assert.equal(
    hex(prop(tree.root, "x").value),
    [
      "8000000000000000",
      "ffffffffffffffff",
      "0000000000000003",
      "0000000000000001",
      "0000000000000000",
      "000000000000000f",
      "0000000000000001",
      "0000000000000002",
      "0000000000000004",
      "0000000000000001",
      "000000000000000b",
      "0000000000000000",
      "fffffffffffffffe",
    ].join(""),
  );
});

Deno.test("parseDts() records labels in values, references and path references as markers", () => {
  const { tree } = parse(`/dts-v1/;
/ { n: node { p = l1: <l2: 1 &n l3:> l4:, &n, &{/node}; }; };`);
  const p = prop(tree.root.children[0], "p");
  assert.deepEqual(p.markers.map((m) => [m.kind, m.offset, m.ref]), [
    ["label", 0, "l1"],
    ["type_u32", 0, undefined],
    ["label", 0, "l2"],
    ["ref_phandle", 4, "n"],
    ["label", 8, "l3"],
    ["label", 8, "l4"],
    ["type_string", 8, "n"],
    ["ref_path", 8, "n"],
    ["type_string", 8, "/node"],
    ["ref_path", 8, "/node"],
  ]);
  assert.equal(hex(p.value), "00000001ffffffff");
});

Deno.test("parseDts() keeps dtc's label order (prepend) on nodes, properties and merges", () => {
  const { tree } = parse(`/dts-v1/;
/ { a: b: n { c: d: p; }; };
x: &a { };`);
  const n = tree.root.children[0];
  assert.deepEqual(n.llabels.map((l) => l.name), ["x", "a", "b"]);
  assert.deepEqual(n.props[0].llabels.map((l) => l.name), ["c", "d"]);
});

Deno.test("parseDts() merges repeated nodes: properties replaced in place, new ones appended", () => {
  const { tree } = parse(`/dts-v1/;
/ { n { a = <1>; b = <2>; c { }; }; };
/ { n { b = <3>; d; e { }; }; };`);
  const n = tree.root.children[0];
  assert.deepEqual(n.props.map((p) => p.name), ["a", "b", "d"]);
  assert.equal(hex(prop(n, "b").value), "00000003");
  assert.deepEqual(n.children.map((c) => c.name), ["c", "e"]);
  assert.equal(n.srcpos.map(srcposString).join(" "), "t.dts:2.7-36 t.dts:3.7-30");
});

Deno.test("parseDts() deletes and revives properties and nodes at their old positions", () => {
  const { tree } = parse(`/dts-v1/;
/ { l: n { a; b; c { x; }; d { }; }; };
&l { /delete-property/ a; /delete-node/ c; };
/delete-node/ &{/n/d};
/ { n { a = <1>; c { y; }; }; };`);
  const n = tree.root.children[0];
  assert.deepEqual(n.props.map((p) => [p.name, p.deleted]), [["a", false], ["b", false]]);
  const c = n.children[0];
  assert.equal(c.deleted, false);
  assert.deepEqual(c.props.map((p) => [p.name, p.deleted]), [["x", true], ["y", false]]);
  assert.equal(n.children[1].deleted, true);
});

Deno.test("parseDts() marks /omit-if-no-ref/ nodes (in a body and by reference)", () => {
  const { tree } = parse(`/dts-v1/;
/ { /omit-if-no-ref/ a: n1 { }; l: n2 { }; };
/omit-if-no-ref/ &l;`);
  assert.deepEqual(tree.root.children.map((c) => c.omitIfNoRef), [true, true]);
});

Deno.test("parseDts() reads /incbin/ through readFile with offset and length", () => {
  const { tree } = parse(
    `/dts-v1/;\n/ { a = /incbin/("inc/b.bin"); b = /incbin/("b.bin", 1, 2); };`,
    { "inc/b.bin": new Uint8Array([1, 2, 3, 4]), "b.bin": new Uint8Array([9, 8, 7]) },
  );
  assert.equal(hex(prop(tree.root, "a").value), "01020304");
  assert.equal(hex(prop(tree.root, "b").value), "0807");
});

Deno.test("parseDts() turns /plugin/ &label {} into fragment@N/__overlay__", () => {
  const { tree } = parse(`/dts-v1/;
/plugin/;
&foo { p; };
&{/soc} { q; };`);
  assert.equal(tree.plugin, true);
  assert.deepEqual(tree.root.children.map((c) => c.name), ["fragment@0", "fragment@1"]);
  const [f0, f1] = tree.root.children;
  assert.deepEqual(f0.props[0].markers, [{ kind: "ref_phandle", offset: 0, ref: "foo" }]);
  assert.equal(f1.props[0].name, "target-path");
  assert.equal(f0.children[0].name, "__overlay__");
});

Deno.test("parseDts() guesses boot_cpuid_phys from the first cpu's reg", () => {
  const { tree } = parse(`/dts-v1/;\n/ { cpus { cpu@3 { reg = <3>; }; }; };`);
  assert.equal(tree.bootCpuidPhys, 3);
});

Deno.test("parseDts() reports dtc's parse errors at the start of the offending span", () => {
  assert.equal(
    parseError("/dts-v1/;\n/ { a = <1>; n { }; b; };"),
    "t.dts:2:21: error: Properties must precede subnodes",
  );
  assert.equal(
    parseError("/dts-v1/;\n/ { a = <(1 / 0)>; };"),
    "t.dts:2:11: error: Division by zero",
  );
  assert.equal(
    parseError("/dts-v1/;\n/ { a = /bits/ 7 <1>; };"),
    "t.dts:2:16: error: Array elements must be 8, 16, 32 or 64-bits",
  );
  assert.equal(
    parseError("/dts-v1/;\n/ { a = /bits/ 8 <256>; };"),
    "t.dts:2:19: error: Value out of range for 8-bit array element",
  );
  assert.equal(
    parseError("/dts-v1/;\n/ { a = /bits/ 16 <&n>; };"),
    "t.dts:2:20: error: References are only allowed in arrays with 32-bit elements.",
  );
  assert.equal(
    parseError("/dts-v1/;\n/ { };\n&nope { };"),
    "t.dts:3:1: error: Label or path nope not found",
  );
  assert.equal(
    parseError("/dts-v1/;\n&nope { };"),
    "t.dts:2:7: error: Label or path nope not found",
  );
  assert.equal(
    parseError("/dts-v1/;\n/ { a = <1>, ; };"),
    "t.dts:2:14: error: Syntax error, unexpected ';'",
  );
  assert.equal(
    parseError("/dts-v1/;\n/dts-v1/;\n/plugin/;\n/ { };"),
    "t.dts:2:1: error: Header flags don't match earlier ones",
  );
  assert.match(parseError("/ { };"), /^t\.dts:1:1: error: Syntax error/);
  assert.match(
    parseError('/dts-v1/;\n/ { a = /incbin/("none.bin"); };'),
    /Couldn't open "none\.bin"/,
  );
});

Deno.test("parseDts() takes a NUL or a byte >= 0x80 outside strings as the end of input", () => {
  for (const b of ["\0", "\xe3"]) {
    const { tree } = parse(`/dts-v1/;\n/ { a = <1>; };\n${b} junk {{{\n`);
    assert.equal(tree.root.props.length, 1);
    assert.equal(
      parseError(`/dts-v1/;\n/ {\n a = <1 ${b}>; };\n`),
      "t.dts:3:9: error: Syntax error, unexpected end of input",
    );
  }
});

Deno.test("parseDts() bounds the number of /include/s (exponential include fan-out)", () => {
  const files: Record<string, string> = { "d18.dtsi": "" };
  for (let i = 0; i < 18; i++) files[`d${i}.dtsi`] = `/include/ "d${i + 1}.dtsi"\n`.repeat(2);
  assert.match(
    parseError('/dts-v1/;\n/include/ "d0.dtsi"\n/ { };\n', files),
    /More than 100000 \/include\/s$/,
  );
});

Deno.test("parseDts() resolves labels after deletions, re-definitions and merges (lookup cache)", () => {
  const { tree } = parse(`/dts-v1/;
/ { x: n1 { }; };
&x { p1; };
/delete-node/ &x;
/ { x: n2 { }; };
&x { p2; };
/ { n0 { x: m { }; }; };
&x { p3; };
/ { n1 { }; };
&x { p4; };
`);
  const names = (n: LNode) => n.props.filter((p) => !p.deleted).map((p) => p.name).join(",");
  const kids = tree.root.children;
  assert.deepEqual(kids.map((k) => k.name), ["n1", "n2", "n0"]);
  // n1 was deleted (and revived without its label): the first live 'x' in pre-order is n2.
  assert.equal(names(kids[1]), "p2,p3,p4");
  assert.equal(names(kids[2].children[0]), "");
});
