// Texts for the native embedder: validation of a string array, and packing it into one
// UTF-8 buffer plus Int32Array offsets [n + 1] (text i is bytes[offsets[i], offsets[i+1])),
// so a batch crosses N-API as two typed arrays instead of n JS strings.

import { TaskrouteError } from '../errors.js';
import { invalidParameter } from '../validate.js';

export interface PackedTexts {
  bytes: Uint8Array;
  offsets: Int32Array;
  n: number;
}

/** Checks that `texts` is an array of strings (naming the first bad element). */
export function assertTexts(name: string, texts: unknown): string[] {
  if (!Array.isArray(texts)) throw invalidParameter(name, 'an array of strings', texts);
  for (let i = 0; i < texts.length; i++)
    if (typeof texts[i] !== 'string') throw invalidParameter(`${name}[${i}]`, 'a string', texts[i]);
  return texts as string[];
}

const MAX_BYTES = 2 ** 31 - 1;

/**
 * Packs texts[begin, end) as UTF-8. Lone surrogates become U+FFFD (as Buffer does), each
 * text encoded on its own so a surrogate pair is never formed across two texts.
 */
export function packTexts(texts: readonly string[], begin = 0, end = texts.length): PackedTexts {
  const n = end - begin;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += Buffer.byteLength(texts[begin + i], 'utf8');
    if (total > MAX_BYTES)
      throw new TaskrouteError('ERR_TASKROUTE_INVALID_ARG', `the texts of one batch exceed 2 GiB of UTF-8 (at text ${begin + i}); pass fewer at a time`);
    offsets[i + 1] = total;
  }
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < n; i++) {
    const s = texts[begin + i];
    if (s.length === 0) continue;
    const written = bytes.write(s, offsets[i], 'utf8');
    if (written !== offsets[i + 1] - offsets[i])
      throw new TaskrouteError('ERR_TASKROUTE_INTERNAL', `UTF-8 size of text ${begin + i} changed while packing (${written} vs ${offsets[i + 1] - offsets[i]} bytes)`);
  }
  return { bytes, offsets, n };
}
