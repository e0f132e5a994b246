import assert from "node:assert/strict";
import { Cpu, type CpuEvent } from "./cpu.ts";
import { cpuModelFor } from "./cpu_models.ts";
import { El2Exception, GuestException, GuestLivelock, type Stage2Abort } from "./port.ts";
import { LINUX_PROT, sampleMachine } from "./sample_machine.ts";
import { Sram } from "../../drivers/sram.ts";
import { Bus } from "../../drivers/bus.ts";
import { Ram } from "../../drivers/ram.ts";
import { decodeEsr, EC } from "./syndrome.ts";
import { HCR, SCTLR, SCTLR_EL1_RESET, XEN_GUEST_HCR } from "./system_registers.ts";
import { XEN_MAIR_EL2, XEN_MT } from "./mair.ts";
import { pageAllocator, TableBuilder } from "./table_builder.ts";

const KBASE = -0x8000_0000_0000; // 0xffff800000000000
const KVA = KBASE + 0x4000_0000;

function expectGuest(fn: () => unknown): GuestException {
  try {
    fn();
  } catch (e) {
    if (e instanceof GuestException) return e;
    throw e;
  }
  assert.fail("expected a GuestException");
}

function machineWithRam() {
  const m = sampleMachine();
  m.mapS1(KVA, 0x4000_0000, 0x20_0000, "PAGE_KERNEL");
  return m;
}

Deno.test("Cpu.store() and load() reach RAM through stage 1 and stage 2", () => {
  const m = machineWithRam();
  const b = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  m.cpu.store(KVA + 0x1000, 8, b);
  assert.deepEqual([...m.bus.readBytes(0x4000_1000, 8)], [1, 2, 3, 4, 5, 6, 7, 8]);
  const out = new Uint8Array(8);
  m.cpu.load(KVA + 0x1000, 8, out);
  assert.deepEqual([...out], [1, 2, 3, 4, 5, 6, 7, 8]);
  m.cpu.write64(KVA + 0x2008, 0x1122334455667788n);
  assert.equal(m.cpu.read64(KVA + 0x2008), 0x1122334455667788n);
  assert.equal(m.cpu.read16(KVA + 0x200a), 0x5566);
  assert.equal(m.cpu.read8(KVA + 0x200f), 0x11);
});

Deno.test("Cpu.load() of an unmapped kernel VA throws a level-2 translation fault to EL1", () => {
  const m = machineWithRam();
  const e = expectGuest(() => m.cpu.read32(KVA + 0x40_0000));
  const d = decodeEsr(e.syndrome.esr);
  assert.equal(d.ec, EC.DABT_CUR);
  assert.equal(d.fscName, "level 2 translation fault");
  assert.equal(d.wnr, false);
  assert.equal(e.syndrome.far, KVA + 0x40_0000);
  assert.equal(e.syndrome.targetEl, 1);
  assert.equal(m.cpu.mrs("ESR_EL1"), BigInt(e.syndrome.esr));
  assert.equal(m.cpu.mrs("FAR_EL1"), BigInt.asUintN(64, BigInt(KVA + 0x40_0000)));
});

Deno.test("Cpu stage-2 translation fault hands an emulable abort to EL2 and completes the load", () => {
  const m = machineWithRam();
  // A GIC distributor IPA left unmapped at stage 2, as Xen does; dom0 maps it with ioremap.
  m.mapS1(KBASE + 0x0800_0000, 0x0800_0000, 0x1_0000, "PROT_DEVICE_nGnRE");
  m.hyp.policy = () => ({ action: "complete", data: new Uint8Array([0x3b, 0x04, 0, 0]) });
  const v = m.cpu.read32(KBASE + 0x0800_0008);
  assert.equal(v, 0x43b);
  const a = m.hyp.aborts[0];
  assert.equal(a.ipa, 0x0800_0008);
  assert.equal(a.hpfar, 0x0800_0000);
  assert.equal(a.isv, true);
  assert.equal(a.size, 4);
  assert.equal(a.write, false);
  assert.equal(a.s1ptw, false);
  assert.equal(a.fsc, 0x05); // level 1: nothing mapped in the first GiB of IPA space
  assert.equal(decodeEsr(a.esr).ec, EC.DABT_LOW);
  assert.equal(m.cpu.mrs("HPFAR_EL2"), 0x80000n); // FIPA[47:12] in bits [43:4]
  // A store passes the data Xen would read from register SRT.
  m.hyp.policy = () => ({ action: "complete" });
  m.cpu.store(KBASE + 0x0800_0100, 4, new Uint8Array([1, 0, 0, 0]), 0, { rt: 5 });
  const w = m.hyp.aborts[1];
  assert.equal(w.write, true);
  assert.equal(w.srt, 5);
  assert.deepEqual([...w.storeData!], [1, 0, 0, 0]);
});

Deno.test("Cpu replays a stage-2 abort answered 'retry' and throws GuestLivelock when it never resolves", () => {
  const m = machineWithRam();
  m.mapS1(KBASE + 0x0900_0000, 0x0900_0000, 0x1000, "PROT_DEVICE_nGnRE");
  m.cpu.maxReplays = 3;
  m.hyp.policy = () => ({ action: "retry" });
  assert.throws(() => m.cpu.read32(KBASE + 0x0900_0000), GuestLivelock);
  assert.equal(m.hyp.aborts.length, 4);
  // A retry after fixing the p2m succeeds (invalid entries are never cached).
  const uart = new Ram(0x1000, { name: "fake" });
  m.bus.attach(0x0900_0000, uart);
  m.hyp.policy = () => {
    m.mapS2(0x0900_0000, 0x0900_0000, 0x1000, "p2m_mmio_direct_c");
    return { action: "retry" };
  };
  m.hyp.aborts.length = 0;
  m.cpu.write32(KBASE + 0x0900_0000, 0x41);
  assert.equal(m.hyp.aborts.length, 1);
  assert.equal(m.bus.read32(0x0900_0000), 0x41);
});

Deno.test("Cpu turns an 'inject' answer into a GuestException with the hypervisor's ESR", () => {
  const m = machineWithRam();
  m.mapS1(KBASE + 0x0a00_0000, 0x0a00_0000, 0x1000, "PROT_DEVICE_nGnRE");
  const e = expectGuest(() => m.cpu.read32(KBASE + 0x0a00_0000));
  assert.equal(e.syndrome.esr, 0x96000000);
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "ttbr address size fault");
});

Deno.test("Cpu raises a stage-1 alignment fault for an unaligned access to stage-1 Device memory", () => {
  const m = machineWithRam();
  m.mapS1(KVA + 0x10_0000, 0x4010_0000, 0x1000, "PROT_DEVICE_nGnRE");
  const e = expectGuest(() => m.cpu.read32(KVA + 0x10_0002));
  const d = decodeEsr(e.syndrome.esr);
  assert.equal(d.fscName, "alignment fault");
  assert.equal(d.ec, EC.DABT_CUR);
  assert.equal(m.hyp.aborts.length, 0);
  // Aligned is fine.
  m.cpu.read32(KVA + 0x10_0004);
});

Deno.test("Cpu takes a stage-2 alignment fault to EL2 when only stage 2 says Device", () => {
  const m = machineWithRam();
  const dev = new Ram(0x1000, { name: "dev" });
  m.bus.attach(0x0c00_0000, dev);
  m.mapS2(0x0c00_0000, 0x0c00_0000, 0x1000, "p2m_mmio_direct_dev");
  m.mapS1(KBASE + 0x0c00_0000, 0x0c00_0000, 0x1000, "PAGE_KERNEL");
  const e = expectGuest(() => m.cpu.read32(KBASE + 0x0c00_0001));
  assert.equal(e.syndrome.esr, 0x96000000); // Xen 4.17 injects ISS = 0
  const a = m.hyp.aborts[0];
  assert.equal(a.fsc, 0x21);
  assert.equal(a.hpfar, undefined); // HPFAR is not valid for an alignment fault
  assert.equal(a.ipa, 0x0c00_0001);
  assert.equal(a.targetEl, 2);
  m.cpu.read32(KBASE + 0x0c00_0004);
});

Deno.test("Cpu.dcZva() zeroes a 64-byte block on Normal memory and faults on Device memory", () => {
  const m = machineWithRam();
  m.bus.fill(0x4000_3000, 0x100, 0xaa);
  m.cpu.dcZva(KVA + 0x3047);
  assert.deepEqual([...m.bus.readBytes(0x4000_303f, 3)], [0xaa, 0, 0]);
  assert.equal(m.bus.read32(0x4000_307c), 0);
  assert.equal(m.bus.read32(0x4000_3080), 0xaaaaaaaa);
  assert.equal(Number(m.cpu.mrs("DCZID_EL0")), 4);
  // Splitting the cached 2 MiB block needs TLB maintenance (the TLB may hold the whole block).
  m.mapS1(KVA + 0x10_0000, 0x4010_0000, 0x1000, "PROT_NORMAL_NC");
  m.cpu.tlbiEl1(KVA + 0x10_0000);
  m.cpu.dcZva(KVA + 0x10_0000);
  m.mapS1(KVA + 0x11_0000, 0x4011_0000, 0x1000, "PROT_DEVICE_nGnRnE");
  m.cpu.tlbiEl1(KVA + 0x11_0000);
  const e = expectGuest(() => m.cpu.dcZva(KVA + 0x11_0000));
  const d = decodeEsr(e.syndrome.esr);
  assert.equal(d.fscName, "alignment fault");
  assert.equal(d.wnr, true);
  assert.equal(d.cm, false);
});

Deno.test("Cpu.dcZva() traps to EL2 with HCR_EL2.TDZ and to EL1 at EL0 without SCTLR_EL1.DZE", () => {
  const m = machineWithRam();
  m.mapS1(0x1000_0000, 0x4020_0000, 0x1000, "PAGE_SHARED");
  m.cpu.el = 0;
  assert.equal(Number(m.cpu.mrs("DCZID_EL0")) & 0x10, 0x10); // DZP reads 1
  let e = expectGuest(() => m.cpu.dcZva(0x1000_0000));
  assert.equal(decodeEsr(e.syndrome.esr).ec, EC.SYS64);
  m.cpu.el = 1;
  m.cpu.msr("HCR_EL2", XEN_GUEST_HCR | HCR.TDZ);
  const seen: string[] = [];
  m.hyp.sysTrap = (_cpu, t) => {
    seen.push(`${t.insn} ${decodeEsr(t.esr).ecName}`);
    return { action: "complete" };
  };
  m.cpu.dcZva(KVA + 0x5000);
  assert.deepEqual(seen, ["dc zva MSR/MRS (AArch64)"]);
  // Without a sysTrap hook the model injects an Undefined Instruction, as Xen would.
  m.hyp.sysTrap = undefined;
  e = expectGuest(() => m.cpu.dcZva(KVA + 0x5000));
  assert.equal(decodeEsr(e.syndrome.esr).ec, EC.UNKNOWN);
});

Deno.test("Cpu.dc() never alignment-faults, and DC IVAC needs write permission at EL2-less EL1", () => {
  const m = machineWithRam();
  m.mapS1(KVA + 0x10_0000, 0x4010_0000, 0x1000, "PROT_DEVICE_nGnRnE");
  m.cpu.dc("civac", KVA + 0x10_0003);
  m.cpu.dc("cvac", KVA + 0x10_0003);
  m.mapS1(KVA + 0x12_0000, 0x4012_0000, 0x1000, "PAGE_KERNEL_RO");
  // Under HCR_EL2.VM, DC IVAC at EL1 is performed as DC CIVAC: no write permission needed.
  m.cpu.dc("ivac", KVA + 0x12_0000);
  m.cpu.msr("HCR_EL2", 0n);
  m.cpu.msr("HCR_EL2", XEN_GUEST_HCR & ~HCR.VM);
  m.cpu.msr("TTBR1_EL1", BigInt(m.s1.root)); // same tables, now read without stage 2 (1:1)
  const e = expectGuest(() => m.cpu.dc("ivac", KVA + 0x12_0000));
  const d = decodeEsr(e.syndrome.esr);
  assert.equal(d.fscName, "level 3 permission fault");
  assert.equal(d.cm, true);
  assert.equal(d.wnr, true);
});

Deno.test("Cpu reports a stage-2 fault on the stage-1 walk with S1PTW and a valid HPFAR", () => {
  const m = machineWithRam();
  // Point TTBR1 at an IPA that stage 2 does not map.
  m.cpu.msr("TTBR1_EL1", 0x3000_0000n);
  m.hyp.policy = () => ({ action: "inject", esr: 0x96000000, far: 0 });
  expectGuest(() => m.cpu.read32(KVA));
  const a = m.hyp.aborts[0];
  assert.equal(a.s1ptw, true);
  assert.equal(a.isv, false);
  assert.equal(a.hpfar, 0x3000_0000);
  assert.equal(a.fsc, 0x05);
});

Deno.test("Cpu applies HCR_EL2.PTW: a stage-1 walk into stage-2 Device memory is a stage-2 permission fault", () => {
  const m = machineWithRam();
  const tables = new Ram(0x10_0000, { name: "tables" });
  m.bus.attach(0x2000_0000, tables);
  m.mapS2(0x2000_0000, 0x2000_0000, 0x10_0000, "p2m_mmio_direct_dev");
  m.cpu.msr("TTBR1_EL1", 0x2000_0000n);
  expectGuest(() => m.cpu.read32(KVA));
  const a = m.hyp.aborts[0];
  assert.equal(a.s1ptw, true);
  assert.equal(a.fsc & 0x3c, 0x0c); // permission fault
  assert.equal(a.hpfar, 0x2000_0000);
});

Deno.test("Cpu checks stage-1 and stage-2 write permission in that order", () => {
  const m = machineWithRam();
  m.mapS1(KVA + 0x10_0000, 0x4010_0000, 0x1000, "PAGE_KERNEL_RO");
  let e = expectGuest(() => m.cpu.write32(KVA + 0x10_0000, 1));
  let d = decodeEsr(e.syndrome.esr);
  assert.equal(d.fscName, "level 3 permission fault");
  assert.equal(d.wnr, true);
  assert.equal(m.hyp.aborts.length, 0);
  // p2m_ram_ro at stage 2: the write traps to EL2; HPFAR is not valid for a permission fault.
  m.mapS2(0x9800_0000, 0x9800_0000, 0x1000, "p2m_ram_ro");
  m.bus.attach(0x9800_0000, new Ram(0x1000, { name: "ro" }));
  m.mapS1(KBASE + 0x9800_0000, 0x9800_0000, 0x1000, "PAGE_KERNEL");
  m.cpu.read32(KBASE + 0x9800_0000);
  m.cpu.maxReplays = 2;
  m.hyp.policy = () => ({ action: "retry" }); // Xen 4.17 replays stage-2 permission faults
  assert.throws(() => m.cpu.write32(KBASE + 0x9800_0000, 1), GuestLivelock);
  const a = m.hyp.aborts[0];
  assert.equal(a.fsc, 0x0f);
  assert.equal(a.hpfar, undefined);
  assert.equal(a.write, true);
  void e;
  void d;
  e = expectGuest(() => {
    m.hyp.policy = (x) => ({ action: "inject", esr: x.esr, far: x.far });
    m.cpu.write32(KBASE + 0x9800_0000, 1);
  });
  d = decodeEsr(e.syndrome.esr);
  assert.equal(d.fsc, 0x0f);
});

Deno.test("Cpu keeps stale translations until TLBI, and tags them by VMID", () => {
  const m = machineWithRam();
  m.bus.write32(0x4000_0000, 0x1111);
  m.bus.write32(0x4010_0000, 0x2222);
  assert.equal(m.cpu.read32(KVA), 0x1111);
  m.s1.unmapPage(KVA); // it is a 2 MiB block: nothing to unmap at level 3
  m.mapS1(KVA + 0x20_0000, 0x4010_0000, 0x1000, "PAGE_KERNEL");
  assert.equal(m.cpu.read32(KVA + 0x20_0000), 0x2222);
  m.s1.unmapPage(KVA + 0x20_0000);
  assert.equal(m.cpu.read32(KVA + 0x20_0000), 0x2222); // stale TLB entry
  m.cpu.tlbiEl1(KVA + 0x20_0000);
  expectGuest(() => m.cpu.read32(KVA + 0x20_0000));
  // Another VMID with no stage-2 mapping of the tables cannot use VMID 1's entries.
  m.cpu.msr("VTTBR_EL2", (2n << 48n) | BigInt(m.s2.root));
  m.cpu.tlbiStage2(2);
  assert.equal(m.cpu.read32(KVA), 0x1111); // same tables, own walk
  assert.ok(m.cpu.tlbFills >= 3);
});

Deno.test("Cpu with the stage-1 MMU off makes data accesses Device-nGnRnE (unaligned faults)", () => {
  const m = machineWithRam();
  m.cpu.msr("SCTLR_EL1", SCTLR_EL1_RESET);
  m.cpu.read32(0x4000_0000);
  const t = m.cpu.translation(0x4000_0000);
  assert.ok("type" in t);
  assert.equal(t.type, "Device-nGnRnE");
  assert.equal(t.provenance.decidedBy, "mmu-off");
  const e = expectGuest(() => m.cpu.read32(0x4000_0001));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "alignment fault");
});

Deno.test("Cpu.translation() explains dom0 ioremap over Xen's p2m_mmio_direct_c: stage 1 decides", () => {
  const m = machineWithRam();
  m.bus.attach(0x1000_0000, new Sram(0x1_0000, { name: "/sram@10000000" }));
  m.mapS2(0x1000_0000, 0x1000_0000, 0x1_0000, "p2m_mmio_direct_c");
  m.mapS1(KBASE + 0x1000_0000, 0x1000_0000, 0x1000, "PROT_DEVICE_nGnRE");
  m.mapS1(KBASE + 0x1000_1000, 0x1000_1000, 0x1000, "PROT_NORMAL_NC");
  const dev = m.cpu.translation(KBASE + 0x1000_0000);
  assert.ok("type" in dev);
  assert.equal(dev.type, "Device-nGnRE");
  assert.equal(dev.s2Type, "Normal-WB");
  assert.equal(dev.provenance.decidedBy, "stage1");
  assert.match(dev.provenance.rule, /S1 Device-nGnRE over S2 Normal-WB/);
  assert.equal(dev.sh, 2);
  const wc = m.cpu.translation(KBASE + 0x1000_1000);
  assert.ok("type" in wc);
  assert.equal(wc.type, "Normal-NC");
  assert.equal(wc.permissions, "rw-/---");
  const none = m.cpu.translation(KBASE + 0x1000_2000);
  assert.deepEqual(none, { fault: "stage 1 level 3 translation fault" });
});

Deno.test("Cpu exclusives succeed on Normal WB, fail without a reservation, and lose it to another CPU's store", () => {
  const m = sampleMachine({ cpus: 2 });
  m.mapS1(KVA, 0x4000_0000, 0x20_0000, "PAGE_KERNEL");
  const [a, b] = m.cpus;
  const v = new Uint8Array(8);
  assert.equal(a.stxr(KVA + 0x100, 8, v), 1);
  a.ldxr(KVA + 0x100, 8, v);
  assert.equal(a.stxr(KVA + 0x100, 8, new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0])), 0);
  assert.equal(m.bus.read32(0x4000_0100), 9);
  a.ldxr(KVA + 0x100, 8, v);
  b.write32(KVA + 0x120, 1); // same 64-byte granule
  assert.equal(a.stxr(KVA + 0x100, 8, v), 1);
});

Deno.test("Cpu exclusives and atomics on non-cacheable SRAM follow the device's answer", () => {
  const m = machineWithRam();
  const mk = (base: number, name: string, ex: "supported" | "unsupported" | "slverr") => {
    m.bus.attach(base, new Sram(0x1000, { name, exclusives: ex, atomics: ex }));
    m.mapS2(base, base, 0x1000, "p2m_mmio_direct_c");
    m.mapS1(KBASE + base, base, 0x1000, "PROT_NORMAL_NC");
  };
  mk(0x1100_0000, "ok", "supported");
  mk(0x1101_0000, "no", "unsupported");
  mk(0x1102_0000, "err", "slverr");
  const v = new Uint8Array(8);
  m.cpu.ldxr(KBASE + 0x1100_0000, 4, v);
  assert.equal(m.cpu.stxr(KBASE + 0x1100_0000, 4, v), 0);
  let e = expectGuest(() => m.cpu.ldxr(KBASE + 0x1101_0000, 4, v));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "implementation fault (unsupported exclusive)");
  e = expectGuest(() => m.cpu.ldxr(KBASE + 0x1102_0000, 4, v));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "synchronous external abort");
  assert.equal(m.cpu.atomic("ldadd", KBASE + 0x1100_0000, 4, 5n), 0n);
  assert.equal(m.cpu.atomic("ldadd", KBASE + 0x1100_0000, 4, 5n), 5n);
  e = expectGuest(() => m.cpu.atomic("swp", KBASE + 0x1101_0000, 8, 1n));
  assert.equal(decodeEsr(e.syndrome.esr).fsc, 0x35);
  // On Normal WB the same SRAM works: the atomic happens in the cache.
  m.mapS1(KBASE + 0x1101_0000, 0x1101_0000, 0x1000, "PAGE_KERNEL");
  m.cpu.tlbiEl1();
  assert.equal(m.cpu.atomic("cas", KBASE + 0x1101_0000, 8, 7n, 0n), 0n);
  assert.equal(m.cpu.read64(KBASE + 0x1101_0000), 7n);
});

Deno.test("Cpu checks instruction-mandated alignment before translation", () => {
  const m = machineWithRam();
  // Unmapped and misaligned: the alignment fault wins over the translation fault.
  let e = expectGuest(() =>
    m.cpu.load(KVA + 0x40_0001, 4, new Uint8Array(4), 0, { acquire: true })
  );
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "alignment fault");
  e = expectGuest(() => m.cpu.ldxr(KVA + 0x2, 4, new Uint8Array(4)));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "alignment fault");
  e = expectGuest(() => m.cpu.atomic("ldset", KVA + 0x4, 8, 1n));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "alignment fault");
  // Plain unaligned loads on Normal memory are fine unless SCTLR_EL1.A = 1.
  m.cpu.read32(KVA + 0x3);
  m.cpu.msr("SCTLR_EL1", SCTLR_EL1_RESET | BigInt(SCTLR.M | SCTLR.C | SCTLR.A));
  e = expectGuest(() => m.cpu.read32(KVA + 0x3));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "alignment fault");
});

Deno.test("Cpu splits an unaligned access that crosses a page into two checked accesses", () => {
  const m = machineWithRam();
  m.mapS1(KVA + 0x40_0000, 0x4040_0000, 0x2000, "PAGE_KERNEL");
  m.cpu.write64(KVA + 0x40_0ffc, 0x0807060504030201n);
  assert.equal(m.cpu.read64(KVA + 0x40_0ffc), 0x0807060504030201n);
  const e = expectGuest(() => m.cpu.write64(KVA + 0x40_0ffc + 0x1000, 1n));
  assert.equal(e.syndrome.far, KVA + 0x40_2000); // the second page faults
});

Deno.test("Cpu reports bus decode errors: SEA on loads, SError on posted stores", () => {
  const m = machineWithRam();
  m.mapS2(0x3000_0000, 0x3000_0000, 0x1000, "p2m_mmio_direct_c"); // nothing on the bus there
  m.mapS1(KBASE + 0x3000_0000, 0x3000_0000, 0x1000, "PROT_DEVICE_nGnRE");
  let e = expectGuest(() => m.cpu.read32(KBASE + 0x3000_0000));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "synchronous external abort");
  e = expectGuest(() => m.cpu.write32(KBASE + 0x3000_0000, 0));
  assert.equal(e.type, "serror");
  assert.equal(decodeEsr(e.syndrome.esr).ec, EC.SERROR);
});

Deno.test("Cpu rejects transaction sizes a 32-bit-only SRAM refuses (Amlogic-like)", () => {
  const m = machineWithRam();
  m.bus.attach(0x1200_0000, new Sram(0x1000, { name: "meson", accessSizes: [4] }));
  m.mapS2(0x1200_0000, 0x1200_0000, 0x1000, "p2m_mmio_direct_c");
  m.mapS1(KBASE + 0x1200_0000, 0x1200_0000, 0x1000, "PROT_DEVICE_nGnRE");
  m.cpu.write32(KBASE + 0x1200_0000, 0x12345678);
  assert.equal(m.cpu.read32(KBASE + 0x1200_0000), 0x12345678);
  const e = expectGuest(() => m.cpu.read64(KBASE + 0x1200_0000));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "synchronous external abort");
});

Deno.test("Cpu.hvc() calls the EL2 handler; HVC at EL0 is UNDEFINED", () => {
  const m = machineWithRam();
  m.cpu.regs[0] = 0x84000000n;
  m.cpu.hvc(0xea1);
  assert.deepEqual(m.hyp.calls, [{ kind: "hvc", imm: 0xea1 }]);
  assert.equal(m.cpu.regs[0], 0n);
  m.cpu.smc(0);
  assert.equal(m.hyp.calls[1].kind, "smc");
  m.cpu.el = 0;
  const e = expectGuest(() => m.cpu.hvc(0));
  assert.equal(decodeEsr(e.syndrome.esr).ec, EC.UNKNOWN);
});

Deno.test("Cpu.fetch() faults at stage 2 on Xen's XN MMIO mappings and at stage 1 on PXN", () => {
  const m = machineWithRam();
  m.mapS1(KVA + 0x10_0000, 0x4010_0000, 0x1000, "PAGE_KERNEL_EXEC");
  m.cpu.fetch(KVA + 0x10_0000);
  let e = expectGuest(() => m.cpu.fetch(KVA + 0x20));
  let d = decodeEsr(e.syndrome.esr);
  assert.equal(d.ec, EC.IABT_CUR);
  assert.equal(d.fscName, "level 3 permission fault"); // the 2 MiB block was split into pages
  m.bus.attach(0x1300_0000, new Ram(0x1000, { name: "mmio" }));
  m.mapS2(0x1300_0000, 0x1300_0000, 0x1000, "p2m_mmio_direct_c");
  m.mapS1(KBASE + 0x1300_0000, 0x1300_0000, 0x1000, "PAGE_KERNEL_EXEC");
  e = expectGuest(() => m.cpu.fetch(KBASE + 0x1300_0000));
  assert.equal(m.hyp.aborts[0].kind, "instruction");
  assert.equal(decodeEsr(m.hyp.aborts[0].esr).ec, EC.IABT_LOW);
  d = decodeEsr(m.hyp.aborts[0].esr);
  assert.equal(d.fsc, 0x0f);
  e = expectGuest(() => m.cpu.fetch(KVA + 0x10_0002));
  assert.equal(decodeEsr(e.syndrome.esr).ec, EC.PC_ALIGN);
});

Deno.test("Cpu observer sees TLB fills, faults and traps; none are built without one", () => {
  const m = machineWithRam();
  const events: CpuEvent[] = [];
  m.cpu.observer = (e) => events.push(e);
  m.cpu.read32(KVA);
  expectGuest(() => m.cpu.read32(KVA + 0x40_0000));
  m.mapS1(KBASE + 0x0800_0000, 0x0800_0000, 0x1000, "PROT_DEVICE_nGnRE");
  expectGuest(() => m.cpu.read32(KBASE + 0x0800_0000));
  const types = events.map((e) => e.type === "trap" ? `trap:${e.what}:${e.action}` : e.type);
  assert.deepEqual(types, ["tlb-fill", "fault", "fault", "trap:stage2Abort:inject", "fault"]);
  const f = events[1];
  assert.equal(f.type === "fault" && f.name, "level 2 translation fault");
});

Deno.test("Cpu in the EL2 regime walks Xen's own stage 1 with MAIR_EL2 and throws El2Exception", () => {
  const bus = new Bus();
  bus.attach(0x4000_0000, new Ram(0x1000_0000));
  const alloc = pageAllocator(0x4f00_0000, 0x10_0000);
  const t = new TableBuilder(bus, { stage: 1, startLevel: 0, allocPages: alloc });
  t.map(0x20_0000, 0x4000_0000, 0x20_0000, { attrIndx: XEN_MT.MT_NORMAL, ap: 0, sh: 3, af: true });
  t.map(0x40_0000, 0x4100_0000, 0x1000, {
    attrIndx: XEN_MT.MT_DEVICE_nGnRE,
    ap: 0,
    sh: 3,
    af: true,
    uxn: true,
  });
  const cpu = new Cpu(bus);
  cpu.msr("MAIR_EL2", XEN_MAIR_EL2);
  cpu.msr("TCR_EL2", 0x80823510n); // T0SZ 16, WBWA, ISH, 4K, PS 40-bit
  cpu.msr("TTBR0_EL2", BigInt(t.root));
  cpu.msr("SCTLR_EL2", 0x30c5183dn);
  cpu.el = 2;
  cpu.write32(0x20_0010, 7);
  assert.equal(bus.read32(0x4000_0010), 7);
  const tr = cpu.translation(0x40_0000);
  assert.ok("type" in tr);
  assert.equal(tr.type, "Device-nGnRE");
  assert.throws(() => cpu.read32(0x80_0000), (e: unknown) => {
    assert.ok(e instanceof El2Exception);
    assert.equal(decodeEsr(e.syndrome.esr).ec, EC.DABT_CUR);
    assert.equal(e.syndrome.targetEl, 2);
    return true;
  });
});

Deno.test("Cpu refuses writes to read-only system registers", () => {
  const m = machineWithRam();
  assert.throws(() => m.cpu.msr("MIDR_EL1", 0n), /read-only/);
  assert.equal(m.cpu.mrs("MIDR_EL1"), 0x411fd070n);
  assert.equal(m.cpu.mrs("ID_AA64MMFR0_EL1"), 0x1124n);
  assert.equal(m.cpu.mrs("MPIDR_EL1"), 0x80000000n);
  void LINUX_PROT;
  void ({} as Stage2Abort);
});

Deno.test("Cpu routes a posted-store SError to the EL2 serror hook, which may absorb it", () => {
  const m = machineWithRam();
  m.mapS2(0x3000_0000, 0x3000_0000, 0x1000, "p2m_mmio_direct_c"); // a bus hole
  m.mapS1(KBASE + 0x3000_0000, 0x3000_0000, 0x1000, "PROT_DEVICE_nGnRE");
  const seen: number[] = [];
  const hyp = m.hyp as unknown as { serror?: (c: unknown, esr: number) => { action: "complete" } };
  hyp.serror = (_c, esr) => {
    seen.push(esr);
    return { action: "complete" };
  };
  m.cpu.write32(KBASE + 0x3000_0000, 1); // absorbed: execution goes on
  assert.deepEqual(seen, [0xbe000000]);
});

Deno.test("Cpu fetches instructions with the MMU off (Normal memory, not Device)", () => {
  const m = machineWithRam();
  m.cpu.msr("SCTLR_EL1", SCTLR_EL1_RESET);
  m.cpu.fetch(0x4000_0000);
  assert.equal(m.hyp.aborts.length, 0);
});

Deno.test("GuestLivelock carries the abort the hypervisor kept replaying", () => {
  const m = machineWithRam();
  m.mapS1(KBASE + 0x0900_0000, 0x0900_0000, 0x1000, "PROT_DEVICE_nGnRE");
  m.cpu.maxReplays = 1;
  m.hyp.policy = () => ({ action: "retry" });
  assert.throws(() => m.cpu.write32(KBASE + 0x0900_0010, 1), (e: unknown) => {
    assert.ok(e instanceof GuestLivelock);
    assert.equal(e.abort.ipa, 0x0900_0010);
    assert.equal(e.abort.write, true);
    return true;
  });
});

Deno.test("Cpu.at() translates a guest VA for EL2 (Xen gva_to_ipa) and reports faults in PAR_EL1", () => {
  const m = machineWithRam();
  m.mapS1(KVA + 0x40_0000, 0x4040_0000, 0x1000, "PAGE_KERNEL_RO");
  m.cpu.el = 2;
  const par = m.cpu.at("s1e1r", KVA + 0x40_0123);
  assert.equal(par & 1n, 0n);
  assert.equal(par & 0x0000_ffff_ffff_f000n, 0x4040_0000n);
  assert.equal(par >> 56n, 0xffn); // Normal WB attribute
  const w = m.cpu.at("s1e1w", KVA + 0x40_0123);
  assert.equal(w & 1n, 1n);
  assert.equal(Number((w >> 1n) & 0x3fn), 0x0f); // level 3 permission fault
  const miss = m.cpu.at("s12e1r", KVA + 0x50_0000);
  assert.equal(Number((miss >> 1n) & 0x3fn), 0x07);
  assert.equal(m.cpu.el, 2);
  assert.equal(m.cpu.mrs("PAR_EL1"), miss);
});

Deno.test("Cpu.stp() to Normal-NC is one 16-byte transaction a no-pair SRAM refuses; Device-nGnRE splits", () => {
  const m = machineWithRam();
  m.bus.attach(0x1400_0000, new Sram(0x1000, { name: "nopair", supportsPairs: false }));
  m.mapS2(0x1400_0000, 0x1400_0000, 0x1000, "p2m_mmio_direct_c");
  m.mapS1(KBASE + 0x1400_0000, 0x1400_0000, 0x1000, "PROT_NORMAL_NC");
  let e = expectGuest(() => m.cpu.ldp(KBASE + 0x1400_0010, 8, new Uint8Array(16)));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "synchronous external abort");
  m.cpu.ldp(KBASE + 0x1400_0008, 8, new Uint8Array(16)); // not 16-aligned: two accesses
  m.mapS1(KBASE + 0x1400_0000, 0x1400_0000, 0x1000, "PROT_DEVICE_nGnRE");
  m.cpu.tlbiEl1();
  m.cpu.ldp(KBASE + 0x1400_0010, 8, new Uint8Array(16)); // nG: two 8-byte accesses
  m.cpu.mergePairs = false;
  m.mapS1(KBASE + 0x1400_0000, 0x1400_0000, 0x1000, "PROT_NORMAL_NC");
  m.cpu.tlbiEl1();
  m.cpu.ldp(KBASE + 0x1400_0010, 8, new Uint8Array(16));
  e = expectGuest(() => m.cpu.load(KBASE + 0x1400_0010, 16, new Uint8Array(16)));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "synchronous external abort");
});

Deno.test("Cpu counts costs through the port: WB line fills and hits, Device transactions per VMID", () => {
  const m = machineWithRam();
  m.bus.attach(0x1500_0000, new Sram(0x1000, { name: "/sram@15000000" }));
  m.mapS2(0x1500_0000, 0x1500_0000, 0x1000, "p2m_mmio_direct_c");
  m.mapS1(KBASE + 0x1500_0000, 0x1500_0000, 0x1000, "PROT_DEVICE_nGnRE");
  m.cpu.read32(KVA + 0x8000); // fill the TLB before counting
  m.cost!.reset();
  const b = new Uint8Array(8);
  for (let i = 0; i < 64; i++) m.cpu.load(KVA + 0x9000 + i * 8, 8, b);
  for (let i = 0; i < 16; i++) m.cpu.read32(KVA + 0xa000 + i * 4);
  for (let i = 0; i < 4; i++) m.cpu.write32(KBASE + 0x1500_0000 + i * 4, i);
  const s = m.cost!.snapshot(m.bus);
  const wb = s.byType["Normal-WB"];
  assert.equal(wb.accesses, 80);
  assert.equal(wb.bytes, 64 * 8 + 16 * 4);
  assert.equal(wb.lineFills, 9);
  assert.equal(wb.l1Hits, 71);
  const dev = s.byType["Device-nGnRE"];
  assert.equal(dev.writeTransactions, 4);
  assert.deepEqual(s.domains.map((d) => d.domain), ["vmid 1"]);
  const sram = s.devices.find((d) => d.name === "/sram@15000000")!;
  assert.equal(sram.total.busBytes, 16);
});

Deno.test("Cpu copy loop between pages 16 MiB apart walks each page once (set-associative TLB)", () => {
  const m = sampleMachine();
  m.mapS1(KVA, 0x4000_0000, 0x200_0000, "PAGE_KERNEL");
  const src = KVA + 0x10_0000;
  const dst = src + 0x100_0000;
  for (let i = 0; i < 4096; i += 8) m.bus.write64(0x4010_0000 + i, BigInt(i + 1));
  const b = new Uint8Array(8);
  m.cpu.store(dst, 8, b); // first touch of dst allocates its page
  const fills = m.cpu.tlbFills;
  for (let i = 0; i < 4096; i += 8) {
    m.cpu.load(src + i, 8, b);
    m.cpu.store(dst + i, 8, b);
  }
  assert.equal(m.cpu.tlbFills - fills, 1); // src once; dst was already there
  assert.equal(m.bus.read64(0x4110_0ff8), 4089n);
});

Deno.test("Cpu store micro-TLB never uses an evicted entry (1-entry TLB)", () => {
  const m = sampleMachine({ tlbEntries: 1, tlbWays: 1 });
  m.mapS1(KVA, 0x4000_0000, 0x20_0000, "PAGE_KERNEL");
  m.cpu.write32(KVA + 0x1000, 0xaaaa); // slow path fills, then the store micro-TLB holds it
  m.cpu.write32(KVA + 0x1004, 0xbbbb);
  assert.equal(m.cpu.read32(KVA + 0x2000), 0); // the one entry now maps page 0x2000
  m.cpu.write32(KVA + 0x1008, 0xcccc); // must walk again, not write through the reused entry
  assert.equal(m.bus.read32(0x4000_1008), 0xcccc);
  assert.equal(m.bus.read32(0x4000_2008), 0);
  assert.equal(m.bus.read32(0x4000_1004), 0xbbbb);
});

Deno.test("Cpu.msr() of an unchanged SCTLR_EL1 keeps the TLB; a change flushes it", () => {
  const m = machineWithRam();
  m.cpu.read32(KVA);
  const fills = m.cpu.tlbFills;
  m.cpu.msr("SCTLR_EL1", m.cpu.mrs("SCTLR_EL1"));
  m.cpu.read32(KVA);
  assert.equal(m.cpu.tlbFills, fills);
  m.cpu.msr("SCTLR_EL1", m.cpu.mrs("SCTLR_EL1") | BigInt(SCTLR.A));
  m.cpu.read32(KVA);
  assert.equal(m.cpu.tlbFills, fills + 1);
});

Deno.test("Cpu.load() of a never-written RAM page reads zero, then sees a later bus write", () => {
  const m = machineWithRam();
  assert.equal(m.cpu.read32(KVA + 0x3000), 0);
  assert.equal(m.cpu.read64(KVA + 0x3008), 0n);
  m.bus.write32(0x4000_3000, 0x5a5a5a5a); // allocated behind the TLB entry's back (Xen, DMA)
  m.bus.write32(0x4000_3008, 0x77);
  assert.equal(m.cpu.read32(KVA + 0x3000), 0x5a5a5a5a);
  assert.equal(m.cpu.read64(KVA + 0x3008), 0x77n);
  m.cpu.write32(KVA + 0x4000, 9); // a store to a never-written page allocates it
  assert.equal(m.bus.read32(0x4000_4000), 9);
});

Deno.test("Cpu.ldp()/stp() on direct memory: Normal-NC X pairs are one read, nGnRE pairs two", () => {
  const m = machineWithRam();
  m.bus.attach(0x1400_0000, new Sram(0x1000, { name: "/sram" }));
  m.mapS2(0x1400_0000, 0x1400_0000, 0x1000, "p2m_mmio_direct_c");
  m.mapS1(KBASE + 0x1400_0000, 0x1400_0000, 0x1000, "PROT_NORMAL_NC");
  m.mapS1(KBASE + 0x1500_0000, 0x1400_0000, 0x1000, "PROT_DEVICE_nGnRE");
  const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  m.cpu.stp(KBASE + 0x1500_0020, 8, src); // two 8-byte Device writes
  const reads = () => m.cost!.snapshot().total.readTransactions;
  const out = new Uint8Array(16);
  m.cpu.ldp(KBASE + 0x1400_0020, 8, out); // Normal-NC, 16-aligned: one 16-byte read
  assert.deepEqual([...out], [...src]);
  assert.equal(reads(), 1);
  m.cpu.ldp(KBASE + 0x1400_0028, 8, out); // not 16-aligned: two reads
  assert.equal(reads(), 3);
  m.cpu.ldp(KBASE + 0x1500_0020, 8, out); // nGnRE: two reads
  assert.equal(reads(), 5);
  const snap = m.cost!.snapshot();
  assert.equal(snap.byType["Device-nGnRE"].writeTransactions, 2);
  assert.equal(snap.byType["Device-nGnRE"].accesses, 4);
  // A pair crossing a page takes the slow path, element by element.
  m.cpu.stp(KVA + 0xff8, 8, src);
  assert.equal(m.bus.read64(0x4000_1000), 0x100f0e0d0c0b0a09n);
});

Deno.test("Cpu.dcZva() on an untouched page allocates nothing; it clears another PE's reservation", () => {
  const m = sampleMachine({ cpus: 2 });
  m.mapS1(KVA, 0x4000_0000, 0x20_0000, "PAGE_KERNEL");
  const pages = () => m.ram.mem.allocatedPages;
  const before = pages();
  m.cpu.dcZva(KVA + 0x7000);
  assert.equal(pages(), before);
  m.bus.write32(0x4000_8010, 0x1234);
  const b = new Uint8Array(8);
  m.cpus[1].ldxr(KVA + 0x8010, 8, b);
  m.cpu.dcZva(KVA + 0x8000); // CPU 0 writes the block CPU 1 reserved
  assert.equal(m.cpus[1].stxr(KVA + 0x8010, 8, b), 1);
  assert.equal(m.bus.read32(0x4000_8010), 0);
});

Deno.test("Cpu repeated stage-2 faults on one page walk stage 1 once; a later stage-2 mapping is seen", () => {
  const m = machineWithRam();
  m.mapS1(KBASE + 0x0800_0000, 0x0800_0000, 0x1_0000, "PROT_DEVICE_nGnRE");
  m.hyp.policy = () => ({ action: "complete", data: new Uint8Array(4) });
  const walks = () => m.cost!.snapshot().total.walkReads;
  m.cpu.read32(KBASE + 0x0800_0000);
  const first = walks();
  m.cpu.read32(KBASE + 0x0800_0004);
  const second = walks() - first;
  m.cpu.read32(KBASE + 0x0800_0008);
  assert.equal(walks() - first - second, second); // each repeat walks stage 2 only
  assert.ok(first > second, `first walk ${first} reads, repeats ${second}`);
  assert.equal(m.hyp.aborts.length, 3);
  assert.equal(m.hyp.aborts[2].fsc, m.hyp.aborts[0].fsc);
  // The hypervisor maps the page (invalid → valid needs no TLBI): the next access reaches it.
  m.bus.attach(0x0800_0000, new Sram(0x1000, { name: "/gic" }));
  m.bus.write32(0x0800_000c, 0xabcd);
  m.mapS2(0x0800_0000, 0x0800_0000, 0x1000, "p2m_mmio_direct_dev");
  assert.equal(m.cpu.read32(KBASE + 0x0800_000c), 0xabcd);
  assert.equal(m.hyp.aborts.length, 3);
  // The stage-1 part is a TLB entry like any other: kept until TLBI by VA, then gone.
  m.cpu.read32(KBASE + 0x0800_1000); // stage-2 fault (emulated)
  m.s1.unmapPage(KBASE + 0x0800_1000);
  m.cpu.read32(KBASE + 0x0800_1000); // stale stage 1: still a stage-2 fault
  assert.equal(m.hyp.aborts.length, 5);
  m.cpu.tlbiEl1(KBASE + 0x0800_1000);
  const e = expectGuest(() => m.cpu.read32(KBASE + 0x0800_1000));
  assert.equal(decodeEsr(e.syndrome.esr).fscName, "level 3 translation fault");
  assert.equal(m.hyp.aborts.length, 5);
});

Deno.test("Cpu ID registers come from its model: A57 by default (reference values), A55 with LSE", () => {
  const m = machineWithRam();
  assert.equal(m.cpu.mrs("MIDR_EL1"), 0x411fd070n);
  assert.equal(m.cpu.mrs("ID_AA64PFR0_EL1"), 0x1000222n);
  assert.equal(m.cpu.mrs("ID_AA64ISAR0_EL1"), 0x11120n);
  assert.equal(m.cpu.mrs("ID_AA64MMFR1_EL1"), 0n);
  assert.throws(() => m.cpu.msr("ID_AA64ISAR0_EL1", 0n), RangeError);
  const a55 = new Cpu(new Bus(), { model: cpuModelFor("arm,cortex-a55") });
  assert.equal(a55.mrs("MIDR_EL1"), 0x412fd050n);
  assert.equal((a55.mrs("ID_AA64ISAR0_EL1") >> 20n) & 0xfn, 2n); // Atomic: FEAT_LSE
  assert.equal(a55.mrs("ID_AA64MMFR0_EL1") & 0xfn, 2n); // 40-bit PA
  assert.equal((a55.mrs("ID_AA64MMFR1_EL1") >> 4n) & 0xfn, 2n); // 16-bit VMID
});

Deno.test("Cpu GICv3 CPU interface registers: ICV reset values, RAO/WI and implemented bits", () => {
  const c = new Cpu(new Bus());
  assert.equal(c.mrs("ICC_SRE_EL1"), 7n);
  c.msr("ICC_SRE_EL1", 0n);
  assert.equal(c.mrs("ICC_SRE_EL1"), 7n); // SRE/DFB/DIB read as one
  assert.equal(c.mrs("ICC_CTLR_EL1"), 0x8c00n); // A3V, IDbits 24, PRIbits 5
  c.msr("ICC_CTLR_EL1", 0xffffn);
  assert.equal(c.mrs("ICC_CTLR_EL1"), 0x8c03n); // only CBPR and EOImode are writable
  assert.equal(c.mrs("ICC_PMR_EL1"), 0n);
  c.msr("ICC_PMR_EL1", 0xf7n);
  assert.equal(c.mrs("ICC_PMR_EL1"), 0xf0n); // 5 priority bits
  assert.equal(c.mrs("ICC_BPR1_EL1"), 3n);
  c.msr("ICC_BPR1_EL1", 0n);
  assert.equal(c.mrs("ICC_BPR1_EL1"), 3n); // clamped to the minimum
  c.msr("ICC_IGRPEN1_EL1", 3n);
  assert.equal(c.mrs("ICC_IGRPEN1_EL1"), 1n);
});

Deno.test("Cpu CNTVCT_EL0 counts cost-model cycles in 62.5 MHz ticks (32 cycles), minus CNTVOFF", () => {
  const m = machineWithRam();
  assert.equal(m.cpu.mrs("CNTFRQ_EL0"), 62_500_000n);
  const t0 = m.cpu.mrs("CNTVCT_EL0");
  for (let i = 0; i < 4096; i += 64) m.cpu.read32(KVA + 0x10_0000 + i); // 64 line fills
  const t1 = m.cpu.mrs("CNTVCT_EL0");
  const cycles = m.cost!.snapshot().total.cycles;
  assert.equal(m.cpu.mrs("CNTPCT_EL0"), BigInt(Math.floor(cycles / 32)));
  assert.ok(t1 > t0);
  assert.equal(m.cost!.totalCycles(), cycles);
  m.cpu.msr("CNTVOFF_EL2", t1);
  assert.equal(m.cpu.mrs("CNTVCT_EL0"), 0n);
  assert.throws(() => m.cpu.msr("CNTVCT_EL0", 0n), RangeError);
  // Without a cost model the counter does not move.
  const bare = new Cpu(new Bus());
  assert.equal(bare.mrs("CNTVCT_EL0"), 0n);
});

Deno.test("Cpu fills pages of a 2 MiB block from its block entry; TLBI by VA inside the block drops it", () => {
  const m = machineWithRam(); // KVA: one 2 MiB stage-1 block; RAM: a 1 GiB stage-2 block
  m.bus.write32(0x4000_5000, 0x55);
  const walks = () => m.cost!.snapshot().total.walkReads;
  m.cpu.read32(KVA);
  const w0 = walks();
  assert.equal(m.cpu.read32(KVA + 0x5000), 0x55); // another page of the block: no walk
  assert.equal(walks(), w0);
  assert.equal(Object.hasOwn(m.cpu.translation(KVA + 0x5000), "fault"), false);
  m.mapS1(KVA + 0x5000, 0x4000_6000, 0x1000, "PAGE_KERNEL"); // split the block
  m.bus.write32(0x4000_6000, 0x66);
  assert.equal(m.cpu.read32(KVA + 0x5000), 0x55); // stale until TLB maintenance
  m.cpu.tlbiEl1(KVA + 0x1000); // any page inside the block drops the block entry
  m.cpu.tlbiEl1(KVA + 0x5000);
  assert.equal(m.cpu.read32(KVA + 0x5000), 0x66);
  assert.ok(walks() > w0);
});

Deno.test("Cpu ESR_EL2/FAR_EL2/HPFAR_EL2 read back a trap's values, and MSR writes win until the next trap", () => {
  const m = machineWithRam();
  m.mapS1(KBASE + 0x0800_0000, 0x0800_0000, 0x1_0000, "PROT_DEVICE_nGnRE");
  m.hyp.policy = () => ({ action: "complete", data: new Uint8Array(4) });
  m.cpu.read32(KBASE + 0x0800_0040);
  assert.equal(m.cpu.mrs("FAR_EL2"), BigInt.asUintN(64, BigInt(KBASE + 0x0800_0040)));
  assert.equal(m.cpu.mrs("HPFAR_EL2"), 0x80000n);
  assert.equal(m.cpu.mrs("ESR_EL2"), BigInt(m.hyp.aborts[0].esr));
  m.cpu.msr("HPFAR_EL2", 0x1230n);
  m.cpu.msr("ESR_EL2", 5n);
  assert.equal(m.cpu.mrs("HPFAR_EL2"), 0x1230n);
  assert.equal(m.cpu.mrs("ESR_EL2"), 5n);
  m.cpu.read32(KBASE + 0x0800_1000);
  assert.equal(m.cpu.mrs("HPFAR_EL2"), 0x80010n);
  assert.equal(m.cpu.mrs("ESR_EL2"), BigInt(m.hyp.aborts[1].esr));
});
