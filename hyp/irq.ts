/**
 * Physical interrupt descriptors as Xen 4.17 keeps them (xen/arch/arm/irq.c): the configured
 * trigger type per IRQ (`irq_set_type`/`irq_set_spi_type`), who owns it (Xen's own handlers, or a
 * guest and its vIRQ: `route_irq_to_guest`), and the checks that refuse sharing.
 *
 * @module
 */

/** `NR_LOCAL_IRQS`. */
export const NR_LOCAL_IRQS = 32;
/** `IRQ_TYPE_SENSE_MASK`. */
export const IRQ_TYPE_SENSE_MASK = 0xf;
/** `IRQ_TYPE_INVALID`. */
const IRQ_TYPE_INVALID = -1;

/** Owner of a physical IRQ. */
export type IrqOwner = { kind: "xen"; what: string } | {
  kind: "guest";
  domid: number;
  virq: number;
};

/** The IRQ descriptor table. */
export class IrqTable {
  private readonly type = new Map<number, number>();
  private readonly owner = new Map<number, IrqOwner>();
  /** `gic_number_lines()`. */
  readonly lines: number;
  /** Messages the routines print (XENLOG_G_ERR lines), consumed by the caller. */
  readonly messages: string[] = [];

  /** A table for a GIC with `lines` interrupt IDs. */
  constructor(lines: number) {
    this.lines = lines;
  }

  /** The owner of `irq`, if any. */
  ownerOf(irq: number): IrqOwner | undefined {
    return this.owner.get(irq);
  }

  /** Xen takes an IRQ for itself (`request_irq`). */
  claimForXen(irq: number, what: string): void {
    this.owner.set(irq, { kind: "xen", what });
  }

  /**
   * `irq_set_spi_type` / `irq_local_set_type`: 0, or -EBUSY when the IRQ already has another
   * type (`irq_validate_new_type`: the first type configured wins, whoever uses the IRQ — so a
   * tree that gives one SPI two trigger types, e.g. a PCIe bridge's "legacy" SPI level-high and
   * its legacy interrupt controller child's edge-rising, makes Xen 4.17 refuse the second).
   */
  setType(irq: number, type: number, by?: string): number {
    const t = type & IRQ_TYPE_SENSE_MASK;
    const cur = this.type.get(irq) ?? IRQ_TYPE_INVALID;
    if (cur === t) return 0;
    if (cur !== IRQ_TYPE_INVALID) {
      this.lastRefusal = { irq, was: cur, wanted: t };
      return -16;
    }
    this.type.set(irq, t);
    if (by !== undefined) this.setBy.set(irq, by);
    return 0;
  }

  /** Who first configured each IRQ's type, when {@link setType} was told (for messages). */
  readonly setBy: Map<number, string> = new Map();

  /** The last type change {@link setType} refused (for explaining the panic that follows). */
  lastRefusal: { irq: number; was: number; wanted: number } | null = null;

  /** The configured type, or -1. */
  typeOf(irq: number): number {
    return this.type.get(irq) ?? IRQ_TYPE_INVALID;
  }

  /**
   * `route_irq_to_guest(d, virq, irq)`: 0 or a negative errno, with Xen's messages.
   * `numIrqs` is `vgic_num_irqs(d)`.
   */
  route(domid: number, numIrqs: number, virq: number, irq: number): number {
    if (virq >= numIrqs) {
      this.messages.push(
        `the vIRQ number ${irq} is too high for domain ${domid} (max = ${numIrqs})`,
      );
      return -22;
    }
    if (virq < NR_LOCAL_IRQS) {
      this.messages.push("IRQ can only be routed to an SPI");
      return -22;
    }
    if (irq < NR_LOCAL_IRQS || irq >= this.lines) {
      this.messages.push(`the IRQ${irq} is not routable`);
      return -22;
    }
    if (this.typeOf(irq) === IRQ_TYPE_INVALID) {
      this.messages.push(`IRQ ${irq} has not been configured`);
      return -5;
    }
    const o = this.owner.get(irq);
    if (o) {
      if (o.kind === "guest") {
        if (o.domid !== domid) {
          this.messages.push(`IRQ ${irq} is already used by domain ${o.domid}`);
          return -16;
        }
        if (o.virq !== virq) {
          this.messages.push(`d${domid}: IRQ ${irq} is already assigned to vIRQ ${o.virq}`);
          return -16;
        }
        return 0;
      }
      this.messages.push(`IRQ ${irq} is already used by Xen`);
      return -16;
    }
    this.owner.set(irq, { kind: "guest", domid, virq });
    return 0;
  }

  /** `release_guest_irq`: drop a guest's routing. */
  release(domid: number, irq: number): void {
    const o = this.owner.get(irq);
    if (o && o.kind === "guest" && o.domid === domid) this.owner.delete(irq);
  }
}
