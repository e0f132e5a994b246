import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { preprocess } from "./cpp.ts";

/** Preprocess `src` as t.dts (with `files` available) and drop the four preamble markers. */
function pp(src: string, files: Record<string, string> = {}, includeDirs: string[] = []): string {
  const enc = new TextEncoder();
  const r = preprocess("t.dts", src, {
    readFile: (p) => (p in files ? enc.encode(files[p]) : undefined),
    includeDirs,
    defines: ["__DTS__"],
  });
  const lines = r.text.split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    '# 0 "t.dts"',
    '# 0 "<built-in>"',
    '# 0 "<command-line>"',
    '# 1 "t.dts"',
  ]);
  return lines.slice(4).join("\n");
}

function ppError(src: string, files: Record<string, string> = {}): InputError {
  try {
    pp(src, files);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  assert.fail("expected an InputError");
}

// Expected texts below were produced by GCC 12's `cpp -nostdinc -undef -D__DTS__
// -x assembler-with-cpp` on the same inputs.

Deno.test("preprocess() expands object- and function-like macros with cpp's spacing", () => {
  assert.equal(
    pp("#define A 1\n#define F(x, y) ((x) + (y))\nA F(2, A) F(F(1,2),3)\n"),
    "\n\n1 ((2) + (1)) ((((1) + (2))) + (3))\n",
  );
});

Deno.test("preprocess() does not re-expand a macro inside its own expansion (blue paint)", () => {
  assert.equal(pp("#define ID(x) x\n#define R ID(R) + 1\nR\n"), "\n\nR + 1\n");
  assert.equal(pp("#define M1 M2\n#define M2 M1\nM1 M2\n"), "\n\nM1 M2\n");
});

Deno.test("preprocess() evaluates #if/#elif/#else with defined and integer operators", () => {
  assert.equal(
    pp(
      "#if defined(__DTS__) && (1 << 3) == 8 && !defined(X)\nyes\n#elif 1\nno\n#else\nno2\n#endif\n",
    ),
    "\nyes\n",
  );
  assert.equal(pp("#ifdef U\na\n#elifdef __DTS__\nb\n#endif\n"), "\n\n\nb\n");
  assert.equal(pp("#if (2 || 1/0) && 0 ? 1/0 : 5\nyes\n#endif\n"), "\nyes\n");
  assert.equal(
    pp(
      "#if -1 < 0u\nunsigned\n#else\nsigned\n#endif\n#if 'a' == 97 && '\\377' < 0\nchar\n#endif\n",
    ),
    "\n\n\nsigned\n\n\nchar\n",
  );
});

Deno.test("preprocess() stringifies with # and pastes with ##", () => {
  assert.equal(
    pp("#define S(x) #x\n#define XS(x) S(x)\n#define V 42\nS(V) XS(V)\n"),
    '\n\n\n"V" "42"\n',
  );
  assert.equal(pp("#define C(a,b) a##b\nC(GIC,_SPI) C(0x,10)\n"), "\nGIC_SPI 0x10\n");
  assert.equal(
    pp(
      "#define t(x,y,z) x ## y ## z\nt(1,2,3), t(,4,5), t(6,,7), t(8,9,), t(10,,), t(,11,), t(,,12), t(,,)\n",
    ),
    "\n123, 45, 67, 89, 10, 11, 12,\n",
  );
  assert.equal(
    pp('#define str(s) # s\nstr( strncmp("abc\\0d", "abc", \'\\4\') == 0)\n'),
    '\n"strncmp(\\"abc\\\\0d\\", \\"abc\\", \'\\\\4\') == 0"\n',
  );
});

Deno.test("preprocess() keeps an invalid ## paste as two tokens in assembler mode", () => {
  assert.equal(pp("#define P(a,b) a##b\nP(/,/) P(-,>)\n"), "\n/ / ->\n");
});

Deno.test("preprocess() handles variadic macros, GNU comma swallowing and __VA_OPT__", () => {
  assert.equal(pp("#define E(...) [__VA_ARGS__]\nE() E(1) E(1, 2)\n"), "\n[] [1] [1, 2]\n");
  assert.equal(
    pp("#define V(a,...) a , ## __VA_ARGS__ |\nV(1) V(1,2,3) V(1,)\n"),
    "\n1 | 1 ,2,3 | 1 , |\n",
  );
  assert.equal(
    pp("#define V(fmt, ...) fmt __VA_OPT__(, ) __VA_ARGS__\nV(a) V(a, b)\n"),
    "\na a , b\n",
  );
});

Deno.test("preprocess() passes assembler lines like #address-cells through, expanding macros", () => {
  assert.equal(
    pp("#define address foo\n\t#address-cells = <1>; // c\n"),
    "\n #foo-cells = <1>;\n",
  );
});

Deno.test("preprocess() ends a macro argument at a non-directive '#' line and drops the '#'", () => {
  // GCC: `#foo` is no directive in assembler mode; collect_args ends the argument there and
  // goes on with the next one (output checked against cpp 12).
  assert.equal(pp("#define F(a,b) a|b\nF(1\n#foo\n2)\n"), "\n1|foo 2\n");
});

Deno.test("preprocess() treats an unmatched quote as the rest of the line (no expansion)", () => {
  assert.equal(pp("#define x 5\nit's x\nx 'a' x\n"), "\nit's x\n5 'a' 5\n");
});

Deno.test("preprocess() joins continuation lines and keeps output lines in step", () => {
  assert.equal(pp("x = <1 \\\n 2>;\nnext\n"), "x = <1 2>;\n\nnext\n");
  assert.equal(pp("a // c\nb /* x\n y */ c\n\\\n d"), "a\nb c\n\n\n d\n");
  assert.equal(
    pp("#define F(x) [x]\nF(a) F (b) F\n(c) F\nq\n"),
    "\n[a] [b] [c] F\n\nq\n",
  );
});

Deno.test("preprocess() reproduces first-token columns and blank-line/marker choices", () => {
  assert.equal(pp("\tfoo bar\n\n\n  x   y  /* c */ z\n"), " foo bar\n\n\n  x y z\n");
  const many = "a\n" + "\n".repeat(10) + "b\n";
  assert.equal(pp(many), 'a\n# 12 "t.dts"\nb\n');
});

Deno.test("preprocess() emits include markers and skips guarded headers the second time", () => {
  const files = {
    "inc/dt/h.h": "#ifndef H\n#define H\n#define GIC_SPI 0\n#endif\n",
  };
  assert.equal(
    pp("#include <dt/h.h>\n#include <dt/h.h>\nx GIC_SPI\n", files, ["inc"]),
    '# 1 "inc/dt/h.h" 1\n# 2 "t.dts" 2\n\nx 0\n',
  );
  // Quoted includes look in the includer's directory first.
  assert.equal(
    pp('#include "dt/h.h"\nGIC_SPI\n', { "dt/h.h": "#define GIC_SPI 7\n" }),
    '# 1 "dt/h.h" 1\n# 2 "t.dts" 2\n7\n',
  );
});

Deno.test("preprocess() honours #pragma once and #include_next", () => {
  const files = {
    "a/x.h": "#pragma once\nA\n#include_next <x.h>\n",
    "b/x.h": "B\n",
  };
  const out = pp("#include <x.h>\n#include <x.h>\n", files, ["a", "b"]);
  // GCC starts an output line at `once` (column 9: seven spaces).
  assert.equal(out, '# 1 "a/x.h" 1\n       \nA\n# 1 "b/x.h" 1\nB\n# 4 "a/x.h" 2\n# 2 "t.dts" 2\n');
});

Deno.test("preprocess() applies -D definitions and #line", () => {
  const r = preprocess("t.dts", 'V __DTS__\n#line 100 "foo.dts"\n__LINE__ __FILE__\n', {
    readFile: () => undefined,
    defines: ["__DTS__", "V=3"],
  });
  assert.equal(r.text.split("\n").slice(4).join("\n"), '3 1\n# 100 "foo.dts"\n100 "foo.dts"\n');
});

Deno.test("preprocess() reports #error, #warning and bad directives as located errors", () => {
  const e = ppError("\n#error boom now\n");
  assert.equal(e.line(), "t.dts:2:2: error: #error boom now");
  const r = preprocess("t.dts", "#warning careful\n", { readFile: () => undefined });
  assert.deepEqual(r.warnings, ["t.dts:1:2: warning: #warning careful"]);
  assert.match(ppError("#if 1/0\n#endif\n").line(), /^t\.dts:1:6: error: Division by zero in #if$/);
  assert.match(ppError("#if\n#endif\n").line(), /#if with no expression/);
  assert.match(ppError("#if (1\n#endif\n").line(), /Missing '\)' in expression/);
  assert.match(ppError("#if 1 2\n#endif\n").line(), /Missing binary operator/);
  assert.match(ppError("#define 3 x\n").line(), /Macro names must be identifiers/);
  assert.match(ppError("#define F(x) ## x\n").line(), /'##' cannot appear/);
});

Deno.test("preprocess() reports unterminated conditionals at their #if", () => {
  assert.equal(ppError("a\n#ifdef X\nb\n").line(), "t.dts:2: error: Unterminated #ifdef");
  assert.equal(ppError("#endif\n").line(), "t.dts:1:2: error: #endif without #if");
  assert.equal(
    ppError("#if 1\n#else\n#else\n#endif\n").line(),
    "t.dts:3:2: error: #else after #else",
  );
});

Deno.test("preprocess() reports include errors: missing file, loop depth, bad syntax", () => {
  assert.match(
    ppError('#include "nope.h"\n').line(),
    /^t\.dts:1:10: error: nope\.h: No such file or directory/,
  );
  assert.match(
    ppError('#include "loop.h"\n', { "loop.h": '#include "loop.h"\n' }).line(),
    /nested depth 200 exceeds maximum of 200/,
  );
  assert.match(ppError("#include foo\n").line(), /#include expects "FILENAME" or <FILENAME>/);
});

Deno.test("preprocess() reports unterminated macro calls and wrong argument counts where GCC does", () => {
  // GCC's location: the last token read from the file (the closing parenthesis, or the newline
  // before the end of the file).
  assert.equal(
    ppError("#define F(x) x\nF(1,\n 2\n").line(),
    't.dts:3:3: error: Unterminated argument list invoking macro "F"',
  );
  assert.equal(
    ppError("#define F(x, y) x\nF(1)\n").line(),
    't.dts:2:4: error: Macro "F" requires 2 arguments, but only 1 given',
  );
  assert.equal(
    ppError("#define F(x) x\nF(1,\n 2)\n").line(),
    't.dts:3:3: error: Macro "F" passed 2 arguments, but takes just 1',
  );
  assert.equal(
    ppError("#define F(x) x\n#define G F(1, 2)\nG\n").line(),
    't.dts:3:1: error: Macro "F" passed 2 arguments, but takes just 1',
  );
  assert.match(ppError("/* never closed\n").line(), /^t\.dts:1:1: error: Unterminated comment$/);
});

Deno.test("preprocess() stops a runaway (exponential) macro expansion with an InputError", () => {
  const src = "#define D(x) x x x x x x x x x x\nD(D(D(D(D(D(D(D(1))))))))\n";
  assert.throws(
    () => preprocess("t.dts", src, { readFile: () => undefined, maxExpansionTokens: 100000 }),
    (e: unknown) =>
      e instanceof InputError &&
      /^t\.dts:2:\d+: error: Macro expansion produces more than 100000 tokens/.test(e.line()),
  );
});

Deno.test("preprocess() bounds the number of #includes (exponential include fan-out)", () => {
  const files: Record<string, string> = { "h18.h": "" };
  for (let i = 0; i < 18; i++) files[`h${i}.h`] = `#include "h${i + 1}.h"\n`.repeat(2);
  assert.match(ppError('#include "h0.h"\n', files).line(), /More than 100000 #includes$/);
});
