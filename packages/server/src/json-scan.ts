/**
 * What a JSON body costs to parse, found before it is parsed. JSON.parse runs on the event loop and costs about
 * what the body holds in values, not in bytes: 16 MB of `{"image":0},` (1.4 M objects) takes ~300 ms, while 16 MB
 * of base64 inside one string takes a few. A request never needs more than a few values per item, so a body
 * with more values than the server could ever score is refused before it is parsed, from a scan that yields to
 * the event loop every `sliceBytes` (health and other requests keep being answered meanwhile).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { HttpError } from './http.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** Bytes scanned between two yields to the event loop (about a millisecond each). */
export const JSON_SCAN_SLICE_BYTES = 1024 * 1024;

/**
 * Counts the structural tokens of a JSON text (`{`, `[`, `,` and `:` outside strings: about one per value or
 * key), stopping as soon as the count passes `limit`. Strings are skipped with `indexOf` (memchr speed), so a
 * body of long base64 strings costs almost nothing. The text need not be valid JSON: JSON.parse judges that
 * afterwards. Returns the count, or `limit + 1` when it stopped early.
 */
export async function countJsonTokens(body: Uint8Array, limit: number, sliceBytes = JSON_SCAN_SLICE_BYTES): Promise<number> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = bytes.length;
  let count = 0;
  let position = 0;
  let nextYield = sliceBytes;
  while (position < length) {
    if (position >= nextYield) {
      await yieldToLoop();
      nextYield = position + sliceBytes;
    }
    const byte = bytes[position]!;
    if (byte === QUOTE) {
      // The closing quote: the next one not escaped (preceded by an even number of backslashes).
      let end = position;
      for (;;) {
        end = bytes.indexOf(QUOTE, end + 1);
        if (end < 0) return count; // unterminated: JSON.parse reports it
        if (end >= nextYield) {
          // A long run of escaped quotes is scanned in slices too.
          await yieldToLoop();
          nextYield = end + sliceBytes;
        }
        let backslashes = 0;
        while (bytes[end - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      position = end + 1;
      continue;
    }
    if (byte === COMMA || byte === COLON || byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      count++;
      if (count > limit) return count;
    }
    position++;
  }
  return count;
}

/**
 * Refuses (400 `json_too_complex`) a JSON text holding more than `limit` structural tokens, before anything
 * parses it; texts shorter than `limit` bytes cannot hold more and are not scanned.
 */
export async function refuseCostlyJson(text: Uint8Array, limit: number): Promise<void> {
  if (text.length <= limit) return;
  const count = await countJsonTokens(text, limit);
  if (count > limit) {
    throw new HttpError(
      400,
      'json_too_complex',
      `request body holds more than ${limit} JSON values and keys: more than any request this server accepts needs (it was not parsed)`,
      {},
      { maxJsonTokens: limit },
    );
  }
}

/** Most structural tokens a request body may hold by default, for a server scoring at most `maxItems` items per request. */
export function defaultMaxJsonTokens(maxItems: number): number {
  return Math.max(65_536, maxItems * 1024);
}
