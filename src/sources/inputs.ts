/**
 * Turns the paths a user names into byte streams: files, folders (recursive,
 * in sorted order so runs are repeatable), gzip (by its magic bytes, whatever
 * the name) and `-` for standard input. Knows bytes and places, not formats.
 */
import { createReadStream, promises as fs, readSync } from 'node:fs';
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
/**
 * In a folder, files whose name says they are no log (documentation, tables, code, images, archives a
 * scan cannot read): listed in `skipped`, not read. A file named on the command line is always read.
 */
const NOT_LOGS = new Set([
  'md', 'rst', 'adoc', 'html', 'htm', 'pdf', 'csv', 'tsv', 'xls', 'xlsx', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'conf',
  'py', 'sh', 'js', 'mjs', 'cjs', 'ts', 'go', 'rb', 'java', 'c', 'h', 'rs', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico',
  'zip', 'tar', 'tgz', '7z', 'xz', 'bz2', 'zst', 'sig', 'asc', 'sha256', 'md5', 'lock',
]);

/** Is the name one of a file that holds no log (NOT_LOGS, a `.gz` suffix looked through)? */
export function notLogByName(name: string): boolean {
  const base = name.toLowerCase().replace(/\.gz$/, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 && NOT_LOGS.has(base.slice(dot + 1));
}

/**
 * Expands paths into input files; a missing path is an InputError. Files in folders that are no logs by
 * their name are left out, and added to `skipped` when given.
 */
export async function expandInputs(paths: string[], skipped?: string[]): Promise<InputFile[]> {
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
    if (st.isDirectory()) await walk(p, out, skipped);
    else out.push({ name: p, size: st.size });
  }
  return out;
}

async function walk(dir: string, out: InputFile[], skipped: string[] | undefined): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || SKIP_NAMES.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out, skipped);
    else if (e.isFile() && notLogByName(e.name)) skipped?.push(p);
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

/** Does the file open at `fd` start with the gzip magic bytes? */
export function gzipMagicAt(fd: number): boolean {
  const b = Buffer.alloc(2);
  return readSync(fd, b, 0, 2, 0) === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

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

/**
 * A regular file that is not gzip, read in HIGH_WATER chunks (the stream's
 * boundaries) into two buffers in turn: the next chunk is read while the
 * consumer works on this one. Null for anything else.
 */
async function openPlain(name: string): Promise<OpenedInput | null> {
  const fh = await fs.open(name, 'r');
  let handed = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return null;
    const bufs = [Buffer.allocUnsafeSlow(HIGH_WATER), Buffer.allocUnsafeSlow(HIGH_WATER)];
    const head = await fh.read(bufs[0]!, 0, 2, 0);
    if (head.bytesRead >= 2 && bufs[0]![0] === 0x1f && bufs[0]![1] === 0x8b) return null;
    // fill the whole chunk (a short read is not the end), so chunks start at multiples of HIGH_WATER
    const fill = async (buf: Buffer, at: number): Promise<number> => {
      let n = 0;
      while (n < HIGH_WATER) {
        const r = await fh.read(buf, n, HIGH_WATER - n, at + n);
        if (r.bytesRead === 0) break;
        n += r.bytesRead;
      }
      return n;
    };
    let read = 0;
    handed = true;
    return {
      stream: (async function* chunks() {
        let i = 0;
        let pending: Promise<number> = fill(bufs[0]!, 0);
        try {
          for (;;) {
            const n = await pending;
            if (n === 0) return;
            const b = bufs[i]!;
            read += n;
            const more = n === HIGH_WATER;
            if (more) {
              i ^= 1;
              pending = fill(bufs[i]!, read);
              pending.catch(() => 0); // awaited on the next turn; a consumer that stops early leaves it
            }
            yield b.subarray(0, n);
            if (!more) return;
          }
        } finally {
          await pending.catch(() => 0);
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
