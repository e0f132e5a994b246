// Expected texts from arch/arm64/mm/fault.c and kernel/traps.c of Linux 6.1, and from real oopses
// quoted on xen-devel (2022, DMACR abort on a 5.x kernel: same lines, 8-digit ESR there).
import assert from "node:assert/strict";
import { GuestException } from "../arch/arm64/port.ts";
import { KernelCpu } from "./access.ts";
import { SimClock } from "./clock.ts";
import { esrClassString, faultName, handleGuestException, memAbortDecode } from "./fault.ts";
import { Kernel } from "./kernel.ts";
import { KernelPanic } from "./panic.ts";
import { Printk } from "./printk.ts";
import { FakePort } from "../tests/fixtures/dom0/fake_port.ts";

function kernel(): Kernel {
  const p = new FakePort();
  p.flat = true;
  p.addRegion(0x1000, 0x1000);
  const k = new KernelCpu(p);
  const clock = new SimClock([k]);
  const kern = new Kernel([k], clock, new Printk(clock));
  kern.model = "linux,dummy-virt";
  kern.pgd = 0x1000; // an empty table: show_pte stops at pgd
  return kern;
}

Deno.test("memAbortDecode() prints an EL1 alignment fault on a store as 6.1 does", () => {
  assert.deepEqual(memAbortDecode(0x96000061), [
    "Mem abort info:",
    "  ESR = 0x0000000096000061",
    "  EC = 0x25: DABT (current EL), IL = 32 bits",
    "  SET = 0, FnV = 0",
    "  EA = 0, S1PTW = 0",
    "  FSC = 0x21: alignment fault",
    "Data abort info:",
    "  ISV = 0, ISS = 0x00000061",
    "  CM = 0, WnR = 1",
  ]);
});

Deno.test("memAbortDecode() shows the abort Xen injects with ISS = 0 as a ttbr address size fault", () => {
  const l = memAbortDecode(0x96000000);
  assert.equal(l[5], "  FSC = 0x00: ttbr address size fault");
  assert.equal(l[7], "  ISV = 0, ISS = 0x00000000");
  assert.equal(l[8], "  CM = 0, WnR = 0");
});

Deno.test("memAbortDecode() decodes a valid instruction syndrome (ISV = 1)", () => {
  // LDR W, SRT = 3, SAS = 2 (word), SF = 0: ISS = ISV | SAS=2 | SRT=3 | DFSC 0x10
  const esr = (0x25 << 26) | (1 << 25) | (1 << 24) | (2 << 22) | (3 << 16) | 0x10;
  const l = memAbortDecode(esr >>> 0);
  assert.deepEqual(l.slice(7, 10), [
    "  Access size = 4 byte(s)",
    "  SSE = 0, SRT = 3",
    "  SF = 0, AR = 0",
  ]);
});

Deno.test("faultName() follows 6.1's fault_info table", () => {
  assert.equal(faultName(0x07), "level 3 translation fault");
  assert.equal(faultName(0x0f), "level 3 permission fault");
  assert.equal(faultName(0x08), "unknown 8");
  assert.equal(faultName(0x10), "synchronous external abort");
  assert.equal(faultName(0x35), "implementation fault (unsupported exclusive)");
  assert.equal(esrClassString(0x2f << 26), "SError");
  assert.equal(esrClassString(0x24 << 26), "DABT (lower EL)");
});

Deno.test("handleGuestException() reports a kernel alignment fault as 'Unable to handle kernel paging request' and kills a child task", () => {
  const kern = kernel();
  kern.task = { comm: "worker", pid: 77 };
  const e = new GuestException({
    esr: 0x96000061,
    ec: 0x25,
    iss: 0x61,
    fsc: 0x21,
    far: -0x7ffff5d00000,
  });
  const rec = handleGuestException(kern, e, ["raw_sram_ioctl", "__memcpy"], "stp");
  assert.equal(rec.outcome, "task-killed");
  assert.equal(
    rec.message,
    "Unable to handle kernel paging request at virtual address ffff80000a300000",
  );
  const text = rec.lines.map((l) => l.replace(/^\[[ 0-9.]+\] /, ""));
  assert.ok(text.includes("Internal error: Oops: 0000000096000061 [#1] SMP"));
  assert.ok(text.includes("CPU: 0 PID: 77 Comm: worker Not tainted 6.1.0-dom0sim #1"));
  assert.ok(text.includes("Hardware name: linux,dummy-virt (DT)"));
  assert.ok(text.some((l) => l.startsWith("pc : __memcpy+0x")));
  assert.ok(text.includes("---[ end trace 0000000000000000 ]---"));
  assert.deepEqual(rec.callTrace, ["__memcpy", "raw_sram_ioctl"]);
  assert.equal(kern.faults.length, 1);
  assert.ok(kern.taint.has("D"));
});

Deno.test("handleGuestException() panics when the oops kills init", () => {
  const kern = kernel();
  kern.task = { comm: "init", pid: 1 };
  const e = new GuestException({ esr: 0x96000000, ec: 0x25, iss: 0, fsc: 0, far: -0x7ffff5d00000 });
  assert.throws(
    () => handleGuestException(kern, e, ["sram_write", "__memcpy_toio"], "str"),
    (x) => {
      assert.ok(x instanceof KernelPanic);
      assert.equal(x.reason, "Attempted to kill init! exitcode=0x0000000b");
      return true;
    },
  );
  const text = kern.log.lines.map((l) => l.text.replace(/^\[[ 0-9.]+\] /, ""));
  assert.ok(text.includes("Unhandled fault at 0xffff80000a300000"));
  assert.ok(text.includes("Internal error: ttbr address size fault: 0000000096000000 [#1] SMP"));
  assert.ok(
    text.includes("Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b"),
  );
  assert.equal(kern.faults[0].outcome, "panic");
});

Deno.test("handleGuestException() sends synchronous external aborts straight to die()", () => {
  const kern = kernel();
  kern.task = { comm: "t", pid: 5 };
  const e = new GuestException({ esr: 0x96000010, ec: 0x25, iss: 0x10, fsc: 0x10, far: 0 });
  const rec = handleGuestException(kern, e, ["__memcpy"], "ldp");
  const text = rec.lines.map((l) => l.replace(/^\[[ 0-9.]+\] /, ""));
  assert.equal(text[0], "Internal error: synchronous external abort: 0000000096000010 [#1] SMP");
  assert.ok(!text.some((l) => l.startsWith("Mem abort info")));
});

Deno.test("handleGuestException() panics on an SError (no RAS on Cortex-A57)", () => {
  const kern = kernel();
  kern.task = { comm: "t", pid: 5 };
  const e = new GuestException({ esr: 0xbe000000, ec: 0x2f, iss: 0, fsc: -1, far: 0 }, "serror");
  assert.throws(() => handleGuestException(kern, e, ["__memset"], "stp"), KernelPanic);
  const text = kern.log.lines.map((l) => l.text.replace(/^\[[ 0-9.]+\] /, ""));
  assert.equal(text[0], "SError Interrupt on CPU0, code 0x00000000be000000 -- SError");
  assert.ok(text.includes("Kernel panic - not syncing: Asynchronous SError Interrupt"));
});

Deno.test("handleGuestException() turns an EL0 alignment fault into a signal, not an oops", () => {
  const kern = kernel();
  kern.task = { comm: "probe", pid: 90 };
  const e = new GuestException({ esr: 0x92000021, ec: 0x24, iss: 0x21, fsc: 0x21, far: 0x1003 });
  const rec = handleGuestException(kern, e, [], "ldr");
  assert.equal(rec.outcome, "signal");
  assert.equal(rec.detail, "SIGBUS (Bus error)");
  assert.equal(
    rec.message,
    "probe[90]: unhandled exception: DABT (lower EL), ESR 0x0000000092000021, alignment fault",
  );
  assert.ok(!kern.taint.has("D"));
});
