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

/** `$XDG_DATA_HOME/tokenwatch/state.db`, or `~/.local/share/tokenwatch/state.db`. */
export function defaultStatePath(): string {
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'tokenwatch', 'state.db');
}

export class StateStoreError extends Error {}

export class StateStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS state (map TEXT NOT NULL, key TEXT NOT NULL, last_seen REAL, value TEXT NOT NULL, PRIMARY KEY (map, key));`);
    } catch (e) {
      throw new StateStoreError(`cannot open the state database ${path}: ${(e as Error).message}`);
    }
    const v = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema') as { value: string } | undefined;
    if (v && Number(v.value) !== SCHEMA_VERSION) throw new StateStoreError(`${path} holds state of schema ${v.value}; this tokenwatch writes schema ${SCHEMA_VERSION}. Use another --state file.`);
  }

  /** Loads everything stored into `state` (oldest first, so recency order survives). Returns the number of entries. */
  load(state: DetectorState): number {
    const maps = state.maps();
    let n = 0;
    const rows = this.db.prepare('SELECT map, key, value FROM state ORDER BY last_seen').iterate() as Iterable<{ map: string; key: string; value: string }>;
    for (const r of rows) {
      const m = maps[r.map];
      if (!m) continue;
      m.set(r.key, JSON.parse(r.value) as Timed);
      n++;
    }
    const meta = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('detector_meta') as { value: string } | undefined;
    if (meta) state.meta = JSON.parse(meta.value);
    return n;
  }

  /** Replaces what is stored with `state`, in one transaction. */
  save(state: DetectorState): number {
    const maps = state.maps();
    const insert = this.db.prepare('INSERT INTO state (map, key, last_seen, value) VALUES (?, ?, ?, ?)');
    const setMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    let n = 0;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM state').run();
      for (const [name, m] of Object.entries(maps)) {
        for (const [k, v] of m.entries()) {
          insert.run(name, k, Number.isFinite(v.lastSeen) ? v.lastSeen : null, JSON.stringify(v));
          n++;
        }
      }
      setMeta.run('schema', String(SCHEMA_VERSION));
      setMeta.run('detector_meta', JSON.stringify(state.meta));
    })();
    return n;
  }

  close(): void {
    this.db.close();
  }
}
