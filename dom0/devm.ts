/**
 * Managed resource helpers drivers use (lib/devres.c, kernel/resource.c `__devm_request_region`,
 * drivers/of/address.c `of_iomap`), with Linux 6.1's messages:
 * `devm_ioremap_resource` / `devm_ioremap_resource_wc` request the region under the name
 * "`<dev_name> <res->name>`" ("can't request region for resource %pR" → -EBUSY), then map it
 * (`ioremap`, `ioremap_wc`, or `ioremap_np` when the bus is `nonposted-mmio`; "ioremap failed
 * for resource %pR" → -ENOMEM). A missing resource is "invalid resource (null)" → -EINVAL.
 *
 * @module
 */

import type { VA } from "../arch/arm64/port.ts";
import type { Kernel } from "./kernel.ts";
import { ioremap, ioremap_np, ioremap_wc } from "./ioremap.ts";
import { dev_err, type Device, devres, EBUSY, EINVAL, ENOMEM } from "./platform.ts";
import type { Resource } from "./resource.ts";

/** A VA, or a negative errno (`IS_ERR`). */
export type IomemOrErr = { ok: true; va: VA } | { ok: false; err: number };

/** `devm_request_mem_region(dev, start, n, name)`: the resource or null. */
export function devm_request_mem_region(
  kern: Kernel,
  dev: Device,
  start: number,
  n: number,
  name: string,
): Resource | null {
  const r = kern.iomem.requestRegion(start, n, name);
  if (r) devres(dev).regions.push(r);
  return r;
}

function owner(dev: Device, driver: string) {
  return { driver, node: dev.node.path, device: dev.name };
}

function nonposted(dev: Device): boolean {
  return !!dev.node.parent?.has("nonposted-mmio");
}

/** `__devm_ioremap_resource(dev, res, type)`. */
function devmIoremapResource(
  kern: Kernel,
  dev: Device,
  res: Resource | undefined,
  wc: boolean,
): IomemOrErr {
  const drv = dev.driver?.name ?? dev.bus;
  if (!res) {
    dev_err(kern, dev, "invalid resource (null)");
    return { ok: false, err: EINVAL };
  }
  const pretty = `${dev.name} ${res.name}`;
  const region = devm_request_mem_region(kern, dev, res.start, res.size, pretty);
  if (!region) {
    dev_err(kern, dev, `can't request region for resource ${res}`);
    return { ok: false, err: EBUSY };
  }
  const map = wc ? ioremap_wc : nonposted(dev) ? ioremap_np : ioremap;
  const va = map(kern, res.start, res.size, owner(dev, drv));
  if (!va) {
    dev_err(kern, dev, `ioremap failed for resource ${res}`);
    kern.iomem.release(region);
    devres(dev).regions.pop();
    return { ok: false, err: ENOMEM };
  }
  devres(dev).maps.push(va);
  return { ok: true, va };
}

/** `devm_ioremap_resource(dev, res)`: Device-nGnRE (nGnRnE on a `nonposted-mmio` bus). */
export function devm_ioremap_resource(
  kern: Kernel,
  dev: Device,
  res: Resource | undefined,
): IomemOrErr {
  return devmIoremapResource(kern, dev, res, false);
}

/** `devm_ioremap_resource_wc(dev, res)`: Normal non-cacheable. */
export function devm_ioremap_resource_wc(
  kern: Kernel,
  dev: Device,
  res: Resource | undefined,
): IomemOrErr {
  return devmIoremapResource(kern, dev, res, true);
}

/** `devm_ioremap(dev, start, size)` (no region request). */
export function devm_ioremap(kern: Kernel, dev: Device, start: number, size: number): VA {
  const va = ioremap(kern, start, size, owner(dev, dev.driver?.name ?? dev.bus));
  if (va) devres(dev).maps.push(va);
  return va;
}
