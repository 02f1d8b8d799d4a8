/**
 * Base64 (and gzip) payloads inside JSON envelopes: CloudWatch Logs subscription data (`awslogs.data`,
 * Firehose `records[].data`, Kinesis `Records[].kinesis.data`: base64 of gzip), Pub/Sub push `message.data`
 * (base64). Decompression is capped: a gzip bomb is rejected once the output passes the cap, it never
 * exhausts memory.
 */
import { gunzipSync } from 'node:zlib';

/** Cap on the decompressed size of one payload. CloudWatch/Firehose payloads are at most a few MB. */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Cap on the encoded size accepted before decoding (base64 of the cap, with room). */
const MAX_ENCODED_CHARS = 96 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export type Payload = { ok: true; text: string; gzip: boolean } | { ok: false; reason: string };

/** Decodes a base64 string, gunzips it when it starts with the gzip magic bytes, and returns it as UTF-8 text. */
export function decodePayload(data: string, maxBytes = MAX_DECOMPRESSED_BYTES): Payload {
  if (data.length > MAX_ENCODED_CHARS) return { ok: false, reason: `base64 payload longer than ${MAX_ENCODED_CHARS} characters` };
  const compact = /\s/.test(data) ? data.replace(/\s+/g, '') : data;
  if (compact.length === 0) return { ok: false, reason: 'empty base64 payload' };
  if (!BASE64.test(compact) || compact.length % 4 === 1) return { ok: false, reason: 'payload is not valid base64' };
  const buf = Buffer.from(compact, 'base64');
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const g = gunzipCapped(buf, maxBytes);
    return g.ok ? { ok: true, text: g.text, gzip: true } : g;
  }
  if (buf.length > maxBytes) return { ok: false, reason: `payload larger than ${maxBytes} bytes` };
  return { ok: true, text: buf.toString('utf8'), gzip: false };
}

export function gunzipCapped(buf: Buffer, maxBytes = MAX_DECOMPRESSED_BYTES): { ok: true; text: string } | { ok: false; reason: string } {
  try {
    return { ok: true, text: gunzipSync(buf, { maxOutputLength: maxBytes }).toString('utf8') };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      return { ok: false, reason: `gzip payload larger than ${maxBytes} bytes once decompressed (possible gzip bomb)` };
    }
    if (code === 'Z_BUF_ERROR') return { ok: false, reason: 'gzip payload is truncated' };
    return { ok: false, reason: 'gzip payload is corrupt' };
  }
}
