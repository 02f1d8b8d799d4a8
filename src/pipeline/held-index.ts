/**
 * The stage judge's held requests by request key (auditID and key part, as
 * id-set.ts explains): a hash table with open addressing whose hash is the one
 * the judge already computed for the key (id-set.ts hashKey, the same FNV-1a
 * the remembered finals use), so a key is hashed once per event instead of
 * once more by a Map, and never joined into one string. Held requests come and go
 * at the rate of preliminary stages (a third of a log's lines): deleted
 * cells are marked, and the table is rebuilt when they pile up.
 */

const EMPTY = 0;
const LIVE = 1;
const DELETED = 2;

export class HeldIndex<V> {
  private keys: string[];
  private parts: string[];
  private hashes: Int32Array;
  private values: (V | undefined)[];
  private state: Uint8Array;
  private mask: number;
  /** live entries */
  size = 0;
  /** live and deleted cells */
  private used = 0;

  constructor(initial = 1024) {
    let n = 16;
    while (n < initial * 2) n *= 2;
    this.keys = new Array<string>(n).fill('');
    this.parts = new Array<string>(n).fill('');
    this.hashes = new Int32Array(n);
    this.values = new Array<V | undefined>(n).fill(undefined);
    this.state = new Uint8Array(n);
    this.mask = n - 1;
  }

  private cell(id: string, part: string, h: number): number {
    const st = this.state;
    let i = h & this.mask;
    for (;;) {
      const s = st[i]!;
      if (s === EMPTY) return -1;
      if (s === LIVE && this.hashes[i] === h && this.keys[i] === id && this.parts[i] === part) return i;
      i = (i + 1) & this.mask;
    }
  }

  get(id: string, part: string, h: number): V | undefined {
    const i = this.cell(id, part, h);
    return i < 0 ? undefined : this.values[i];
  }

  /** Adds a key that is not in the index (the judge removes it first). */
  add(id: string, part: string, h: number, v: V): void {
    const st = this.state;
    let i = h & this.mask;
    while (st[i] === LIVE) i = (i + 1) & this.mask;
    if (st[i] === EMPTY) this.used++;
    st[i] = LIVE;
    this.keys[i] = id;
    this.parts[i] = part;
    this.hashes[i] = h;
    this.values[i] = v;
    this.size++;
    if (this.used * 4 > (this.mask + 1) * 3) this.rebuild();
  }

  /** Removes the key; its value, or undefined when it was not there. */
  delete(id: string, part: string, h: number): V | undefined {
    const i = this.cell(id, part, h);
    if (i < 0) return undefined;
    const v = this.values[i];
    this.state[i] = DELETED;
    this.keys[i] = '';
    this.parts[i] = '';
    this.values[i] = undefined;
    this.size--;
    return v;
  }

  /** Re-inserts the live entries into a table sized for them (twice as large when they fill half of it). */
  private rebuild(): void {
    const n0 = this.mask + 1;
    const n = this.size * 4 > n0 ? n0 * 2 : n0;
    const keys = this.keys;
    const parts = this.parts;
    const hashes = this.hashes;
    const values = this.values;
    const state = this.state;
    this.keys = new Array<string>(n).fill('');
    this.parts = new Array<string>(n).fill('');
    this.hashes = new Int32Array(n);
    this.values = new Array<V | undefined>(n).fill(undefined);
    this.state = new Uint8Array(n);
    this.mask = n - 1;
    this.used = 0;
    this.size = 0;
    for (let i = 0; i < n0; i++) if (state[i] === LIVE) this.add(keys[i]!, parts[i]!, hashes[i]!, values[i] as V);
  }
}
