// End to end: the Xen 4.17 model (hyp/) builds dom0 from the golden runs' host trees, the CPU
// model (arch/arm64) runs dom0 under Xen's stage 2 with Xen's EL2 handler (vGIC, PSCI, hypercalls,
// abort injection), and dom0 (dom0/) boots from the DTB bytes Xen wrote and runs its workload.
import assert from "node:assert/strict";
import { bootLinux, encodeInitrd } from "../dom0/mod.ts";
import { golden } from "./fixtures/dom0/fake_machine.ts";
import { xenMachine } from "./fixtures/dom0/xen_machine.ts";
import type { PolicyName } from "../hyp/policy.ts";

/** Xen's printed console from the hand-over to dom0 on, as the serial line shows it. */
function serial(m: ReturnType<typeof xenMachine>): string[] {
  const ev = m.xen.console.events.filter((e) => e.printed);
  const from = ev.findIndex((e) => e.text.includes("*** Serial input to DOM0"));
  const out: string[] = [];
  for (const e of ev.slice(from + 1)) {
    if (e.fromGuest !== undefined) out.push(...e.text.replace(/\n$/, "").split("\n"));
    else out.push("(XEN) " + e.text);
  }
  return out;
}

for (const run of ["virt-gicv3", "virt-gicv3-sram"]) {
  Deno.test(`${run}: Xen's lines during dom0's boot are the golden run's, in the golden order relative to dom0's console`, () => {
    const m = xenMachine(run);
    const r = bootLinux(m.cpus, m.entry);
    assert.equal(r.outcome, "ok");
    const mine = serial(m).map((l) => l.replace(/\r+$/, ""));
    const g = new TextDecoder().decode(golden(run, "console.log")).split("\n").map((l) =>
      l.replace(/\r+$/, "")
    );
    const gStart = g.findIndex((l) => l.includes("*** Serial input to DOM0"));
    const xenMine = mine.filter((l) => l.startsWith("(XEN) "));
    const xenGolden = g.slice(gStart + 1).filter((l) =>
      /^\(XEN\) d0v\d/.test(l) && !l.includes("Freed")
    );
    assert.deepEqual(xenMine, xenGolden);
    // The ordering: all of d0v0's vGIC/SMCCC lines precede dom0's first console line (printk is
    // buffered until hvc0 registers), and d0v1's redistributor line comes after
    // "smp: Bringing up secondary CPUs ...".
    const first = mine.findIndex((l) => l.includes("Booting Linux on physical CPU"));
    assert.ok(mine.slice(0, first).filter((l) => l.startsWith("(XEN) d0v0")).length >= 11);
    const smp = mine.findIndex((l) => l.includes("smp: Bringing up secondary CPUs"));
    const v1 = mine.findIndex((l) => l.startsWith("(XEN) d0v1: vGICR: SGI"));
    assert.ok(v1 > smp, "d0v1 line after smp: Bringing up");
  });
}

const CASES: [PolicyName, string, "ok" | "stage2-alignment"][] = [
  ["xen-4.17", "sram-export-write", "ok"],
  ["xen-4.17", "sram-memset", "ok"],
  ["xen-4.17", "sram-memcpy-unaligned", "ok"],
  ["xen-4.7", "sram-export-write", "ok"],
  ["xen-4.7", "sram-memset", "stage2-alignment"],
  ["xen-4.7", "sram-memcpy-unaligned", "stage2-alignment"],
  ["xen-4.8.0", "sram-memset", "ok"],
  ["xen-4.8.0", "sram-memcpy-unaligned", "ok"],
  ["rfc-2016", "sram-memset", "ok"],
  ["device-gre", "sram-export-write", "ok"],
  ["device-gre", "sram-memcpy-unaligned", "stage2-alignment"],
];

const WHY: Record<string, string> = {
  "ok": "clean",
  "stage2-alignment":
    "alignment fault at stage 2 (Device memory), Xen logs 'Unsupported FSC ... DFSC=0x21' and injects ESR 0x96000000",
};

for (const [policy, workload, expect] of CASES) {
  Deno.test(`${policy} + ${workload} under the Xen model: ${WHY[expect]}`, () => {
    const m = xenMachine("virt-gicv3-sram", { policy, initrd: encodeInitrd(workload) });
    const r = bootLinux(m.cpus, m.entry);
    assert.equal(r.workload?.name, workload);
    const xen = m.xen.console.events.filter((e) => e.printed && e.text.includes("Unsupported FSC"));
    if (expect === "ok") {
      assert.equal(r.outcome, "ok");
      assert.equal(r.workload?.ok, true);
      assert.equal(xen.length, 0);
    } else {
      assert.equal(r.outcome, "oops");
      assert.equal(r.faults[0].esr, 0x96000000);
      assert.equal(r.faults[0].fscName, "ttbr address size fault");
      assert.match(xen[0].text, /^d0v0 Unsupported FSC: HSR=0x0+92000061 DFSC=0x21$/);
    }
  });
}

Deno.test("virt-gicv3-sram: the default workload runs the golden probe; normal RAM gives the golden probe.txt lines", () => {
  const m = xenMachine("virt-gicv3-sram");
  const r = bootLinux(m.cpus, m.entry);
  const probe = r.console.filter((l) => l.startsWith("PROBE"));
  const g = new TextDecoder().decode(golden("virt-gicv3-sram", "probe.txt")).trim().split("\n");
  const notDevmem = (l: string) => !l.startsWith("PROBE devmem");
  assert.deepEqual(probe.filter(notDevmem), g.filter(notDevmem));
});

Deno.test("virt-gicv3-sram: /dev/mem (O_SYNC → Device-nGnRnE for no-map memory) faults where the ARM ARM says, unlike QEMU 7.2's recording", () => {
  const m = xenMachine("virt-gicv3-sram");
  const r = bootLinux(m.cpus, m.entry);
  const dev = Object.fromEntries(
    r.console.filter((l) => l.startsWith("PROBE devmem")).map((l) => {
      const [, name, res] = l.match(/^PROBE devmem (\S+): (\S+)$/)!;
      return [name, res];
    }),
  );
  assert.deepEqual(dev, {
    "aligned-64bit-store-load": "ok",
    "unaligned-64bit-load": "SIGBUS", // unaligned access to Device memory: alignment fault
    "unaligned-64bit-store": "SIGBUS",
    "dc-zva": "SIGBUS", // DC ZVA to Device memory: alignment fault
    "dc-civac": "ok", // cache maintenance by VA never alignment-faults
    "ldxr-stxr": "ok", // the golden SRAM is RAM: it answers EXOKAY
    "memset-zero-4096": "SIGBUS", // DC ZVA
    "memset-0x5a-4096": "ok", // 16-aligned STPs of X registers only
    "memcpy-aligned-4096": "ok",
    "memcpy-unaligned-1000": "SIGBUS", // unaligned STP at dst
  });
  const m2 = r.mappings.find((x) => x.api === "/dev/mem")!;
  assert.equal(m2.s1Type, "Device-nGnRnE");
  assert.ok(
    r.console.some((l) =>
      /probe\[\d+\]: unhandled exception: DABT \(lower EL\), ESR 0x0000000092000021, alignment fault/
        .test(l)
    ),
  );
});

Deno.test("/dev/mem refuses a region a driver has claimed (IO_STRICT_DEVMEM): mmap fails with EPERM", () => {
  const m = xenMachine("virt-gicv3-sram");
  const r = bootLinux(m.cpus, m.entry, {
    workload: { name: "t", ops: [{ op: "load", target: "sram", via: "devmem" }] },
  });
  assert.equal(r.workload!.ok, false);
  assert.equal(r.workload!.ops[0].error, "mmap: Operation not permitted");
});
