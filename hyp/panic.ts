/**
 * Xen's `panic()`: the console block it prints, then an {@link InputError} — in this model a
 * panic is always caused by the input (the host tree, the command line, the boot modules), so
 * the CLI reports it as one line and exits 2.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { XenConsole } from "./console.ts";

/** Print Xen's panic banner for `msg` and throw an {@link InputError} at `location`. */
export function xenPanic(console: XenConsole, msg: string, location = ""): never {
  console.printk("\n****************************************\n");
  console.printk("Panic on CPU %d:\n", 0);
  console.printk("%s\n", msg);
  console.printk("****************************************\n\n");
  console.printk("Reboot in five seconds...\n");
  throw new InputError(location, `Xen panic: ${msg}`);
}
