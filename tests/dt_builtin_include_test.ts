// The built-in dt-bindings headers: in step with include/, searched after every -I directory,
// off with builtinIncludes: false (cpp -nostdinc exactly), and what makes the shipped boards
// compile without -I (in the repository, the bundle and the single executable alike).
import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BUILTIN_HEADERS, BUILTIN_INCLUDE_DIR } from "../dt/builtin_include.ts";
import { compileDts } from "../dt/compile.ts";
import { InputError } from "../errors.ts";
import { headerFiles } from "../scripts/builtin_include.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("dt/builtin_include.ts holds exactly the headers under include/ (regenerate with scripts/builtin_include.ts)", () => {
  deepStrictEqual([...BUILTIN_HEADERS.keys()].sort(), headerFiles());
  for (const p of headerFiles()) {
    equal(BUILTIN_HEADERS.get(p), readFileSync(`${ROOT}include/${p}`, "latin1"), p);
  }
});

const SRC = `/dts-v1/;
#include <dt-bindings/interrupt-controller/arm-gic.h>
/ { n { interrupts = <GIC_SPI 5 IRQ_TYPE_LEVEL_HIGH>; }; };
`;

Deno.test("#include <dt-bindings/...> finds the built-in header without -I", () => {
  const r = compileDts("b.dts", SRC);
  deepStrictEqual([...r.tree.lookup("/n")!.prop("interrupts")!.cells()], [0, 5, 4]);
});

Deno.test("an -I directory comes before the built-in headers", () => {
  const files = new Map([[
    "kern/dt-bindings/interrupt-controller/arm-gic.h",
    "#define GIC_SPI 7\n",
  ]]);
  const r = compileDts("b.dts", SRC.replace("IRQ_TYPE_LEVEL_HIGH", "4"), {
    includeDirs: ["kern"],
    readFile: (p) => files.has(p) ? new TextEncoder().encode(files.get(p)) : undefined,
  });
  deepStrictEqual([...r.tree.lookup("/n")!.prop("interrupts")!.cells()], [7, 5, 4]);
});

Deno.test("builtinIncludes: false searches only the directories given, like cpp -nostdinc", () => {
  throws(
    () => compileDts("b.dts", SRC, { builtinIncludes: false }),
    (e) =>
      e instanceof InputError &&
      /No include path in which to search for dt-bindings\/interrupt-controller\/arm-gic\.h/
        .test(e.message),
  );
  // With the built-ins on, a header that exists nowhere names them among the places searched.
  throws(
    () => compileDts("b.dts", "#include <dt-bindings/clock/none.h>\n/dts-v1/;\n/ { };\n"),
    (e) => e instanceof InputError && e.message.includes(`searched: ${BUILTIN_INCLUDE_DIR}`),
  );
});

Deno.test("every shipped board compiles without -I", () => {
  for (const b of ["qemu-virt.dts", "qemu-virt-sram.dts", "zynqmp-ocm.dts", "a64-sram.dts"]) {
    const text = readFileSync(`${ROOT}boards/${b}`);
    const r = compileDts(`boards/${b}`, new Uint8Array(text), {
      readFile: (p) => {
        try {
          return new Uint8Array(readFileSync(p));
        } catch {
          return undefined;
        }
      },
    });
    equal(r.tree.root.name, "", b);
  }
});
