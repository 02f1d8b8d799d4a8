/**
 * Keeps detector state in an embedded SQLite database between runs, so a
 * second scan continues from the first and a restarted server loses nothing.
 * The state lives in memory while a run works (the hot path never touches the
 * disk) and is written in one transaction at the end, or on demand.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Timed } from '../detectors/bounded-map.js';
import type { DetectorState } from '../detectors/state.js';

const SCHEMA_VERSION = 1;

/**
 * better-sqlite3 before 13 wraps Database and Statement in node::ObjectWrap; from Node 24.19 on, an
 * ObjectWrap finalised by the garbage collector outside a JavaScript context aborts the process
 * (`RemoveEnvironmentCleanupHook: (env) != nullptr`). Version 13 fixes that but crashes on Node 20,
 * which we support. So no handle is ever left to the collector: every Database and Statement made
 * here stays referenced until the process ends (a run makes a handful).
 */
const NEVER_COLLECTED: unknown[] = [];
function keep<T>(x: T): T {
  NEVER_COLLECTED.push(x);
  return x;
}

/** `$XDG_DATA_HOME/tokenwatch/state.db`, or `~/.local/share/tokenwatch/state.db`. */
export function defaultStatePath(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'tokenwatch', 'state.db');
}

export class StateStoreError extends Error {}

export class StateStore {
  private readonly db: Database.Database;
  private readonly st: { getMeta: Database.Statement; setMeta: Database.Statement; page: Database.Statement; insert: Database.Statement; clear: Database.Statement };

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = keep(new Database(path));
      this.db.exec('PRAGMA journal_mode = WAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS state (map TEXT NOT NULL, key TEXT NOT NULL, last_seen REAL, value TEXT NOT NULL, PRIMARY KEY (map, key));`);
    } catch (e) {
      throw new StateStoreError(`cannot open the state database ${path}: ${(e as Error).message}`);
    }
    const prep = (sql: string) => keep(this.db.prepare(sql));
    this.st = {
      getMeta: prep('SELECT value FROM meta WHERE key = ?'),
      setMeta: prep('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      // keyset pages, not iterate(): a StatementIterator is an ObjectWrap too (see NEVER_COLLECTED)
      page: prep('SELECT rowid AS id, map, key, value FROM state WHERE rowid > ? ORDER BY rowid LIMIT 5000'),
      insert: prep('INSERT INTO state (map, key, last_seen, value) VALUES (?, ?, ?, ?)'),
      clear: prep('DELETE FROM state'),
    };
    const v = this.st.getMeta.get('schema') as { value: string } | undefined;
    if (v && Number(v.value) !== SCHEMA_VERSION) throw new StateStoreError(`${path} holds state of schema ${v.value}; this tokenwatch writes schema ${SCHEMA_VERSION}. Use another --state file.`);
  }

  /** Loads everything stored into `state`, in the order it was saved (each map oldest first, so recency survives). */
  load(state: DetectorState): number {
    const maps = state.maps();
    let n = 0;
    for (let last = 0; ; ) {
      const rows = this.st.page.all(last) as { id: number; map: string; key: string; value: string }[];
      if (rows.length === 0) break;
      for (const r of rows) {
        const m = maps[r.map];
        if (m) {
          m.set(r.key, JSON.parse(r.value) as Timed);
          n++;
        }
      }
      last = rows[rows.length - 1]!.id;
    }
    const meta = this.st.getMeta.get('detector_meta') as { value: string } | undefined;
    if (meta) state.meta = JSON.parse(meta.value);
    return n;
  }

  /** Replaces what is stored with `state`, in one transaction. */
  save(state: DetectorState): number {
    const maps = state.maps();
    const { insert, setMeta } = this.st;
    let n = 0;
    keep(this.db.transaction(() => {
      this.st.clear.run();
      for (const [name, m] of Object.entries(maps)) {
        for (const [k, v] of m.entries()) {
          insert.run(name, k, Number.isFinite(v.lastSeen) ? v.lastSeen : null, JSON.stringify(v));
          n++;
        }
      }
      setMeta.run('schema', String(SCHEMA_VERSION));
      setMeta.run('detector_meta', JSON.stringify(state.meta));
    }))();
    return n;
  }

  close(): void {
    this.db.close();
  }
}
