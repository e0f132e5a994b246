/**
 * Booting the virt board (boards/qemu-virt.dts, the golden run's tree): in-process
 * (`bootBoard`: compile, machine, Xen builds dom0, dom0 boots; and `runBoard`, which adds the
 * summary) and as a whole process (`deno run main.ts boot`, what a user waits for, including
 * Deno's start-up and module loading).
 *
 * @module
 */

import { bootBoard } from "../sim/boot.ts";
import { runBoard } from "../sim/run.ts";

const BOARD = new URL("../boards/qemu-virt.dts", import.meta.url);
const MAIN = new URL("../main.ts", import.meta.url);
const bytes = Deno.readFileSync(BOARD);
const read = (p: string) => {
  try {
    return Deno.readFileSync(p);
  } catch {
    return undefined;
  }
};

Deno.bench("bootBoard(qemu-virt.dts) in-process", { group: "virt-boot", baseline: true }, () => {
  bootBoard("qemu-virt.dts", bytes, { readFile: read });
});

Deno.bench("runBoard(qemu-virt.dts) in-process, with the summary", { group: "virt-boot" }, () => {
  runBoard("qemu-virt.dts", bytes, { readFile: read, verifyFixes: false });
});

Deno.bench({
  name: "deno run main.ts boot boards/qemu-virt.dts (whole process)",
  group: "virt-boot",
  n: 10,
  warmup: 1,
  async fn() {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-read",
        "--allow-write",
        MAIN.pathname,
        "boot",
        BOARD.pathname,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (r.code !== 0) throw new Error(`boot exited ${r.code}`);
  },
});
