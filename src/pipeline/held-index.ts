/**
 * The stage judge's held requests by auditID: a hash table with open
 * addressing whose hash is the one the judge already computed for the id
 * (id-set.ts hashId, the same FNV-1a the remembered finals use), so an id is hashed
 * once per event instead of once more by a Map. Held requests come and go
 * at the rate of preliminary stages (a third of a log's lines): deleted
 * cells are marked, and the table is rebuilt when they pile up.
 */

const EMPTY = 0;
const LIVE = 1;
const DELETED = 2;

export class HeldIndex<V> {
  private keys: string[];
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
    this.hashes = new Int32Array(n);
    this.values = new Array<V | undefined>(n).fill(undefined);
    this.state = new Uint8Array(n);
    this.mask = n - 1;
  }

  private cell(id: string, h: number): number {
    const st = this.state;
    let i = h & this.mask;
    for (;;) {
      const s = st[i]!;
      if (s === EMPTY) return -1;
      if (s === LIVE && this.hashes[i] === h && this.keys[i] === id) return i;
      i = (i + 1) & this.mask;
    }
  }

  get(id: string, h: number): V | undefined {
    const i = this.cell(id, h);
    return i < 0 ? undefined : this.values[i];
  }

  /** Adds an id that is not in the index (the judge removes it first). */
  add(id: string, h: number, v: V): void {
    const st = this.state;
    let i = h & this.mask;
    while (st[i] === LIVE) i = (i + 1) & this.mask;
    if (st[i] === EMPTY) this.used++;
    st[i] = LIVE;
    this.keys[i] = id;
    this.hashes[i] = h;
    this.values[i] = v;
    this.size++;
    if (this.used * 4 > (this.mask + 1) * 3) this.rebuild();
  }

  /** Removes the id; its value, or undefined when it was not there. */
  delete(id: string, h: number): V | undefined {
    const i = this.cell(id, h);
    if (i < 0) return undefined;
    const v = this.values[i];
    this.state[i] = DELETED;
    this.keys[i] = '';
    this.values[i] = undefined;
    this.size--;
    return v;
  }

  /** Re-inserts the live entries into a table sized for them (twice as large when they fill half of it). */
  private rebuild(): void {
    const n0 = this.mask + 1;
    const n = this.size * 4 > n0 ? n0 * 2 : n0;
    const keys = this.keys;
    const hashes = this.hashes;
    const values = this.values;
    const state = this.state;
    this.keys = new Array<string>(n).fill('');
    this.hashes = new Int32Array(n);
    this.values = new Array<V | undefined>(n).fill(undefined);
    this.state = new Uint8Array(n);
    this.mask = n - 1;
    this.used = 0;
    this.size = 0;
    for (let i = 0; i < n0; i++) if (state[i] === LIVE) this.add(keys[i]!, hashes[i]!, values[i] as V);
  }
}
