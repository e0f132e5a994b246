/**
 * Record the reference outputs of the DT conformance suite: for every case under
 * `tests/fixtures/dt/cases/` (and the QEMU `virt` dumps under `tests/fixtures/dt/qemu/`) run the
 * reference tools — GCC's `cpp -nostdinc -I<dirs> -undef -D__DTS__ -x assembler-with-cpp` for
 * sources with directives, then Debian 12's dtc 1.6.1 — and store what they print under
 * `tests/fixtures/dt/expected/`. `tests/dt_conformance_test.ts` compares dom0sim against these
 * files (and against the live tools when they are installed).
 *
 * Usage: deno run -A scripts/dt_record_fixtures.ts        (from the repository root)
 *
 * @module
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { CASE_ROOT, dtcCommand, EXPECTED_ROOT, listCases, QEMU_ROOT } from "../tests/dt_cases.ts";

function run(cmd: string, args: string[], input?: Uint8Array) {
  const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return {
    status: r.status ?? -1,
    stdout: new Uint8Array(r.stdout),
    stderr: r.stderr.toString("latin1"),
  };
}

function write(rel: string, data: Uint8Array | string): void {
  const p = path.join(EXPECTED_ROOT, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

let n = 0;
for (const c of listCases()) {
  const cmd = dtcCommand(c);
  let input: Uint8Array | undefined;
  if (cmd.cpp) {
    const pp = run("cpp", cmd.cpp);
    if (pp.status !== 0) {
      write(`${c.name}.status`, `cpp ${pp.status}\n`);
      write(`${c.name}.stderr`, pp.stderr);
      n++;
      continue;
    }
    write(`${c.name}.cpp`, pp.stdout);
    input = pp.stdout;
  }
  const dtb = run("dtc", [...cmd.dtc, "-O", "dtb"], input);
  write(`${c.name}.status`, `dtc ${dtb.status}\n`);
  write(`${c.name}.stderr`, dtb.stderr);
  if (dtb.status === 0) {
    write(`${c.name}.dtb`, dtb.stdout);
    const dts = run("dtc", [...cmd.dtc, "-O", "dts"], input);
    // dtc 1.6.1 can abort printing some values (an assertion on /incbin/ data after a string).
    if (dts.status === 0) write(`${c.name}.dts`, dts.stdout);
    else write(`${c.name}.dts.status`, `dtc ${dts.status}\n${dts.stderr}`);
    const tmp = path.join(fs.mkdtempSync("/tmp/dtrec-"), "x.dtb");
    fs.writeFileSync(tmp, dtb.stdout);
    const back = run("dtc", ["-I", "dtb", "-O", "dts", "-o", "-", tmp]);
    write(`${c.name}.dtbdts`, back.stdout);
    write(`${c.name}.dtbdts.stderr`, back.stderr);
  }
  n++;
}

// QEMU virt dumps: decompiled (type guessing on DTB input), then the decompiled text compiled.
for (const f of fs.readdirSync(QEMU_ROOT).filter((f) => f.endsWith(".dtb.gz")).sort()) {
  const name = f.replace(/\.dtb\.gz$/, "");
  const tmp = path.join(fs.mkdtempSync("/tmp/dtrec-"), `${name}.dtb`);
  const gz = run("gzip", ["-dc", path.join(QEMU_ROOT, f)]);
  fs.writeFileSync(tmp, gz.stdout);
  const dts = run("dtc", ["-I", "dtb", "-O", "dts", "-o", "-", tmp]);
  write(`qemu/${name}.dts`, dts.stdout);
  write(`qemu/${name}.dts.stderr`, dts.stderr.replaceAll(tmp, `${name}.dtb`));
  const dtsPath = path.join(path.dirname(tmp), `${name}.dts`);
  fs.writeFileSync(dtsPath, dts.stdout);
  const dtb = run("dtc", ["-I", "dts", "-O", "dtb", "-o", "-", dtsPath]);
  write(`qemu/${name}.dtb`, dtb.stdout);
  write(`qemu/${name}.dtb.stderr`, dtb.stderr.replaceAll(dtsPath, `${name}.dts`));
  n++;
}
console.log(`recorded ${n} cases under ${EXPECTED_ROOT} (sources in ${CASE_ROOT})`);
