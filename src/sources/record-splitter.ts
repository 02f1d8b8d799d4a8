/**
 * Splits a byte stream into JSON records with their places, without knowing
 * any log format. Shapes handled:
 *  - JSON lines (the log backend's output): the fast path, one indexOf per line;
 *  - multi-line documents (pretty-printed Events, EventList files): scanned
 *    structurally; a top-level array is emitted element by element so a huge
 *    array never sits in memory whole;
 *  - an object that outgrows `explodeBytes` while inside one of its top-level
 *    arrays (an EventList's `items`, `records`, `logEvents`): its elements are
 *    emitted one by one, each wrapped in a copy of the object's head
 *    (`{"kind":"EventList",...,"items":[` + element + `]}`), so decoding stays
 *    format-blind and memory stays flat. Members after that array are not seen.
 * Anything that is not JSON (garbage, a timestamp prefix) is handed on as a
 * line, so the decoder reports it with its place instead of it vanishing here.
 */
import type { Place } from '../event/types.js';

export interface SplitRecord {
  text: string;
  place: Place;
}

export interface SplitterOptions {
  file: string;
  /** Objects larger than this are exploded into their array elements (default 16 MiB). */
  explodeBytes?: number;
  /** Cap for one record that cannot be exploded (default 256 MiB); larger ones are reported and skipped. */
  maxRecordBytes?: number;
  /**
   * Fast-path hook: called with each complete single-line JSON record before it
   * becomes a string (`offset`: the input offset of `start`, `line` its line
   * number). Returning false means the hook dealt with it (skipped it, or kept
   * its place to read it later): it never becomes a record here.
   */
  lineFilter?: (buf: Buffer, start: number, end: number, offset: number, line: number) => boolean;
  /**
   * Split a part of an input that starts at this byte offset, at the start of a
   * line, outside any record (default 0: the whole input, byte-order mark first).
   */
  startOffset?: number;
  /** the number of that line (default 1) */
  startLine?: number;
}

export interface SplitterSink {
  record(r: SplitRecord): void;
  /** A stretch of input that could not be made into a record (too big, cut off). */
  problem(place: Place, reason: string): void;
}

const BOM = [0xef, 0xbb, 0xbf];
const NL = 0x0a;
const CR = 0x0d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === NL || c === CR;

type Mode = 'object' | 'array' | 'explode' | 'discard';

/** A multi-line document being scanned. Depth counts open brackets; 1 = inside the top level. */
interface Doc {
  mode: Mode;
  depth: number;
  inString: boolean;
  escaped: boolean;
  startLine: number;
  startOffset: number;
  /** the first line had content beyond an opening bracket: a cut compact record, resync on a new one */
  compact: boolean;
  /** object mode: bytes since the head */
  parts: Buffer[];
  bytes: number;
  /** object mode: everything up to and including the latest top-level `[` */
  head: string;
  headLine: number;
  /** inside that top-level array right now */
  inTopArray: boolean;
  /** depth at which elements of the streamed array live (array: 1, explode: 2) */
  elemDepth: number;
  elem: Buffer[] | null;
  elemBytes: number;
  elemStart: number; // index in the current buffer, -1 when the element began in an earlier buffer
  elemScalar: boolean;
  elemLine: number;
  index: number;
}

export class RecordSplitter {
  private readonly file: string;
  private readonly explodeBytes: number;
  private readonly maxRecordBytes: number;
  private readonly lineFilter?: SplitterOptions['lineFilter'];
  private readonly sink: SplitterSink;

  /** line and byte offset of the next unread byte */
  private line = 1;
  private offset = 0;
  private first = true;
  private bomProbe: Buffer | null = null;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private doc: Doc | null = null;
  /** where the current scan began in its buffer */
  private scanStart = 0;
  /** lines the line filter dealt with */
  filtered = 0;

  constructor(opts: SplitterOptions, sink: SplitterSink) {
    this.file = opts.file;
    this.explodeBytes = opts.explodeBytes ?? 16 * 1024 * 1024;
    this.maxRecordBytes = opts.maxRecordBytes ?? 256 * 1024 * 1024;
    this.lineFilter = opts.lineFilter;
    this.sink = sink;
    if (opts.startOffset) {
      this.offset = opts.startOffset;
      this.first = false;
    }
    if (opts.startLine !== undefined) this.line = opts.startLine;
  }

  /** Between records: nothing carried over, no document open (so the next byte may start a split of its own). */
  get idle(): boolean {
    return this.doc === null && this.carryBytes === 0 && this.bomProbe === null;
  }

  /** Line number and input offset of the next unread byte. */
  get position(): { line: number; offset: number } {
    return { line: this.line, offset: this.offset };
  }

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.first) {
      // a UTF-8 byte-order mark may arrive split over tiny chunks: wait for three bytes
      if (this.bomProbe) buf = Buffer.concat([this.bomProbe, buf]);
      if (buf.length < 3 && buf.every((b, i) => b === BOM[i])) {
        this.bomProbe = Buffer.from(buf);
        return;
      }
      this.first = false;
      this.bomProbe = null;
      if (buf.length >= 3 && buf[0] === BOM[0] && buf[1] === BOM[1] && buf[2] === BOM[2]) {
        buf = buf.subarray(3);
        this.offset += 3;
      }
    }
    let pos = 0;
    if (this.carryBytes > 0) {
      const nl = buf.indexOf(NL);
      if (nl < 0 && this.carryBytes + buf.length <= this.explodeBytes) {
        this.carry.push(Buffer.from(buf));
        this.carryBytes += buf.length;
        return;
      }
      // complete (or too long to keep as) one line: handle the carried bytes plus this line
      const upto = nl < 0 ? buf.length : nl + 1;
      const joined = Buffer.concat([...this.carry, buf.subarray(0, upto)]);
      this.carry = [];
      this.carryBytes = 0;
      this.run(joined, 0, nl < 0);
      pos = upto;
    }
    this.run(buf, pos, false);
  }

  /** Input ended. Whatever is pending becomes a record (the decoder reports it if it is cut short). */
  end(): void {
    if (this.bomProbe) {
      const probe = this.bomProbe;
      this.bomProbe = null;
      this.first = false;
      this.run(probe, 0, false, true);
    }
    if (this.carryBytes > 0) {
      const joined = Buffer.concat(this.carry);
      this.carry = [];
      this.carryBytes = 0;
      this.run(joined, 0, false, true);
    }
    const d = this.doc;
    if (!d) return;
    this.doc = null;
    const place = { file: this.file, line: d.startLine, offset: d.startOffset };
    if (d.mode === 'object') {
      const text = d.head + Buffer.concat(d.parts).toString('utf8');
      this.sink.record({ text, place });
    } else if (d.mode === 'array' || d.mode === 'explode') {
      if (d.elem) {
        const text = Buffer.concat(d.elem).toString('utf8');
        this.sink.record({ text: d.mode === 'explode' ? d.head + text : text, place: { file: this.file, line: d.elemLine, index: d.index } });
      } else {
        this.sink.problem(place, 'JSON array cut short: the input ended before its closing bracket');
      }
    }
  }

  /**
   * Processes buf from pos. `partial` means buf holds a line too long to carry
   * whole: it is scanned structurally without waiting for its newline.
   * `final` means no more input follows (a last line without a newline).
   */
  private run(buf: Buffer, pos: number, partial: boolean, final = false): void {
    const len = buf.length;
    while (pos < len) {
      if (this.doc) {
        pos = this.scan(buf, pos);
        continue;
      }
      const nl = buf.indexOf(NL, pos);
      if (nl < 0 && !partial && !final) {
        this.carry.push(Buffer.from(buf.subarray(pos)));
        this.carryBytes += len - pos;
        return;
      }
      const end = nl < 0 ? len : nl;
      let s = pos;
      let e = end;
      while (s < e && isSpace(buf[s]!)) s++;
      while (e > s && isSpace(buf[e - 1]!)) e--;
      if (s === e) {
        this.advanceLine(end - pos, nl >= 0);
        pos = end + 1;
        continue;
      }
      const c0 = buf[s]!;
      const cl = buf[e - 1]!;
      const opens = c0 === LBRACE || c0 === LBRACKET;
      const closes = cl === RBRACE || cl === RBRACKET;
      if (opens && (!closes || nl < 0 && partial || (c0 === LBRACKET && e - s > this.explodeBytes))) {
        // a document spanning lines, a cut line, or a line too big to hold: scan it structurally
        this.offset += s - pos;
        this.doc = this.newDoc(c0, e - s > 1 && !(nl < 0 && partial));
        pos = s;
        continue;
      }
      if (!opens || !this.lineFilter || this.lineFilter(buf, s, e, this.offset + (s - pos), this.line)) {
        this.sink.record({ text: buf.toString('utf8', s, e), place: { file: this.file, line: this.line, offset: this.offset + (s - pos) } });
      } else this.filtered++;
      this.advanceLine(end - pos, nl >= 0);
      pos = end + 1;
    }
  }

  private advanceLine(bytes: number, hadNewline: boolean): void {
    this.offset += bytes + (hadNewline ? 1 : 0);
    if (hadNewline) this.line++;
  }

  private newDoc(c0: number, compact: boolean): Doc {
    const array = c0 === LBRACKET;
    return {
      mode: array ? 'array' : 'object',
      depth: 0,
      inString: false,
      escaped: false,
      startLine: this.line,
      startOffset: this.offset,
      compact: compact && !array,
      parts: [],
      bytes: 0,
      head: '',
      headLine: this.line,
      inTopArray: false,
      elemDepth: 1,
      elem: null,
      elemBytes: 0,
      elemStart: -1,
      elemScalar: false,
      elemLine: this.line,
      index: 0,
    };
  }

  /** Structural scan of the current document from buf[pos]; returns where scanning stopped. */
  private scan(buf: Buffer, pos: number): number {
    const d = this.doc!;
    const len = buf.length;
    this.scanStart = pos;
    let seg = pos; // object mode: first byte of this buffer not yet stored
    let i = pos;
    for (; i < len; i++) {
      const c = buf[i]!;
      if (c === NL) {
        this.line++;
        // JSON strings cannot hold a raw newline: the record was cut inside a string
        const cutInString = d.inString;
        if (cutInString || (d.compact && i + 1 < len && buf[i + 1] === LBRACE && d.mode === 'object')) {
          // a compact record cut short, and a new one starts at column 0: resync there
          this.sink.problem({ file: this.file, line: d.startLine, offset: d.startOffset }, 'record cut short: no closing brace before the next record');
          this.offset += i + 1 - pos;
          this.doc = null;
          return i + 1;
        }
        if (d.elem && d.elemScalar && d.depth === d.elemDepth) this.endElem(d, buf, i);
        continue;
      }
      if (d.inString) {
        if (d.escaped) d.escaped = false;
        else if (c === BACKSLASH) d.escaped = true;
        else if (c === QUOTE) d.inString = false;
        continue;
      }
      const streaming = d.mode === 'array' || d.mode === 'explode';
      if (streaming && d.depth === d.elemDepth) {
        if (d.elem === null) {
          if (!isSpace(c) && c !== COMMA && c !== RBRACKET && c !== RBRACE) this.beginElem(d, i, c !== LBRACE && c !== LBRACKET);
        } else if (d.elemScalar && (isSpace(c) || c === COMMA || c === RBRACKET)) {
          this.endElem(d, buf, i);
        }
      }
      if (c === QUOTE) {
        d.inString = true;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) {
        d.depth++;
        if (d.mode === 'object' && d.depth === 2 && c === LBRACKET) {
          // a top-level array begins: everything so far becomes the head, in case we must explode
          this.store(d, buf, seg, i + 1);
          seg = i + 1;
          d.head += Buffer.concat(d.parts).toString('utf8');
          d.parts = [];
          d.bytes = 0;
          d.inTopArray = true;
          d.headLine = this.line;
          d.index = 0;
        }
        continue;
      }
      if (c === RBRACE || c === RBRACKET) {
        d.depth--;
        if (streaming && d.elem && !d.elemScalar && d.depth === d.elemDepth) {
          this.endElem(d, buf, i + 1);
          continue;
        }
        if (d.mode === 'object' && d.depth === 1 && c === RBRACKET) d.inTopArray = false;
        if (d.mode === 'explode' && d.depth === 1) d.mode = 'discard'; // the streamed array ended
        if (d.depth === 0) {
          if (d.mode === 'object') {
            this.store(d, buf, seg, i + 1);
            const text = d.head + Buffer.concat(d.parts).toString('utf8');
            this.sink.record({ text, place: { file: this.file, line: d.startLine, offset: d.startOffset } });
          }
          this.offset += i + 1 - pos;
          this.doc = null;
          return i + 1;
        }
        continue;
      }
      if (d.depth === 0 && !isSpace(c)) {
        // not JSON structure: hand the rest of the line on as a record of its own
        const nl = buf.indexOf(NL, i);
        const end = nl < 0 ? len : nl;
        this.sink.record({ text: buf.toString('utf8', i, end), place: { file: this.file, line: this.line, offset: this.offset + (i - pos) } });
        this.offset += end - pos;
        this.doc = null;
        return end;
      }
    }
    // buffer exhausted: keep what belongs to the pending record or element
    if (d.mode === 'object') {
      this.store(d, buf, seg, len);
      if (d.inTopArray && d.bytes > this.explodeBytes) this.explode(d);
      else if (d.bytes + d.head.length > this.maxRecordBytes) {
        this.sink.problem({ file: this.file, line: d.startLine, offset: d.startOffset }, `record larger than ${this.maxRecordBytes} bytes with no array to stream; skipped`);
        d.mode = 'discard';
        d.parts = [];
        d.bytes = 0;
      }
    } else if (d.elem) {
      const from = d.elemStart >= 0 ? d.elemStart : pos;
      if (len > from) {
        d.elem.push(Buffer.from(buf.subarray(from, len)));
        d.elemBytes += len - from;
      }
      d.elemStart = -1;
      if (d.elemBytes > this.maxRecordBytes) {
        this.sink.problem({ file: this.file, line: d.elemLine, index: d.index }, `array element larger than ${this.maxRecordBytes} bytes; skipped`);
        d.elem = [];
        d.elemBytes = 0;
        d.index = -1 - d.index; // mark: drop this element when it ends
      }
    }
    this.offset += len - pos;
    return len;
  }

  private store(d: Doc, buf: Buffer, from: number, to: number): void {
    if (to > from) {
      d.parts.push(Buffer.from(buf.subarray(from, to)));
      d.bytes += to - from;
    }
  }

  private beginElem(d: Doc, i: number, scalar: boolean): void {
    d.elem = [];
    d.elemBytes = 0;
    d.elemStart = i;
    d.elemScalar = scalar;
    d.elemLine = this.line;
  }

  private endElem(d: Doc, buf: Buffer, end: number): void {
    const from = d.elemStart >= 0 ? d.elemStart : this.scanStart;
    const elem = d.elem!;
    const text = elem.length === 0 ? buf.toString('utf8', from, end) : Buffer.concat([...elem, buf.subarray(from, end)]).toString('utf8');
    d.elem = null;
    d.elemStart = -1;
    if (d.index < 0) {
      d.index = -d.index; // the oversized element was reported; go on with the next index
      return;
    }
    const place: Place = { file: this.file, line: d.elemLine, index: d.index };
    this.sink.record({ text: d.mode === 'explode' ? `${d.head}${text}]}` : text, place });
    d.index++;
  }

  /** The object outgrew explodeBytes inside a top-level array: stream that array's elements from now on. */
  private explode(d: Doc): void {
    const body = Buffer.concat(d.parts);
    d.parts = [];
    d.bytes = 0;
    d.mode = 'explode';
    d.elemDepth = 2;
    // re-split what is buffered since the array's `[` as a top-level array's content
    const saveLine = this.line;
    const saveOffset = this.offset;
    const inner = new RecordSplitter({ file: this.file, maxRecordBytes: this.maxRecordBytes, explodeBytes: Number.MAX_SAFE_INTEGER }, {
      record: (r) => {
        this.sink.record({ text: `${d.head}${r.text}]}`, place: { file: this.file, line: d.headLine + r.place.line - 1, index: d.index } });
        d.index++;
      },
      problem: (p, reason) => this.sink.problem({ ...p, line: d.headLine + p.line - 1 }, reason),
    });
    inner.first = false;
    inner.doc = inner.newDoc(LBRACKET, false);
    inner.doc.depth = 1;
    inner.scan(body, 0);
    const id = inner.doc;
    if (id && id.elem) {
      d.elem = id.elem;
      d.elemBytes = id.elemBytes;
      d.elemScalar = id.elemScalar;
      d.elemLine = d.headLine + id.elemLine - 1;
      d.elemStart = -1;
    }
    this.line = saveLine;
    this.offset = saveOffset;
  }
}
