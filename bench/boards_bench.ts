/**
 * Real boards at scale (needs the board cache: `sh scripts/boards_fetch.sh`; ignored without
 * it): compiling every board's DTS in one process against dtc once per file (same run, dtc is
 * the baseline: the ratio is the speed-up), and booting every board DTB (Xen builds dom0, dom0
 * boots) in one process. Each iteration covers the whole board set.
 *
 * @module
 */

import { compileDts } from "../dt/compile.ts";
import { parseDts } from "../dt/dts_parser.ts";
import { writeDtb } from "../dt/dtb_write.ts";
import { InputError } from "../errors.ts";
import { bootBoard } from "../sim/boot.ts";
import { boardDtbs, boardsDir, boardSources, dtcPath } from "./boards_lib.ts";

const NO_FILES = { readFile: () => undefined, includeDirs: [] };
const haveBoards = boardsDir() !== null;
const haveDtc = dtcPath() !== "";
const count = boardDtbs().length;

Deno.bench({
  name: `compile ${count} real boards' DTS to DTB in one process (dt/)`,
  group: "boards-compile",
  ignore: !haveBoards || !haveDtc,
  n: 5,
  warmup: 1,
  async fn(b) {
    const src = await boardSources();
    b.start();
    for (const s of src) writeDtb(compileDts(s.file, s.text).tree);
    b.end();
  },
});

Deno.bench({
  name: `parseDts() over the real boards' DTS (parser only; MB in the set: see BENCHMARKS.md)`,
  group: "boards-parse",
  ignore: !haveBoards || !haveDtc,
  n: 5,
  warmup: 1,
  async fn(b) {
    const src = await boardSources();
    b.start();
    for (const s of src) parseDts(s.file, s.text, NO_FILES);
    b.end();
  },
});

Deno.bench({
  name: `compile the same boards with dtc, one process per file`,
  group: "boards-compile",
  baseline: true,
  ignore: !haveBoards || !haveDtc,
  n: 3,
  warmup: 0,
  async fn(b) {
    const src = await boardSources();
    const dtc = dtcPath();
    b.start();
    for (const s of src) {
      await new Deno.Command(dtc, {
        args: ["-q", "-I", "dts", "-O", "dtb", "-o", "/dev/null", s.file],
        stdout: "null",
        stderr: "null",
      }).output();
    }
    b.end();
  },
});

Deno.bench({
  name: `boot all ${count} real board DTBs in one process (Xen + dom0, default workload)`,
  group: "boards-boot",
  ignore: !haveBoards,
  n: 3,
  warmup: 1,
  fn() {
    for (const d of boardDtbs()) {
      try {
        bootBoard(d.name, d.bytes);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
      }
    }
  },
});
