// Benchmarks of dom0 on the real CPU model: a 1 MiB memcpy_toio into SRAM (target ≤ 50 ms),
// the same through memcpy on a WB mapping, and a whole dom0 boot with the default workload.
//   deno bench --allow-read dom0/memcpy_toio_bench.ts
import { sampleMachine } from "../arch/arm64/sample_machine.ts";
import { Sram } from "../drivers/sram.ts";
import { KernelCpu } from "./access.ts";
import { memcpy_toio } from "./io.ts";
import { memcpy } from "./memcpy.ts";
import { bootLinux } from "./boot.ts";
import { realMachine } from "../tests/fixtures/dom0/real_machine.ts";

const MIB = 1024 * 1024;
const SRAM_PA = 0xbff00000;
// A linear-map buffer, and a second mapping of it exactly 16 MiB below the ioremap area: with
// a direct-mapped TLB those source and destination pages evicted each other on every access
// (~10x slower); the 4-way TLB keeps both.
const SRC_VA = -0x1000000000000 + 0x1800000;
const DEV_VA = -0x7ffff5000000; // an ioremap area
const WB_VA = -0x7fffe0000000; // a memremap(WB) area
const SRC16_VA = DEV_VA - 0x1000000; // congruent with DEV_VA modulo 16 MiB

const m = sampleMachine({ ramBase: 0x40000000, ramSize: 0x10000000 });
m.bus.attach(SRAM_PA, new Sram(MIB, { name: "/sram@bff00000" }));
m.mapS2(SRAM_PA, SRAM_PA, MIB, "p2m_mmio_direct_c");
m.mapS1(SRC_VA, 0x41000000, MIB, "PAGE_KERNEL");
m.mapS1(SRC16_VA, 0x41000000, MIB, "PAGE_KERNEL");
for (let i = 0; i < MIB; i += 8) m.bus.write64(0x41000000 + i, BigInt(i + 1)); // real source pages
m.mapS1(DEV_VA, SRAM_PA, MIB, "PROT_DEVICE_nGnRE");
m.mapS1(WB_VA, SRAM_PA, MIB, "PAGE_KERNEL");
const k = new KernelCpu(m.cpu);

Deno.bench("memcpy_toio() of 1 MiB into SRAM mapped Device-nGnRE (ioremap)", () => {
  memcpy_toio(k, DEV_VA, SRC_VA, MIB);
});

Deno.bench("memcpy_toio() of 1 MiB, source 16 MiB below the destination (same TLB set)", () => {
  memcpy_toio(k, DEV_VA, SRC16_VA, MIB);
});

Deno.bench("memcpy() of 1 MiB into SRAM mapped Normal WB (memremap)", () => {
  memcpy(k, WB_VA, SRC_VA, MIB);
});

Deno.bench("bootLinux() on QEMU virt + SRAM (golden dom0.dtb), default workload", () => {
  const rm = realMachine();
  bootLinux(rm.cpus, rm.entry);
});
