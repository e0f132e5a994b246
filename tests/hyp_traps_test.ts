// Trap tests: stage-2 aborts handled as Xen 4.17 handles them (MMIO emulation of the vGIC and
// vUART, injection with ISS 0, replay of permission faults, "Unsupported FSC" for alignment),
// and the runtime console lines of the golden run reproduced from dom0 Linux's accesses.
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { Stage2Abort } from "../arch/arm64/port.ts";
import { PSCI } from "../hyp/xen_public.ts";
import type { XenInstance } from "../hyp/xen.ts";
import { bootDir, GOLDEN, RegsCpu } from "./hyp_helpers.ts";

function abort(o: Partial<Stage2Abort> & { ipa: number }): Stage2Abort {
  const write = o.write ?? false;
  const fsc = o.fsc ?? 0x07; // translation fault, level 3
  const isv = o.isv ?? true;
  const size = o.size ?? 4;
  const sas = size === 8 ? 3 : size === 4 ? 2 : size === 2 ? 1 : 0;
  const iss = (isv ? 1 << 24 : 0) | (sas << 22) | (write ? 1 << 6 : 0) | fsc;
  const ec = o.kind === "instruction" ? 0x20 : 0x24;
  return {
    kind: "data",
    size,
    write,
    isv,
    srt: 0,
    s1ptw: false,
    cm: false,
    fromEl: 1,
    insn: write ? "str" : "ldr",
    esr: ((ec << 26) | (1 << 25) | iss) >>> 0,
    ec,
    iss,
    fsc,
    far: -0x7fff00000000 + (o.ipa % 0x100000),
    ...o,
  };
}

function w32(xen: XenInstance, vcpu: number, ipa: number, v: number) {
  const d = new Uint8Array(4);
  new DataView(d.buffer).setUint32(0, v >>> 0, true);
  return xen.el2Handler(0).stage2Abort(
    new RegsCpu(vcpu),
    abort({ ipa, write: true, storeData: d }),
  );
}

function r32(xen: XenInstance, vcpu: number, ipa: number): number {
  const r = xen.el2Handler(0).stage2Abort(new RegsCpu(vcpu), abort({ ipa }));
  if (r.action !== "complete" || !r.data) throw new Error(`not emulated: ${JSON.stringify(r)}`);
  return new DataView(r.data.buffer).getUint32(0, true);
}

Deno.test("the vGIC reproduces real Xen 4.17's runtime console lines for dom0 Linux 6.1's GICv3 init", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const start = xen.console.lines({ additions: false }).length;
  const cpu = new RegsCpu(0);
  // Linux's SMCCC probes (TRNG, KVM vendor hypervisor UID) made through HVC #0.
  for (const fid of [0x84000050, 0x8600ff01]) {
    cpu.regs[0] = BigInt(fid);
    xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: 0 });
  }
  // gic_dist_init: GICD_TYPER, GICD_TYPER2 (reserved in GICv3.0), then deactivate all SPIs.
  const typer = r32(xen, 0, 0x8000004);
  equal(typer & 0x1f, 7); // DIV_ROUND_UP(224 SPIs, 32): Linux sees 256 lines
  r32(xen, 0, 0x800000c);
  const lines = ((typer & 0x1f) + 1) * 32;
  for (let i = 32; i < lines; i += 32) w32(xen, 0, 0x8000380 + i / 8, 0xffffffff);
  // gic_cpu_init on each CPU: the SGI frame's ICACTIVER0.
  w32(xen, 0, 0x80a0000 + 0x10000 + 0x380, 0xffffffff);
  w32(xen, 1, 0x80c0000 + 0x10000 + 0x380, 0xffffffff);
  // poweroff -f → PSCI SYSTEM_OFF.
  cpu.regs[0] = BigInt(PSCI.SYSTEM_OFF);
  xen.el2Handler(0).hypercall(cpu, { kind: "hvc", imm: 0 });
  const golden = Deno.readTextFileSync(`${GOLDEN}/virt-gicv3/xen.log`).split("\n");
  const want = golden.slice(golden.findIndex((l) => l.includes("Freed 348kB")) + 1).filter((l) =>
    l
  );
  deepStrictEqual(xen.console.lines({ additions: false }).slice(start), want);
});

Deno.test("vGICD registers read as Xen emulates them (TYPER, IIDR, PIDR2, IROUTER)", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  equal(r32(xen, 0, 0x8000004), (1 << 5) | 7 | (15 << 19));
  equal(r32(xen, 0, 0x8000008), 0x34c);
  equal(r32(xen, 0, 0x800ffe8), 0x30);
  w32(xen, 0, 0x8006100 + 8 * 3, 0x1); // IROUTER35 → vCPU1
  equal(r32(xen, 0, 0x8006100 + 8 * 3), 0x1);
  // GICR_TYPER: vCPU1's redistributor is the last one (2 vCPUs).
  const r = xen.el2Handler(0).stage2Abort(new RegsCpu(1), abort({ ipa: 0x80c0008, size: 8 }));
  ok(r.action === "complete" && r.data);
  const typer = new DataView(r.data!.buffer).getBigUint64(0, true);
  equal(typer, (1n << 32n) | (1n << 8n) | (1n << 4n));
});

Deno.test("a data abort on an unmapped IPA with no handler is injected with ESR 0x96000000 and the VA in FAR", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const a = abort({ ipa: 0x9500000 });
  const r = xen.el2Handler(0).stage2Abort(new RegsCpu(0), a);
  deepStrictEqual(r, { action: "inject", esr: 0x96000000, far: a.far });
  const u = xen.el2Handler(0).stage2Abort(new RegsCpu(0), abort({ ipa: 0x9500000, fromEl: 0 }));
  equal(u.action === "inject" && u.esr, 0x92000000);
});

Deno.test("an instruction abort on an unmapped IPA is injected with ESR 0x86000000", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const r = xen.el2Handler(0).stage2Abort(
    new RegsCpu(0),
    abort({ ipa: 0x9500000, kind: "instruction", fsc: 0x07 }),
  );
  equal(r.action === "inject" && r.esr, 0x86000000);
});

Deno.test("a stage-2 permission fault is replayed without injecting anything", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const r = xen.el2Handler(0).stage2Abort(
    new RegsCpu(0),
    abort({ ipa: 0x9010000, fsc: 0x0f, write: true }),
  );
  deepStrictEqual(r, { action: "retry" });
});

Deno.test("a stage-2 alignment fault logs Unsupported FSC with the HSR and DFSC 0x21, then injects", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const a = abort({ ipa: 0xbff00001, fsc: 0x21, isv: true, size: 4 });
  const r = xen.el2Handler(0).stage2Abort(new RegsCpu(0), a);
  equal(r.action === "inject" && r.esr, 0x96000000);
  const hsr = "0x" + a.esr.toString(16).padStart(14, "0");
  ok(xen.console.lines().includes(`(XEN) d0v0 Unsupported FSC: HSR=${hsr} DFSC=0x21`));
});

Deno.test("a vGIC access without an instruction syndrome (LDP) cannot be decoded: logged and injected", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const r = xen.el2Handler(0).stage2Abort(
    new RegsCpu(0),
    abort({ ipa: 0x8000000, isv: false, insn: "ldp", size: 8 }),
  );
  equal(r.action, "inject");
  ok(xen.console.lines().includes("(XEN) d0v0 Unable to decode instruction"));
});

Deno.test("cache maintenance on an emulated region is ignored; a stage-1 walk fault there is injected", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  deepStrictEqual(
    xen.el2Handler(0).stage2Abort(
      new RegsCpu(0),
      abort({ ipa: 0x8000000, isv: false, cm: true, insn: "dc civac" }),
    ),
    { action: "complete" },
  );
  equal(
    xen.el2Handler(0).stage2Abort(
      new RegsCpu(0),
      abort({ ipa: 0x8000000, isv: false, s1ptw: true }),
    ).action,
    "inject",
  );
});

Deno.test("a wrong-width vGICD access aborts into the guest and logs the bad width", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  const r = xen.el2Handler(0).stage2Abort(new RegsCpu(0), abort({ ipa: 0x8000004, size: 1 }));
  equal(r.action, "inject");
  ok(xen.console.lines().includes("(XEN) d0v0: vGICD: bad read width 0 r0 offset 0x000004"));
});

Deno.test("the vUART collects dom0's early-console characters into DOM0: lines", () => {
  const { xen } = bootDir(`${GOLDEN}/virt-gicv3`);
  equal(r32(xen, 0, 0x9000018), 0); // FR: TXFF clear
  for (const c of "hi\n") w32(xen, 0, 0x9000000, c.charCodeAt(0));
  ok(xen.console.lines().includes("(XEN) DOM0: hi"));
});

Deno.test("GICv2: the distributor is emulated on one page and GICC is backed by GICV (Device-nGnRE)", () => {
  const { xen } = bootDir(new URL("./fixtures/hyp/virt-gicv2", import.meta.url).pathname);
  equal(r32(xen, 0, 0x8000004), (1 << 5) | 8); // 2 CPUs, 256 SPIs
  const l = xen.dom0.p2m.lookup(0x8010);
  equal(l.type, "p2m_mmio_direct_dev");
  equal(l.mfn, 0x8040);
  equal(l.entry!.memAttr, 0x1);
  // Offsets past the first page of the 64 KiB GICD have no handler: injected.
  equal(xen.el2Handler(0).stage2Abort(new RegsCpu(0), abort({ ipa: 0x8001000 })).action, "inject");
});

Deno.test("vGIC emulation messages: each frame prints Xen 4.17's exact RAZ/WI/bad-width text", () => {
  const v3 = bootDir(`${GOLDEN}/virt-gicv3`).xen;
  const v2 = bootDir(new URL("./fixtures/hyp/virt-gicv2", import.meta.url).pathname).xen;
  const cases: [XenInstance, Partial<Stage2Abort> & { ipa: number }, string][] = [
    [v3, { ipa: 0x800000c }, "d0v0: vGICD: RAZ on reserved register offset 0x00000c"],
    [v3, { ipa: 0x8000020 }, "d0v0: vGICD: RAZ on implementation defined register offset 0x000020"],
    [v3, { ipa: 0x800000c, write: true }, "d0v0: vGICD: WI on reserved register offset 0x00000c"],
    [
      v3,
      { ipa: 0x8000000, write: true, size: 1 },
      "d0v0: vGICD: bad write width 0 r0=0000000000000000 offset 00000000",
    ],
    // C's %#08x prints no 0x for zero. vgic-v3.c's redistributor RD frame prints "%pv vGICR" (no colon) for a bad read width.
    [v3, { ipa: 0x80a0000, size: 1 }, "d0v0 vGICR: bad read width 0 r0 offset 00000000"],
    [v3, { ipa: 0x80a0018 }, "d0v0: vGICR: RAZ on reserved register offset 0x000018"],
    [v3, { ipa: 0x80b0e04 }, "d0v0: vGICR: SGI: RAZ on reserved register offset 0x000e04"],
    [
      v3,
      { ipa: 0x80bc000 },
      "d0v0: vGICR: SGI: RAZ on implementation defined register offset 0x00c000",
    ],
    [
      v3,
      { ipa: 0x80b0d00, write: true, size: 2 },
      "d0v0: vGICR: SGI: bad write width 1 r0=0000000000000000 offset 0x000d00",
    ],
    // vgic-v2.c spells it "implemention", and its write_reserved prints the impl-defined text.
    [v2, { ipa: 0x8000020 }, "d0v0: vGICD: RAZ on implemention defined register offset 0x000020"],
    [
      v2,
      { ipa: 0x800000c, write: true },
      "d0v0: vGICD: WI on implementation defined register offset 0x00000c",
    ],
  ];
  for (const [xen, a, line] of cases) {
    xen.el2Handler(0).stage2Abort(new RegsCpu(0), abort(a));
    ok(xen.console.lines().includes(`(XEN) ${line}`), `missing: ${line}`);
  }
});
