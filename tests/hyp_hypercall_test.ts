// Hypercall tests: every error path of the modelled XENMEM/domctl/console_io/vPSCI calls returns
// Xen 4.17's error code and changes nothing; random hypercall sequences keep the isolation
// invariants after every call.
import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import { GuestException } from "../arch/arm64/port.ts";
import { createDomU, parseDomUConfig } from "../hyp/domu.ts";
import { checkIsolation } from "../hyp/isolation.ts";
import type { SparseMemory } from "../hyp/machine.ts";
import {
  DEV_MMIO_ATTR_PROPOSED,
  DOMCTL,
  HYPERVISOR,
  PSCI,
  XATPB,
  XEN_DOMCTL,
  XEN_DOMCTL_INTERFACE_VERSION,
  XEN_ERRNO as E,
  XEN_HYPERCALL_TAG,
  XENMAPSPACE,
  XENMEM,
} from "../hyp/xen_public.ts";
import type { XenInstance } from "../hyp/xen.ts";
import { bootDir, GOLDEN, RegsCpu } from "./hyp_helpers.ts";

const DIR = `${GOLDEN}/virt-gicv3`;
/** A scratch area in dom0's RAM (bank 0 is 0x60000000-0x80000000 on this board). */
const SCRATCH = 0x7f000000;

function setup(
  o: Parameters<typeof bootDir>[1] = {},
): { xen: XenInstance; mem: SparseMemory; cpu: RegsCpu } {
  const { xen, mem } = bootDir(DIR, o);
  return { xen, mem, cpu: new RegsCpu(0) };
}

function call(xen: XenInstance, cpu: RegsCpu, nr: number, ...args: (number | bigint)[]): number {
  cpu.regs[16] = BigInt(nr);
  args.forEach((a, i) => (cpu.regs[i] = BigInt.asUintN(64, BigInt(a))));
  xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: XEN_HYPERCALL_TAG });
  return Number(BigInt.asIntN(64, cpu.regs[0]));
}

function smc(xen: XenInstance, cpu: RegsCpu, ...args: (number | bigint)[]): number {
  args.forEach((a, i) => (cpu.regs[i] = BigInt.asUintN(64, BigInt(a))));
  xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: 0 });
  return Number(BigInt.asIntN(64, cpu.regs[0]));
}

/** Write an add_to_physmap_batch at SCRATCH with one entry (idx, gpfn). */
function batch(
  mem: SparseMemory,
  o: { domid?: number; space?: number; size?: number; res0?: number; idx: number; gpfn: number },
): number {
  const b = new Uint8Array(XATPB.SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint16(XATPB.domid, o.domid ?? 0x7ff0, true);
  dv.setUint16(XATPB.space, o.space ?? XENMAPSPACE.dev_mmio, true);
  dv.setUint16(XATPB.size, o.size ?? 1, true);
  dv.setUint16(XATPB.res0, o.res0 ?? 0, true);
  dv.setBigUint64(XATPB.idxs, BigInt(SCRATCH + 0x100), true);
  dv.setBigUint64(XATPB.gpfns, BigInt(SCRATCH + 0x200), true);
  dv.setBigUint64(XATPB.errs, BigInt(SCRATCH + 0x300), true);
  mem.write(SCRATCH, b);
  const v = new Uint8Array(8);
  new DataView(v.buffer).setBigUint64(0, BigInt(o.idx), true);
  mem.write(SCRATCH + 0x100, v);
  new DataView(v.buffer).setBigUint64(0, BigInt(o.gpfn), true);
  mem.write(SCRATCH + 0x200, v);
  mem.fill(SCRATCH + 0x300, 4, 0xff);
  return SCRATCH;
}

function errAt(mem: SparseMemory): number {
  return new DataView(mem.read(SCRATCH + 0x300, 4).buffer).getInt32(0, true);
}

/** Write a xen_domctl at SCRATCH + 0x400. */
function domctl(
  mem: SparseMemory,
  cmd: number,
  domain: number,
  u: (dv: DataView) => void,
  version = XEN_DOMCTL_INTERFACE_VERSION,
): number {
  const b = new Uint8Array(DOMCTL.SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(DOMCTL.cmd, cmd, true);
  dv.setUint32(DOMCTL.interface_version, version, true);
  dv.setUint16(DOMCTL.domain, domain, true);
  u(new DataView(b.buffer, DOMCTL.U));
  mem.write(SCRATCH + 0x400, b);
  return SCRATCH + 0x400;
}

function snapshot(xen: XenInstance): string {
  const parts: string[] = [];
  for (const d of xen.core.domains.values()) {
    parts.push(
      JSON.stringify(d.p2m.leaves().map((l) => [l.ipa, l.pa, l.size, l.entry.lo, l.entry.hi])),
    );
    parts.push(JSON.stringify(d.iomemCaps.ranges()), JSON.stringify(d.irqCaps.ranges()));
  }
  return parts.join("|");
}

function unchangedOnError(
  name: string,
  fn: (x: { xen: XenInstance; mem: SparseMemory; cpu: RegsCpu }) => number,
  want: number,
): void {
  Deno.test(name, () => {
    const s = setup();
    const before = snapshot(s.xen);
    equal(fn(s), want);
    equal(snapshot(s.xen), before);
  });
}

unchangedOnError(
  "XENMEM_add_to_physmap_batch(dev_mmio) refuses a non-zero res0 with -EOPNOTSUPP and changes nothing",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { res0: 1, idx: 0x9010, gpfn: 0x9010 }),
    ),
  -E.EOPNOTSUPP,
);
unchangedOnError(
  "XENMEM_add_to_physmap_batch names a missing domain: -ESRCH",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { domid: 7, idx: 0x9010, gpfn: 0x9010 }),
    ),
  -E.ESRCH,
);
unchangedOnError(
  "XENMEM_add_to_physmap_batch with a struct at an unmapped address: -EFAULT",
  ({ xen, cpu }) => call(xen, cpu, HYPERVISOR.memory_op, XENMEM.add_to_physmap_batch, 0x1000),
  -E.EFAULT,
);
unchangedOnError(
  "XENMEM_add_to_physmap_batch rejects XENMAPSPACE_gmfn_range with -EOPNOTSUPP",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { space: XENMAPSPACE.gmfn_range, idx: 1, gpfn: 1 }),
    ),
  -E.EOPNOTSUPP,
);
unchangedOnError(
  "XENMEM_add_to_physmap_batch with a start extent beyond the size: -EILSEQ",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      BigInt(XENMEM.add_to_physmap_batch) | (5n << 6n),
      batch(mem, { idx: 0x9010, gpfn: 0x9010 }),
    ),
  -E.EILSEQ,
);
unchangedOnError(
  "XENMEM_add_to_physmap_batch with a start extent that does not fit 16 bits: -EDOM",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      BigInt(XENMEM.add_to_physmap_batch) | (0x10000n << 6n),
      batch(mem, { idx: 0x9010, gpfn: 0x9010 }),
    ),
  -E.EDOM,
);
unchangedOnError(
  "XENMEM_add_to_physmap_batch with gpfn = INVALID_GFN: -EINVAL",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { idx: 0x9010, gpfn: -1 }),
    ),
  -E.EINVAL,
);
unchangedOnError(
  "an unknown hypercall number returns -ENOSYS",
  ({ xen, cpu }) => call(xen, cpu, 99),
  -E.ENOSYS,
);
unchangedOnError(
  "an unknown memory_op returns -ENOSYS",
  ({ xen, cpu }) => call(xen, cpu, HYPERVISOR.memory_op, 63, SCRATCH),
  -E.ENOSYS,
);

Deno.test("XENMAPSPACE_dev_mmio silently maps nothing without iomem permission (a GICR page stays unmapped)", () => {
  const { xen, mem, cpu } = setup();
  const before = snapshot(xen);
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { idx: 0x80a0, gpfn: 0x80a0 }),
    ),
    0,
  );
  equal(errAt(mem), 0);
  equal(snapshot(xen), before);
  equal(xen.dom0.p2m.lookup(0x80a0).type, "p2m_invalid");
  deepStrictEqual(checkIsolation(xen.core), []);
});

Deno.test("map_range_to_domain's off-by-one gives dom0 the GICD page after flash@0 (Xen 4.17, fixed by 9568ceb287)", () => {
  // flash@0's second bank ends at 0x8000000; PAGE_ALIGN(addr + len - 1) makes the inclusive
  // range end at pfn 0x8000, the distributor's first page.
  const { xen, mem, cpu } = setup();
  ok(xen.dom0.iomemCaps.contains(0x8000));
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { idx: 0x8000, gpfn: 0x8000 }),
    ),
    0,
  );
  equal(xen.dom0.p2m.lookup(0x8000).type, "p2m_mmio_direct_c");
  const v = checkIsolation(xen.core);
  equal(v.length, 1);
  equal(v[0].invariant, 2);
  ok(/GICD/.test(v[0].message) && /9568ceb287/.test(v[0].known ?? ""));
});

Deno.test("with the off-by-one fix (Xen ≥ 4.21 behaviour) dom0 has no permission for the GICD page", () => {
  const { xen } = setup({ fixIomemOffByOne: true });
  ok(!xen.dom0.iomemCaps.contains(0x8000));
  ok(xen.dom0.iomemCaps.contains(0x7fff));
});

Deno.test("XENMAPSPACE_dev_mmio maps a permitted page p2m_mmio_direct_c at any GFN (xen-4.17)", () => {
  const { xen, mem, cpu } = setup();
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { idx: 0x9010, gpfn: 0x12345 }),
    ),
    0,
  );
  equal(errAt(mem), 0);
  const l = xen.dom0.p2m.lookup(0x12345);
  equal(l.type, "p2m_mmio_direct_c");
  equal(l.mfn, 0x9010);
  equal(l.entry!.memAttr, 0xf);
  equal(l.entry!.xn, true);
});

Deno.test("XENMAPSPACE_dev_mmio follows the policy: Device-nGnRE under xen-4.7", () => {
  const { xen, mem, cpu } = setup({ policy: "xen-4.7" });
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { idx: 0x9010, gpfn: 0x12345 }),
    ),
    0,
  );
  equal(xen.dom0.p2m.lookup(0x12345).entry!.memAttr, 0x1);
});

Deno.test("the proposed res0 attribute extension maps Normal-NC when enabled and is marked proposed", () => {
  const { xen, mem, cpu } = setup();
  xen.el2Handler(0).opts.res0AttrExtension = true;
  const a = batch(mem, { res0: DEV_MMIO_ATTR_PROPOSED.NORMAL_NC, idx: 0x9010, gpfn: 0x12345 });
  equal(call(xen, cpu, HYPERVISOR.memory_op, XENMEM.add_to_physmap_batch, a), 0);
  const l = xen.dom0.p2m.lookup(0x12345);
  equal(l.type, "p2m_mmio_direct_nc");
  const rec = xen.dom0.mappings.at(-1)!;
  ok(rec.proposed && /proposed, not in Xen/.test(rec.rule));
});

unchangedOnError(
  "XEN_DOMCTL with a wrong interface version: -EACCES",
  ({ xen, mem, cpu }) =>
    call(xen, cpu, HYPERVISOR.domctl, domctl(mem, XEN_DOMCTL.iomem_permission, 0, () => {}, 0x14)),
  -E.EACCES,
);
unchangedOnError(
  "XEN_DOMCTL naming a missing domain: -ESRCH",
  ({ xen, mem, cpu }) =>
    call(xen, cpu, HYPERVISOR.domctl, domctl(mem, XEN_DOMCTL.memory_mapping, 9, () => {})),
  -E.ESRCH,
);
unchangedOnError(
  "XEN_DOMCTL_memory_mapping of more than 64 pages: -E2BIG",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.memory_mapping, 0, (u) => {
        u.setBigUint64(0, 0x9010n, true);
        u.setBigUint64(8, 0x9010n, true);
        u.setBigUint64(16, 65n, true);
        u.setUint32(24, 1, true);
      }),
    ),
  -E.E2BIG,
);
unchangedOnError(
  "XEN_DOMCTL_memory_mapping of zero pages wraps: -EINVAL",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.memory_mapping, 0, (u) => u.setUint32(24, 1, true)),
    ),
  -E.EINVAL,
);
unchangedOnError(
  "XEN_DOMCTL_memory_mapping beyond the 48-bit PA space: -EINVAL",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.memory_mapping, 0, (u) => {
        u.setBigUint64(8, 1n << 40n, true);
        u.setBigUint64(16, 1n, true);
      }),
    ),
  -E.EINVAL,
);
unchangedOnError(
  "XEN_DOMCTL_memory_mapping of a GICR page (no iomem permission): -EPERM",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.memory_mapping, 0, (u) => {
        u.setBigUint64(0, 0x80a0n, true);
        u.setBigUint64(8, 0x80a0n, true);
        u.setBigUint64(16, 1n, true);
        u.setUint32(24, 1, true);
      }),
    ),
  -E.EPERM,
);
unchangedOnError(
  "XEN_DOMCTL_memory_mapping removal over dom0 RAM with an MMIO frame: -EILSEQ",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.memory_mapping, 0, (u) => {
        u.setBigUint64(0, 0x60000n, true);
        u.setBigUint64(8, 0x9010n, true);
        u.setBigUint64(16, 1n, true);
        u.setUint32(24, 0, true);
      }),
    ),
  -E.EILSEQ,
);
unchangedOnError(
  "XEN_DOMCTL_iomem_permission of zero frames wraps: -EINVAL",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.iomem_permission, 0, (u) => u.setBigUint64(0, 0x9010n, true)),
    ),
  -E.EINVAL,
);
unchangedOnError(
  "XEN_DOMCTL_iomem_permission of zero frames at MFN 0 does not wrap (unsigned) and fails the permission check: -EPERM",
  ({ xen, mem, cpu }) =>
    call(xen, cpu, HYPERVISOR.domctl, domctl(mem, XEN_DOMCTL.iomem_permission, 0, () => {})),
  -E.EPERM,
);
unchangedOnError(
  "XEN_DOMCTL_iomem_permission for frames the caller may not access: -EPERM",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.iomem_permission, 0, (u) => {
        u.setBigUint64(0, 0x80a0n, true);
        u.setBigUint64(8, 1n, true);
        u.setUint8(16, 1);
      }),
    ),
  -E.EPERM,
);
unchangedOnError(
  "XEN_DOMCTL_irq_permission beyond nr_pirqs: -EINVAL",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.irq_permission, 0, (u) => u.setUint32(0, 5000, true)),
    ),
  -E.EINVAL,
);
unchangedOnError(
  "XEN_DOMCTL_irq_permission for IRQ 0: -EPERM",
  ({ xen, mem, cpu }) =>
    call(xen, cpu, HYPERVISOR.domctl, domctl(mem, XEN_DOMCTL.irq_permission, 0, () => {})),
  -E.EPERM,
);
unchangedOnError(
  "XEN_DOMCTL_irq_permission for an IRQ dom0 does not hold (the UART's 33): -EPERM",
  ({ xen, mem, cpu }) =>
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.irq_permission, 0, (u) => {
        u.setUint32(0, 33, true);
        u.setUint8(4, 1);
      }),
    ),
  -E.EPERM,
);

Deno.test("XEN_DOMCTL_memory_mapping maps a permitted range Device-nGnRE for a domU (passthrough)", () => {
  const { xen, mem, cpu } = setup();
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 64\n'));
  const id = u.domain.domid;
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.iomem_permission, id, (v) => {
        v.setBigUint64(0, 0x9030n, true);
        v.setBigUint64(8, 1n, true);
        v.setUint8(16, 1);
      }),
    ),
    0,
  );
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.domctl,
      domctl(mem, XEN_DOMCTL.memory_mapping, id, (v) => {
        v.setBigUint64(0, 0x9030n, true);
        v.setBigUint64(8, 0x9030n, true);
        v.setBigUint64(16, 1n, true);
        v.setUint32(24, 1, true);
      }),
    ),
    0,
  );
  const l = u.domain.p2m.lookup(0x9030);
  equal(l.type, "p2m_mmio_direct_dev");
  equal(l.entry!.memAttr, 0x1);
  deepStrictEqual(checkIsolation(xen.core), []);
});

Deno.test("XENMAPSPACE_dev_mmio for another domain is refused with -EACCES", () => {
  const { xen, mem, cpu } = setup();
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 64\n'));
  const before = snapshot(xen);
  equal(
    call(
      xen,
      cpu,
      HYPERVISOR.memory_op,
      XENMEM.add_to_physmap_batch,
      batch(mem, { domid: u.domain.domid, idx: 0x9010, gpfn: 0x9010 }),
    ),
    -E.EACCES,
  );
  equal(snapshot(xen), before);
});

Deno.test("console_io(CONSOLEIO_write) from dom0 reaches the console", () => {
  const { xen, mem, cpu } = setup();
  mem.write(SCRATCH, new TextEncoder().encode("hello from dom0\n"));
  equal(call(xen, cpu, HYPERVISOR.console_io, 0, 16, SCRATCH), 0);
  equal(xen.console.events.at(-1)?.text, "hello from dom0\n");
});

Deno.test("an HVC with an immediate other than 0 or 0xEA1 raises an undefined instruction", () => {
  const { xen, cpu } = setup();
  throws(() => xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: 0x1234 }), GuestException);
  ok(xen.console.lines().some((l) => l.includes("Invalid HVC imm 0x1234")));
});

Deno.test("vPSCI answers PSCI_VERSION 1.1, brings vCPU1 up once and logs unknown calls as Xen 4.17", () => {
  const { xen, cpu } = setup({ extraXenArgs: "guest_loglvl=all" });
  equal(smc(xen, cpu, PSCI.VERSION), 0x10001);
  const ups: number[] = [];
  xen.el2Handler(0).onCpuOn = (v) => ups.push(v);
  equal(smc(xen, cpu, PSCI.CPU_ON64, 1, 0x60080000, 0x1234), 0);
  equal(smc(xen, cpu, PSCI.CPU_ON64, 1, 0x60080000, 0), -4); // PSCI_ALREADY_ON
  equal(smc(xen, cpu, PSCI.CPU_ON64, 9, 0x60080000, 0), -2); // PSCI_INVALID_PARAMETERS
  deepStrictEqual(ups, [1]);
  equal(xen.dom0.vcpus[1].pc, 0x60080000);
  equal(xen.dom0.vcpus[1].x[0], 0x1234);
  equal(smc(xen, cpu, 0x84000050), -1);
  ok(xen.console.lines().includes("(XEN) d0v0 Unhandled SMC/HVC: 0x84000050"));
});

Deno.test("random hypercall sequences keep the isolation invariants after every call", () => {
  const { xen, mem, cpu } = setup();
  const u = createDomU(xen, parseDomUConfig('name = "g"\nmemory = 32\n'));
  let known = 0;
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const frames = [
    0x8000,
    0x80a0,
    0x9000,
    0x9010,
    0x9030,
    0xa000,
    0x10000,
    0x40200,
    0x60000,
    0x70000,
    0xbff00,
    0x12345,
  ];
  for (let i = 0; i < 200; i++) {
    const f = frames[rnd(frames.length)];
    const g = frames[rnd(frames.length)];
    const dom = rnd(2) ? 0 : u.domain.domid;
    switch (rnd(5)) {
      case 0:
        call(
          xen,
          cpu,
          HYPERVISOR.memory_op,
          XENMEM.add_to_physmap_batch,
          batch(mem, { domid: dom, idx: f, gpfn: g, res0: rnd(3) === 0 ? 1 : 0 }),
        );
        break;
      case 1:
        call(
          xen,
          cpu,
          HYPERVISOR.domctl,
          domctl(mem, XEN_DOMCTL.iomem_permission, dom, (v) => {
            v.setBigUint64(0, BigInt(f), true);
            v.setBigUint64(8, BigInt(1 + rnd(4)), true);
            v.setUint8(16, rnd(2));
          }),
        );
        break;
      case 2:
        call(
          xen,
          cpu,
          HYPERVISOR.domctl,
          domctl(mem, XEN_DOMCTL.memory_mapping, dom, (v) => {
            v.setBigUint64(0, BigInt(g), true);
            v.setBigUint64(8, BigInt(f), true);
            v.setBigUint64(16, BigInt(1 + rnd(80)), true);
            v.setUint32(24, rnd(3) ? 1 : 0, true);
          }),
        );
        break;
      case 3:
        call(
          xen,
          cpu,
          HYPERVISOR.domctl,
          domctl(mem, XEN_DOMCTL.irq_permission, dom, (v) => {
            v.setUint32(0, rnd(300), true);
            v.setUint8(4, rnd(2));
          }),
        );
        break;
      default:
        call(
          xen,
          cpu,
          HYPERVISOR.memory_op,
          XENMEM.add_to_physmap_batch,
          batch(mem, {
            domid: dom,
            space:
              [XENMAPSPACE.shared_info, XENMAPSPACE.grant_table, XENMAPSPACE.gmfn_foreign][rnd(3)],
            res0: 0,
            idx: rnd(2) ? 0 : f,
            gpfn: g,
          }),
        );
    }
    const all = checkIsolation(xen.core);
    known += all.length;
    const v = all.filter((e) => !e.known);
    deepStrictEqual(v, [], `after call ${i}: ${JSON.stringify(v.slice(0, 3))}`);
  }
  void known; // known Xen 4.17 behaviour (the GICD page), covered by its own test above
});
