// End-to-end: Xen's stage-2 tables, built in the simulated RAM of a drivers/ bus, walked by the
// arm64 CPU model with Xen's VTCR/VTTBR; dom0's accesses trap into the model's El2Handler.
import { equal, ok, throws } from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Cpu } from "../arch/arm64/cpu.ts";
import { GuestException } from "../arch/arm64/port.ts";
import { XEN_GUEST_HCR } from "../arch/arm64/system_registers.ts";
import { Bus } from "../drivers/bus.ts";
import { PhysicalMemory } from "../drivers/physical_memory.ts";
import { Ram } from "../drivers/ram.ts";
import { checkIsolation } from "../hyp/isolation.ts";
import { bootXen, type XenInstance } from "../hyp/xen.ts";
import { GOLDEN, kernelImageHeader } from "./hyp_helpers.ts";

function machine(): { xen: XenInstance; cpus: Cpu[] } {
  const bus = new Bus();
  bus.attach(0x40000000, new Ram(0x80000000, { name: "/memory@40000000" }));
  const mem = new PhysicalMemory(bus);
  const dtb = new Uint8Array(readFileSync(`${GOLDEN}/virt-gicv3/xen-input.dtb`));
  mem.write(0x48000000, dtb);
  mem.write(0x49000000, kernelImageHeader(0));
  const cpus: Cpu[] = [];
  const xen = bootXen({ mem, tlbFlush: (vmid) => cpus.forEach((c) => c.tlbiStage2(vmid)) }, {
    hostDtb: dtb,
  });
  for (let i = 0; i < 2; i++) {
    const cpu = new Cpu(bus, { vcpuId: i, el2: xen.el2Handler(0) });
    cpu.msr("VTCR_EL2", BigInt(xen.core.geo.vtcr));
    cpu.msr("VTTBR_EL2", xen.dom0.p2m.vttbr);
    cpu.msr("HCR_EL2", XEN_GUEST_HCR);
    cpu.el = 1;
    cpus.push(cpu);
  }
  return { xen, cpus };
}

Deno.test("dom0's RAM is reachable through Xen's stage-2 tables: the kernel and the DTB Xen copied", () => {
  const { xen, cpus } = machine();
  const cpu = cpus[0];
  // MMU off: VA = IPA. The Image header Xen copied to bank 0 + text_offset.
  equal(cpu.read32(0x60000038), 0x644d5241);
  // The DTB at x0 (0x68000000), big-endian magic.
  equal(xen.dom0.vcpus[0].x[0], 0x68000000);
  equal(cpu.read32(0x68000000), 0xedfe0dd0);
  const be = new DataView(new ArrayBuffer(4));
  be.setUint32(0, xen.build.dtb.length); // totalsize, big-endian in the blob
  equal(cpu.read32(0x68000004), be.getUint32(0, true));
  equal(checkIsolation(xen.core).filter((v) => !v.known).length, 0);
});

Deno.test("dom0's GICD accesses fault at stage 2 and are emulated by the vGIC, with Xen's messages", () => {
  const { xen, cpus } = machine();
  equal(cpus[0].read32(0x8000008), 0x34c); // GICD_IIDR
  cpus[0].write32(0x8000384, 0xffffffff);
  ok(
    xen.console.events.some((e) =>
      e.kind === "vgic-unhandled" &&
      e.text === "d0v0: vGICD: unhandled word write 0x000000ffffffff to ICACTIVER4"
    ),
  );
  cpus[1].write32(0x80c0000 + 0x10380, 0xffffffff);
  ok(
    xen.console.events.some((e) =>
      e.text === "d0v1: vGICR: SGI: unhandled word write 0x000000ffffffff to ICACTIVER0"
    ),
  );
});

Deno.test("an access to an unmapped IPA is injected into dom0 as ESR 0x96000000", () => {
  const { cpus } = machine();
  throws(
    () => cpus[0].read32(0x9500000),
    (e: unknown) => e instanceof GuestException && e.syndrome.esr === 0x96000000,
  );
});
