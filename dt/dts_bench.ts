/**
 * Throughput of the DTS front end on large inputs: the DTS parser alone, the whole compile
 * (parser + dtc's checks + phandle allocation + export), and the C preprocessor on a Linux-style
 * source. `deno bench dt/dts_bench.ts` gives the time per run (the input size is in the bench
 * name); `deno run dt/dts_bench.ts` prints MB/s directly (best of several runs).
 *
 * The inputs are generated: boards written the way decompiled and hand-written trees look
 * (strings, string lists, hex cells, labels, phandle and path references, byte strings, `/bits/`),
 * and a preprocessed-style board using header macros. Two DTS shapes:
 *
 * - a board set: 28 boards of about 250 KB each (the size of the largest real Linux boards after
 *   cpp, e.g. arm64 Qualcomm X1 laptops at 255-380 KB), 6.7 MB in all, each parsed on its own —
 *   the workload of compiling real trees;
 * - one 6.8 MB tree with 20 000 devices: a stress case whose whole tree stays alive, so V8's
 *   young-generation collector copies every object it allocates (throughput is GC-bound).
 *
 * @module
 */

import { compileDts } from "./compile.ts";
import { preprocess } from "./cpp.ts";
import { parseDts } from "./dts_parser.ts";
import { writeDtb } from "./dtb_write.ts";

/**
 * A DTS board with `n` devices (about 250 bytes each); beyond 1000 they are grouped in buses of
 * 1000 (dtc 1.6.1's parser rejects a node with about 10 000 children).
 */
export function generateBoard(n: number): string {
  const out: string[] = [
    "/dts-v1/;\n\n/memreserve/ 0x80000000 0x10000;\n\n/ {\n",
    '\tmodel = "dom0sim benchmark board";\n\tcompatible = "dom0sim,bench", "dom0sim,soc";\n',
    "\t#address-cells = <0x02>;\n\t#size-cells = <0x02>;\n\tinterrupt-parent = <&gic>;\n\n",
    '\tgic: interrupt-controller@8000000 {\n\t\tcompatible = "arm,gic-v3";\n',
    "\t\treg = <0x00 0x8000000 0x00 0x10000>, <0x00 0x80a0000 0x00 0xf60000>;\n",
    "\t\tinterrupt-controller;\n\t\t#interrupt-cells = <0x03>;\n\t\t#address-cells = <0x00>;\n\t};\n\n",
    '\tclk: clock {\n\t\tcompatible = "fixed-clock";\n\t\t#clock-cells = <0x00>;\n',
    "\t\tclock-frequency = <0x16e3600>;\n\t};\n\n",
  ];
  const grouped = n > 1000;
  for (let i = 0; i < n; i++) {
    const addr = (0x10000000 + i * 0x1000).toString(16);
    if (grouped && i % 1000 === 0) {
      if (i) out.push("\t};\n\n");
      out.push(
        `\tbus@${addr} {\n\t\tcompatible = "simple-bus";\n`,
        "\t\t#address-cells = <0x02>;\n\t\t#size-cells = <0x02>;\n\t\tranges;\n\n",
      );
    }
    out.push(
      `\tdev${i}: device@${addr} {\n`,
      `\t\tcompatible = "vendor,device-v${i % 7}", "vendor,device";\n`,
      `\t\treg = <0x00 0x${addr} 0x00 0x1000>;\n`,
      `\t\tinterrupts = <0x00 0x${(i % 988).toString(16)} 0x04>;\n`,
      `\t\tclocks = <&clk>;\n\t\tclock-names = "apb_pclk";\n`,
      `\t\tstatus = "${i % 3 ? "okay" : "disabled"}";\n`,
      `\t\tmac-address = [00 11 22 33 44 ${(i & 0xff).toString(16).padStart(2, "0")}];\n`,
      `\t\topp-hz = /bits/ 64 <${1000000 + i}>;\n`,
      i > 0 ? `\t\tpeer = <&dev${i - 1}>;\n\t\tpeer-path = &dev${i - 1};\n` : "",
      `\t};\n\n`,
    );
  }
  if (grouped) out.push("\t};\n");
  out.push("};\n");
  return out.join("");
}

/** A Linux-style source: header macros, function-like macros and includes via readFile. */
export function generateCppBoard(n: number): { text: string; files: Map<string, Uint8Array> } {
  const enc = new TextEncoder();
  const header = `#ifndef _BENCH_H
#define _BENCH_H
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_TYPE_LEVEL_HIGH 4
#define GPIO_ACTIVE_LOW 1
#define PINMUX(port, line, mode) ((((port) - 'A') * 16 + (line)) << 8 | (mode))
#define IOPAD(off, val, mux) ((off) & 0x1fff) ((val) | (mux))
#define DEV_BASE(i) (0x10000000 + (i) * 0x1000)
#endif
`;
  const out: string[] = [
    "/dts-v1/;\n#include <bench.h>\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n",
  ];
  for (let i = 0; i < n; i++) {
    out.push(
      `\tdev${i}: device@${(0x10000000 + i * 0x1000).toString(16)} {\n`,
      `\t\tcompatible = "vendor,device";\n`,
      `\t\treg = <0x0 DEV_BASE(${i}) 0x0 0x1000>;\n`,
      `\t\tinterrupts = <GIC_SPI ${i % 988} IRQ_TYPE_LEVEL_HIGH>;\n`,
      `\t\tpinmux = <PINMUX('${String.fromCharCode(65 + (i % 8))}', ${i % 16}, 7)>;\n`,
      `\t\tpad = <IOPAD(0x${(i * 4).toString(16)}, 0x40, 7)>; /* pad control */\n`,
      `\t};\n`,
    );
  }
  out.push("};\n");
  return { text: out.join(""), files: new Map([["include/bench.h", enc.encode(header)]]) };
}

const BOARD = generateBoard(20000);
const BOARD_SET: string[] = [];
for (let i = 0; i < 28; i++) BOARD_SET.push(generateBoard(700 + i));
const SET_BYTES = BOARD_SET.reduce((n, b) => n + b.length, 0);
const CPP = generateCppBoard(20000);
const MB = (s: string) => (s.length / 1e6).toFixed(1);
const noFiles = { readFile: () => undefined, includeDirs: [] };

Deno.bench({
  name: `parseDts(): ${(SET_BYTES / 1e6).toFixed(1)} MB as 28 boards of 250 KB`,
  group: "dts",
  baseline: true,
  fn: () => {
    for (const b of BOARD_SET) parseDts("board.dts", b, noFiles);
  },
});

Deno.bench({
  name: `compileDts(): ${(SET_BYTES / 1e6).toFixed(1)} MB as 28 boards (parse + checks + phandles)`,
  group: "dts",
  fn: () => {
    for (const b of BOARD_SET) compileDts("board.dts", b, { cpp: false });
  },
});

Deno.bench({
  name: `compileDts() + writeDtb(): ${(SET_BYTES / 1e6).toFixed(1)} MB as 28 boards, DTS to DTB`,
  group: "dts",
  fn: () => {
    for (const b of BOARD_SET) writeDtb(compileDts("board.dts", b, { cpp: false }).tree);
  },
});

Deno.bench({
  name: `parseDts(): one ${MB(BOARD)} MB tree (stress)`,
  group: "dts",
  fn: () => {
    parseDts("board.dts", BOARD, noFiles);
  },
});

Deno.bench({
  name: `compileDts(): one ${MB(BOARD)} MB tree (stress)`,
  group: "dts",
  fn: () => {
    compileDts("board.dts", BOARD, { cpp: false });
  },
});

Deno.bench({
  name: `preprocess(): ${MB(CPP.text)} MB Linux-style source`,
  group: "cpp",
  fn: () => {
    preprocess("board.dts", CPP.text, {
      readFile: (p) => CPP.files.get(p),
      includeDirs: ["include"],
      defines: ["__DTS__"],
    });
  },
});

if (import.meta.main) {
  const best = (f: () => void, rounds = 6): number => {
    let b = Infinity;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      f();
      b = Math.min(b, performance.now() - t0);
    }
    return b;
  };
  const rate = (bytes: number, ms: number) => `${(bytes / 1e3 / ms).toFixed(1)} MB/s`;
  const set = (SET_BYTES / 1e6).toFixed(1);
  const ts = best(() => {
    for (const b of BOARD_SET) parseDts("board.dts", b, noFiles);
  });
  console.log(`parseDts   ${set} MB, 28 boards: ${ts.toFixed(0)} ms, ${rate(SET_BYTES, ts)}`);
  const tcs = best(() => {
    for (const b of BOARD_SET) compileDts("board.dts", b, { cpp: false });
  });
  console.log(`compileDts ${set} MB, 28 boards: ${tcs.toFixed(0)} ms, ${rate(SET_BYTES, tcs)}`);
  const tw = best(() => {
    for (const b of BOARD_SET) writeDtb(compileDts("board.dts", b, { cpp: false }).tree);
  });
  console.log(`+writeDtb  ${set} MB, 28 boards: ${tw.toFixed(0)} ms, ${rate(SET_BYTES, tw)}`);
  const tp = best(() => parseDts("board.dts", BOARD, noFiles));
  console.log(
    `parseDts   ${MB(BOARD)} MB, one tree: ${tp.toFixed(0)} ms, ${rate(BOARD.length, tp)}`,
  );
  const tc = best(() => compileDts("board.dts", BOARD, { cpp: false }));
  console.log(
    `compileDts ${MB(BOARD)} MB, one tree: ${tc.toFixed(0)} ms, ${rate(BOARD.length, tc)}`,
  );
  const tpp = best(() =>
    preprocess("board.dts", CPP.text, {
      readFile: (p) => CPP.files.get(p),
      includeDirs: ["include"],
      defines: ["__DTS__"],
    })
  );
  console.log(`preprocess ${MB(CPP.text)} MB: ${tpp.toFixed(0)} ms, ${rate(CPP.text.length, tpp)}`);
}
