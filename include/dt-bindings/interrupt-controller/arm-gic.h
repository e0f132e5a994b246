/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * dom0sim's own copy of the ARM GIC binding ABI: the first cell of a GIC interrupt specifier
 * (0 = SPI, 1 = PPI) and the PPI CPU-mask field (bits [15:8] of the third cell). Values:
 * Documentation/devicetree/bindings/interrupt-controller/arm,gic.yaml.
 */
#ifndef DOM0SIM_DT_BINDINGS_ARM_GIC_H
#define DOM0SIM_DT_BINDINGS_ARM_GIC_H

#include <dt-bindings/interrupt-controller/irq.h>

#define GIC_SPI 0
#define GIC_PPI 1

#define GIC_CPU_MASK_RAW(x) ((x) << 8)
#define GIC_CPU_MASK_SIMPLE(num) GIC_CPU_MASK_RAW((1 << (num)) - 1)

#endif
