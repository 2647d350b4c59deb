import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';

/**
 * Bounds how far V8 lets the old generation grow past what the last full collection kept. On a
 * machine with gigabytes free V8 allows fourfold, and the slices' records, promoted while their
 * transaction runs and dead soon after, pile up until it collects: a 400,000-message drain peaked at
 * about 510 MiB with about 100 MiB live. At 150% the same drain peaked at 370 to 390 MiB for no
 * CPU that the bench could tell from its noise; at 100% the collections began to cost it
 * (docs/PERFORMANCE.md). The flag is read at each collection, so setting it at boot takes effect.
 * A value given on node's own command line wins; 0 leaves V8's default.
 * @returns what applies, for the boot log
 */
export function applyHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): string {
  // V8 takes its flags with dashes or underscores.
  const given = execArgv.find((argument) => argument.replaceAll('_', '-').startsWith(FLAG));
  if (given !== undefined) return `heap growth as node was started: ${given}`;
  if (percent === 0) return 'heap growth left to V8 (HEAP_GROWING_PERCENT=0)';
  setFlagsFromString(`${FLAG}=${percent}`);
  return `heap grows at most ${percent}% past what each full collection keeps (HEAP_GROWING_PERCENT)`;
}
