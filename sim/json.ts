/**
 * The `--json` object of `dom0sim boot` (schema: docs/JSON.md): the summary plus the consoles,
 * what the firmware stage did, and dom0's view (command line, `/proc/iomem`, devices).
 *
 * @module
 */

import type { BootRun } from "./boot.ts";
import type { BootSummary } from "./summary.ts";

/** The JSON document of one boot. */
export interface BootJson extends BootSummary {
  /** Schema version of this object. */
  schema: 1;
  /** The consoles. */
  console: {
    /** The serial line as it scrolls by (Xen's `(XEN)` lines and dom0's console). */
    serial: string[];
    /** Xen's lines as printed, without the `(XEN) ` prefix. */
    xen: string[];
    /** dom0's console lines. */
    dom0: string[];
  };
  /** What the firmware stage placed in RAM before Xen ran. */
  firmware: BootRun["firmware"];
  /** dom0's view. */
  dom0: {
    /** Kernel command line. */
    cmdline: string;
    /** `Machine model`. */
    model: string;
    /** Xen version found in /hypervisor. */
    xenVersion: string | null;
    /** CPUs online. */
    cpusOnline: number;
    /** `/proc/iomem` when init started. */
    iomem: string;
    /** Platform devices and drivers. */
    devices: BootRun["dom0"]["devices"];
    /** Simulated time at the end, in ns. */
    simTimeNs: number;
  };
}

/** Build the JSON document (every number is a plain JSON number; addresses stay below 2^53). */
export function bootJson(run: BootRun, s: BootSummary): BootJson {
  const xenEvents = run.xen.console.events.filter((e) => e.printed && e.fromGuest === undefined);
  return {
    schema: 1,
    ...s,
    console: {
      serial: run.serial,
      xen: xenEvents.map((e) => e.text),
      dom0: run.dom0.console,
    },
    firmware: run.firmware,
    dom0: {
      cmdline: run.dom0.cmdline,
      model: run.dom0.model,
      xenVersion: run.dom0.xenVersion,
      cpusOnline: run.dom0.cpusOnline,
      iomem: run.dom0.iomem,
      devices: run.dom0.devices,
      simTimeNs: run.dom0.simTimeNs,
    },
  };
}
