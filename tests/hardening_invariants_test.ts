// The isolation checker on whole boots (sim/invariants.ts): sound boots report nothing after
// dom0 is built, after each of dom0's hypercalls and at the end; and every invariant it claims
// to check does fire when a test breaks it on purpose (so the silence above means something).
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { bootChecked, describe, isolationNow, watchIsolation } from "../sim/invariants.ts";
import { createDomU, parseDomUConfig } from "../hyp/domu.ts";
import {
  DOMCTL,
  HYPERVISOR,
  XEN_DOMCTL,
  XEN_DOMCTL_INTERFACE_VERSION,
  XEN_HYPERCALL_TAG,
  XENVER,
} from "../hyp/xen_public.ts";
import { Node, Property, stringsBytes, u32Bytes } from "../dt/tree.ts";
import type { XenInstance } from "../hyp/xen.ts";
import { bootDir, RegsCpu } from "./hyp_helpers.ts";

const read = (p: string) => {
  try {
    return Deno.readFileSync(p);
  } catch {
    return undefined;
  }
};
const BOARD_OPTS = { includeDirs: ["include"], readFile: read };

function board(name: string): Uint8Array {
  return Deno.readFileSync(new URL(`../boards/${name}`, import.meta.url));
}

const RULE = "hardening test";

for (
  const [name, workload] of [
    ["qemu-virt.dts", "boot"],
    ["qemu-virt-sram.dts", "sram-export-write"],
    ["a64-sram.dts", "boot"],
    ["zynqmp-ocm.dts", "boot"],
  ] as const
) {
  Deno.test(`bootChecked() on boards/${name} (${workload}) finds no violation at build time, after any hypercall or at the end`, () => {
    const c = bootChecked(`boards/${name}`, board(name), { ...BOARD_OPTS, workload });
    deepStrictEqual(c.violations.map(describe), []);
    // dom0 made hypercalls (xen_version, console_io, ...): one check each, plus build and end.
    ok(c.checks > 2, `checks: ${c.checks}`);
  });
}

function golden(): XenInstance {
  return bootDir(new URL("./fixtures/golden/virt-gicv3", import.meta.url).pathname).xen;
}

Deno.test("isolationNow() reports invariant 2 when dom0 maps the GIC distributor", () => {
  const xen = golden();
  const g = xen.core.host.gic;
  equal(
    xen.dom0.mapRegion(g.dbase / 4096 + 1, 1, g.dbase / 4096 + 1, {
      type: "p2m_mmio_direct_dev",
      rule: RULE,
    }, "test"),
    0,
  );
  const v = isolationNow(xen, "now").violations;
  ok(v.some((x) => x.invariant === 2 && /GICD/.test(x.message)), JSON.stringify(v));
});

Deno.test("isolationNow() reports invariant 1 when dom0 maps Xen's image", () => {
  const xen = golden();
  const im = xen.core.bi.modules.find((m) => m.kind === "xen")!;
  const pfn = Math.floor(im.start / 4096);
  equal(xen.dom0.mapRegion(0x1000, 1, pfn, { type: "p2m_ram_rw", rule: RULE }, "test"), 0);
  const v = isolationNow(xen, "now").violations;
  ok(v.some((x) => x.invariant === 1 && /Xen's image/.test(x.message)), JSON.stringify(v));
});

Deno.test("isolationNow() reports invariant 3 for MMIO mapped without iomem permission", () => {
  const xen = golden();
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 16\n'));
  // The PL061 GPIO page: dom0 may use it, the domU was given no iomem.
  equal(
    u.domain.mapRegion(0x9030, 1, 0x9030, { type: "p2m_mmio_direct_dev", rule: RULE }, "test"),
    0,
  );
  const v = isolationNow(xen, "now").violations;
  ok(v.some((x) => x.invariant === 3 && x.domid === u.domain.domid), JSON.stringify(v));
});

Deno.test("isolationNow() reports invariant 4 when a domU's RAM page is mapped as RAM by dom0", () => {
  const xen = golden();
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 16\n'));
  const page = u.domain.ownedPages.ranges()[0].s;
  equal(xen.dom0.mapRegion(0x1000, 1, page, { type: "p2m_ram_rw", rule: RULE }, "test"), 0);
  const v = isolationNow(xen, "now").violations;
  ok(v.some((x) => x.invariant === 4), JSON.stringify(v));
});

Deno.test("isolationNow() reports invariant 5 for executable MMIO the policy did not propose", () => {
  const xen = golden();
  equal(
    xen.dom0.mapRegion(
      0x9030,
      1,
      0x9030,
      { type: "p2m_mmio_direct_c", access: "rwx", rule: RULE },
      "test",
    ),
    0,
  );
  // p2m_mmio types are XN in Xen 4.17 whatever the access; force the XN bit off like a bug would.
  const leaves = xen.dom0.p2m.leaves().filter((l) =>
    l.ipa <= 0x9030000 && l.ipa + l.size > 0x9030000
  );
  ok(leaves.length === 1);
  const v0 = isolationNow(xen, "now").violations.filter((x) => x.invariant === 5);
  deepStrictEqual(v0, [], "Xen's own mapping is XN");
  ok(leaves[0].entry.xn);
  equal(
    xen.dom0.p2m.setEntry(0x9030, 1, 0x9030, "p2m_mmio_direct_c", "rwx", { xn: false }),
    0,
  );
  const v = isolationNow(xen, "now").violations;
  ok(v.some((x) => x.invariant === 5), JSON.stringify(v));
});

Deno.test("watchIsolation() checks after each hypercall and names the call after which a violation appeared", () => {
  const xen = golden();
  const w = watchIsolation(xen);
  equal(w.violations.length, 0);
  const cpu = new RegsCpu(0);
  const call = () => {
    cpu.regs[16] = BigInt(HYPERVISOR.xen_version);
    cpu.regs[0] = BigInt(XENVER.version);
    xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: XEN_HYPERCALL_TAG });
  };
  call();
  equal(w.checks, 2);
  equal(w.violations.length, 0);
  const g = xen.core.host.gic;
  xen.dom0.mapRegion(
    g.dbase / 4096 + 1,
    1,
    g.dbase / 4096 + 1,
    { type: "p2m_mmio_direct_dev", rule: RULE },
    "test",
  );
  call();
  equal(w.checks, 3);
  ok(w.violations.length > 0);
  equal(w.violations[0].when, "after hypercall 2 (xen_version)");
  w.stop();
  call();
  equal(w.checks, 3, "stopped");
});

Deno.test("bootChecked() counts a host-DT device whose reg covers RAM as Xen 4.17's own behaviour (known), not a model breach", () => {
  const c = bootChecked("boards/qemu-virt.dts", board("qemu-virt.dts"), {
    ...BOARD_OPTS,
    editTree: (t) => {
      // A framebuffer node over the first 64 MiB of RAM, where Xen's image sits.
      const n = t.root.addChild(new Node("framebuffer@40000000"));
      n.setProp(new Property("compatible", stringsBytes(["simple-framebuffer"])));
      n.setProp(new Property("reg", u32Bytes([0, 0x40000000, 0, 0x4000000])));
    },
  });
  deepStrictEqual(c.violations.map(describe), []);
  ok(c.known > 0, "the Xen image mapping is reported as known");
});

Deno.test("checkIsolation() marks a mapping that outlives its revoked iomem permission as Xen 4.17's behaviour (iomem_deny_access does not unmap)", () => {
  const xen = golden();
  const SCRATCH = 0x7f000000;
  const b = new Uint8Array(DOMCTL.SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(DOMCTL.cmd, XEN_DOMCTL.iomem_permission, true);
  dv.setUint32(DOMCTL.interface_version, XEN_DOMCTL_INTERFACE_VERSION, true);
  dv.setUint16(DOMCTL.domain, 0, true);
  dv.setBigUint64(DOMCTL.U, 0x9030n, true); // the PL061 page dom0 maps
  dv.setBigUint64(DOMCTL.U + 8, 1n, true);
  b[DOMCTL.U + 16] = 0; // deny
  const mem = xen.core.mem;
  mem.write(SCRATCH, b);
  const cpu = new RegsCpu(0);
  cpu.regs[16] = BigInt(HYPERVISOR.domctl);
  cpu.regs[0] = BigInt(SCRATCH);
  xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: XEN_HYPERCALL_TAG });
  equal(Number(BigInt.asIntN(64, cpu.regs[0])), 0);
  ok(!xen.dom0.iomemCaps.contains(0x9030), "permission gone");
  const r = isolationNow(xen, "now");
  deepStrictEqual(r.violations.map(describe), []);
  ok(r.known > 0, "the surviving mapping is reported as known");
});
