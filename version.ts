/** dom0sim's version, printed by `--version` and in reports. */
export const VERSION = "0.1.0";

/** The Xen release the model's default behaviour follows. */
export const XEN_VERSION = "4.17";
