/**
 * A lint finding: the rule, its severity, the node, what was found, why it matters and the fix.
 *
 * @module
 */

import type { RuleId, Severity } from "./lint_rules.ts";

/** One finding of `dom0sim lint`. */
export interface Finding {
  /** The rule (see `LINT_RULES`). */
  rule: RuleId;
  /** Severity. */
  severity: Severity;
  /** The node the finding is about (`/` for the board). */
  node: string;
  /** What was found, one sentence. */
  message: string;
  /** Why it matters on this board. */
  why: string;
  /** The change that avoids it. */
  fix: string;
  /** The policy the finding holds under (model-based rules that depend on the policy). */
  policy?: string;
  /** Other nodes involved (the neighbour, the overlapping node). */
  related?: string[];
  /** The first address involved, as `0x…`. */
  address?: string;
  /** What the model observed (a fault's syndromes, the effective type), when it ran. */
  evidence?: string;
}

/** `0x…` for a bigint or number address. */
export function hexAddr(v: bigint | number): string {
  return "0x" + v.toString(16);
}
