/**
 * Exclusive monitors (ARM ARM DDI 0487 B2.9 "Synchronization and semaphores"): each PE has a
 * local monitor; the global monitor of the shared memory tracks one reservation per PE and is
 * cleared for the other PEs when any PE writes the reserved granule. The Exclusives
 * Reservation Granule is 64 bytes (CTR_EL0.ERG = 4 on Cortex-A57).
 *
 * @module
 */

/** Exclusives Reservation Granule in bytes. */
export const ERG_BYTES = 64;

/** The global monitor shared by every CPU on one bus. */
export class GlobalMonitor {
  /** Number of PEs holding a reservation (0 lets stores skip the check). */
  armed = 0;
  private readonly granule: number[] = [];

  /** Reserve the granule containing `pa` for `cpu`. */
  mark(cpu: number, pa: number): void {
    const g = pa - (pa % ERG_BYTES);
    if (this.granule[cpu] === undefined || Number.isNaN(this.granule[cpu])) this.armed++;
    this.granule[cpu] = g;
  }

  /** Whether `cpu` still holds a reservation on the granule containing `pa`. */
  holds(cpu: number, pa: number): boolean {
    return this.granule[cpu] === pa - (pa % ERG_BYTES);
  }

  /** Drop `cpu`'s reservation. */
  clear(cpu: number): void {
    const g = this.granule[cpu];
    if (g !== undefined && !Number.isNaN(g)) {
      this.granule[cpu] = NaN;
      this.armed--;
    }
  }

  /** A store by `cpu` to [pa, pa+size) clears the other PEs' reservations on those granules. */
  onStore(cpu: number, pa: number, size: number): void {
    const first = pa - (pa % ERG_BYTES);
    const last = pa + size - 1 - ((pa + size - 1) % ERG_BYTES);
    for (let i = 0; i < this.granule.length; i++) {
      const g = this.granule[i];
      if (i !== cpu && g >= first && g <= last) this.clear(i);
    }
  }
}
