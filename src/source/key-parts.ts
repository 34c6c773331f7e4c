import { parseIntercomTimeSeconds } from './time';

/**
 * Building blocks of dedupe keys (see dedupe-key.ts): a key names a fact by its parts, and is
 * null unless every part is present, since a partial key could merge unrelated facts.
 */
export function joinKey(...parts: Array<string | undefined>): string | null {
  return parts.every((p): p is string => p !== undefined && p !== '') ? parts.join(':') : null;
}

/** Whole Unix seconds as text, so an ISO webhook value and a REST integer give the same key. */
export function secondsText(value: unknown): string | undefined {
  const seconds = parseIntercomTimeSeconds(value);
  return seconds === null ? undefined : String(seconds);
}
