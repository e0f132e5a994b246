/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * dom0sim's own copy of the device-tree interrupt type ABI (the numbers every binding uses),
 * so board files with #include <dt-bindings/interrupt-controller/irq.h> compile without a
 * kernel tree. Values: Documentation/devicetree/bindings/interrupt-controller/interrupts.txt.
 */
#ifndef DOM0SIM_DT_BINDINGS_IRQ_H
#define DOM0SIM_DT_BINDINGS_IRQ_H

#define IRQ_TYPE_NONE		0
#define IRQ_TYPE_EDGE_RISING	1
#define IRQ_TYPE_EDGE_FALLING	2
#define IRQ_TYPE_EDGE_BOTH	(IRQ_TYPE_EDGE_FALLING | IRQ_TYPE_EDGE_RISING)
#define IRQ_TYPE_LEVEL_HIGH	4
#define IRQ_TYPE_LEVEL_LOW	8

#endif
