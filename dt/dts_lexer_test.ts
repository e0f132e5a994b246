import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { DtsLexer, T } from "./dts_lexer.ts";

const noFiles = { readFile: () => undefined, includeDirs: [] };

/** Lex `src` and return `[code, text]` pairs (text for names, labels, refs, numbers). */
function lex(src: string, files: Record<string, string> = {}): Array<[number, string | number]> {
  const enc = new TextEncoder();
  const lx = new DtsLexer("t.dts", src, {
    readFile: (p) => (p in files ? enc.encode(files[p]) : undefined),
    includeDirs: [],
  });
  const out: Array<[number, string | number]> = [];
  for (;;) {
    const t = lx.next();
    if (t === T.EOF) return out;
    if (t === T.PROPNODENAME || t === T.LABEL || t === T.LABEL_REF || t === T.PATH_REF) {
      out.push([t, lx.str]);
    } else if (t === T.LITERAL || t === T.CHAR_LITERAL || t === T.BYTE) {
      out.push([t, lx.big !== null ? Number(lx.big) : lx.num]);
    } else {
      out.push([t, ""]);
    }
  }
}

function lexError(src: string): string {
  try {
    lex(src);
  } catch (e) {
    if (e instanceof InputError) return e.line();
    throw e;
  }
  assert.fail("expected an InputError");
}

Deno.test("DtsLexer switches to PROPNODENAME after '{' and ';' (names like 0x123, +, #foo)", () => {
  assert.deepEqual(lex("/dts-v1/; / { +; 0x12 = <0x12>; #x-cells; \\#e; };"), [
    [T.V1, ""],
    [0x3b, ""],
    [0x2f, ""],
    [0x7b, ""],
    [T.PROPNODENAME, "+"],
    [0x3b, ""],
    [T.PROPNODENAME, "0x12"],
    [0x3d, ""],
    [0x3c, ""],
    [T.LITERAL, 0x12],
    [0x3e, ""],
    [0x3b, ""],
    [T.PROPNODENAME, "#x-cells"],
    [0x3b, ""],
    [T.PROPNODENAME, "#e"],
    [0x3b, ""],
    [0x7d, ""],
    [0x3b, ""],
  ]);
});

Deno.test("DtsLexer prefers the longest match: labels over names and bytes", () => {
  assert.deepEqual(lex("/dts-v1/; { ab: x; } [ab: ab]"), [
    [T.V1, ""],
    [0x3b, ""],
    [0x7b, ""],
    [T.LABEL, "ab"],
    [T.PROPNODENAME, "x"],
    [0x3b, ""],
    [0x7d, ""],
    [0x5b, ""],
    [T.LABEL, "ab"],
    [T.BYTE, 0xab],
    [0x5d, ""],
  ]);
});

Deno.test("DtsLexer lexes integers with strtoull rules and suffixes", () => {
  // After ';' the lexer expects a name; /bits/ switches back to V1 (integers).
  const v = lex("/dts-v1/; /bits/ 0 010 0x1f 123ULL 0xffffffffffffffff 18446744073709551615");
  assert.deepEqual(v.slice(3).map((x) => x[1]), [0, 8, 31, 123, 2 ** 64 - 1, 2 ** 64 - 1]);
  assert.equal(lexError("/dts-v1/; /bits/ 09"), "t.dts:1:18: error: Bad integer literal '09'");
  assert.equal(
    lexError("/dts-v1/; /bits/ 18446744073709551616"),
    "t.dts:1:18: error: Integer literal '18446744073709551616' out of range",
  );
});

Deno.test("DtsLexer decodes char literals and rejects empty or long ones", () => {
  assert.deepEqual(lex("/dts-v1/ 'a' '\\n' '\\''").slice(1).map((x) => x[1]), [97, 10, 39]);
  assert.equal(lexError("/dts-v1/ ''"), "t.dts:1:10: error: Empty character literal");
  assert.equal(
    lexError("/dts-v1/ 'ab'"),
    "t.dts:1:10: error: Character literal has 2 characters instead of 1",
  );
});

Deno.test("DtsLexer recognises &label, &{/path} and label-relative &{label/sub}", () => {
  assert.deepEqual(lex("&uart0 &{/soc/serial@0} &{l/sub} &&").map((x) => x[1]), [
    "uart0",
    "/soc/serial@0",
    "l/sub",
    "",
  ]);
});

Deno.test("DtsLexer applies cpp line markers at the start of a line", () => {
  const lx = new DtsLexer("t.dts", '# 1 "x.dts"\n# 40 "b.dtsi" 1\n  foo:\n', noFiles);
  assert.equal(lx.next(), T.LABEL);
  assert.deepEqual(lx.pos(), { file: "b.dtsi", line: 40, col: 3, lastLine: 40, lastCol: 7 });
});

Deno.test("DtsLexer handles /include/ mid-statement and reports missing files", () => {
  assert.deepEqual(
    lex('/dts-v1/; / { p = /include/ "v.dtsi" ; };', { "v.dtsi": "<1>" }).map((x) => x[0]),
    [T.V1, 0x3b, 0x2f, 0x7b, T.PROPNODENAME, 0x3d, 0x3c, T.LITERAL, 0x3e, 0x3b, 0x7d, 0x3b],
  );
  assert.equal(
    lexError('/include/ "none.dtsi"'),
    't.dts:1:1: error: Couldn\'t open "none.dtsi": No such file or directory',
  );
});

Deno.test("DtsLexer stops include recursion at dtc's depth limit", () => {
  const enc = new TextEncoder();
  const lx = new DtsLexer("t.dts", '/include/ "t.dts"', {
    readFile: (p) => (p === "t.dts" ? enc.encode('/include/ "t.dts"') : undefined),
    includeDirs: [],
  });
  assert.throws(() => {
    while (lx.next() !== T.EOF) { /* lex */ }
  }, /Includes nested too deeply/);
});

Deno.test("DtsLexer skips comments and tracks dtc's columns (tabs count one)", () => {
  const lx = new DtsLexer("t.dts", "/* a\n b */\t// c\n\tx:", noFiles);
  assert.equal(lx.next(), T.LABEL);
  assert.equal(lx.firstLine, 3);
  assert.equal(lx.firstCol, 2);
});
