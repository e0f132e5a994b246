/**
 * Xen's `panic()`: the console block it prints, then an {@link InputError} — in this model a
 * panic is always caused by the input (the host tree, the command line, the boot modules), so
 * the CLI reports it as one line and exits 2. When the line Xen printed just before the panic is
 * an error (`XENLOG_ERR`, e.g. `Unable to map IRQ...` before `Could not set up DOM0 guest OS`),
 * the one-line error carries it too, since that line is the reason a user needs.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { XenConsole } from "./console.ts";

/** Print Xen's panic banner for `msg` and throw an {@link InputError} at `location`. */
export function xenPanic(console: XenConsole, msg: string, location = ""): never {
  const prev = console.events.length > 0 ? console.events[console.events.length - 1] : undefined;
  const reason = prev && prev.level === 0 && !prev.guest && prev.fromGuest === undefined &&
      !prev.addition && prev.text.trim() !== ""
    ? prev.text.trim()
    : "";
  console.printk("\n****************************************\n");
  console.printk("Panic on CPU %d:\n", 0);
  console.printk("%s\n", msg);
  console.printk("****************************************\n\n");
  console.printk("Reboot in five seconds...\n");
  throw new InputError(location, `Xen panic: ${msg}${reason ? ` (${reason})` : ""}`);
}
