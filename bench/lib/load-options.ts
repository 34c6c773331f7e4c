import { readFileSync } from 'node:fs';

/**
 * A load generator's options: the file bench/lib/run-load.ts wrote for it (or, typed by hand, the JSON itself).
 * The generators run as their own processes and read nothing else of the bench.
 */
export function readLoadOptions<T>(arg: string | undefined): T {
  if (!arg) throw new Error('usage: <options.json file or JSON>');
  return JSON.parse(arg.trimStart().startsWith('{') ? arg : readFileSync(arg, 'utf8')) as T;
}
