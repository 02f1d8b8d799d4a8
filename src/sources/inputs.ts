/**
 * Turns the paths a user names into byte streams: files, folders (recursive,
 * in sorted order so runs are repeatable), gzip (by its magic bytes, whatever
 * the name) and `-` for standard input. Knows bytes and places, not formats.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

export interface InputFile {
  /** The name places refer to: the path as found, or `-`. */
  name: string;
  size?: number;
}

export class InputError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

const SKIP_NAMES = new Set(['.git', 'node_modules']);

/** Expands paths into input files; a missing path is an InputError. */
export async function expandInputs(paths: string[]): Promise<InputFile[]> {
  const out: InputFile[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ name: '-' });
      continue;
    }
    let st;
    try {
      st = await fs.stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(p, code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : String(e));
    }
    if (st.isDirectory()) await walk(p, out);
    else out.push({ name: p, size: st.size });
  }
  return out;
}

async function walk(dir: string, out: InputFile[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || SKIP_NAMES.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) {
      const st = await fs.stat(p);
      out.push({ name: p, size: st.size });
    }
  }
}

export interface OpenedInput {
  stream: AsyncIterable<Buffer>;
  gzip: boolean;
  /** compressed bytes read so far (for progress and for saying how far a corrupt file got) */
  bytesRead(): number;
}

const HIGH_WATER = 1 << 20;

export interface OpenOptions {
  /**
   * Read a plain regular file into one reused buffer: each chunk is valid only
   * until the next is asked for. For consumers that copy what they keep (the
   * record splitter does); it spares the garbage collector a fresh 1 MiB
   * buffer per chunk, which on a large file costs a full collection every few
   * dozen megabytes.
   */
  reuseBuffer?: boolean;
}

/** Opens an input, transparently gunzipping when it starts with the gzip magic bytes. */
export async function openInput(file: InputFile, stdin: Readable = process.stdin, opts: OpenOptions = {}): Promise<OpenedInput> {
  if (opts.reuseBuffer && file.name !== '-') {
    const plain = await openPlain(file.name);
    if (plain) return plain;
  }
  const raw: Readable = file.name === '-' ? stdin : createReadStream(file.name, { highWaterMark: HIGH_WATER });
  let read = 0;
  const first = await peek(raw);
  const gzip = first !== null && first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  if (first) raw.unshift(first);
  if (!gzip) {
    return {
      stream: (async function* counted() {
        for await (const chunk of raw) {
          read += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      })(),
      gzip,
      bytesRead: () => read,
    };
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  raw.on('error', (e) => gunzip.destroy(e));
  raw.pipe(gunzip);
  // counted after piping: a 'data' listener before it would start the flow early
  raw.on('data', (b: Buffer) => {
    read += b.length;
  });
  return { stream: gunzip, gzip, bytesRead: () => read };
}

function peek(r: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const onReadable = () => {
      cleanup();
      resolve(r.read() as Buffer | null);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const cleanup = () => {
      r.off('readable', onReadable);
      r.off('end', onEnd);
      r.off('error', onError);
    };
    r.once('readable', onReadable);
    r.once('end', onEnd);
    r.once('error', onError);
  });
}

/** A regular file that is not gzip, read in HIGH_WATER chunks (the stream's boundaries) into one buffer; null for anything else. */
async function openPlain(name: string): Promise<OpenedInput | null> {
  const fh = await fs.open(name, 'r');
  let handed = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return null;
    const buf = Buffer.allocUnsafeSlow(HIGH_WATER);
    const head = await fh.read(buf, 0, 2, 0);
    if (head.bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return null;
    let read = 0;
    handed = true;
    return {
      stream: (async function* chunks() {
        try {
          for (;;) {
            // fill the whole chunk (a short read is not the end), so chunks start at multiples of HIGH_WATER
            let n = 0;
            while (n < HIGH_WATER) {
              const r = await fh.read(buf, n, HIGH_WATER - n, read + n);
              if (r.bytesRead === 0) break;
              n += r.bytesRead;
            }
            if (n === 0) return;
            read += n;
            yield buf.subarray(0, n);
            if (n < HIGH_WATER) return;
          }
        } finally {
          await fh.close();
        }
      })(),
      gzip: false,
      bytesRead: () => read,
    };
  } finally {
    if (!handed) await fh.close();
  }
}
