/**
 * Observations as plain data, so that worker threads can each keep a
 * collector and the main thread can add theirs to its own (postMessage, or
 * JSON: no NaN, no typed arrays, no class instances).
 */
import type { CredentialSighting } from './observation.js';
import { EventClass, SourceObservation } from './observation.js';

export interface ClassSnapshot {
  verb: string;
  resource: string;
  subresource: string;
  n: number;
  inspected: number;
  sa: number;
  node: number;
  levels: number[];
  stages: number[];
  mask: number;
  reqObj: number;
  reqObjFinal: number;
  respObj: number;
  jti: number;
  x509: number;
  saJti: number;
  saPod: number;
  saNode: number;
  issued: number;
  annotationKeys: string[];
  extraKeys: string[];
  keysCapped: boolean;
}

export interface SourceSnapshot {
  key: string;
  keyedBy: 'cluster' | 'file' | 'pooled';
  events: number;
  inspected: number;
  formats: [string, number][];
  classes: ClassSnapshot[];
  /** seconds since the epoch; null when no event had a time */
  minSec: number | null;
  maxSec: number | null;
  untimed: number;
  /** day number → the 180 bytes of its minute bitmap */
  days: [number, number[]][];
  daysCapped: boolean;
  topKeys: string[];
  tokenInLog: CredentialSighting | null;
  secretData: CredentialSighting | null;
  reviewedToken: CredentialSighting | null;
}

export interface CoverageSnapshot {
  version: 1;
  sources: SourceSnapshot[];
}

const MAX_KEYS = 48;
const MAX_TOP_KEYS = 64;
const MAX_DAYS = 3700;

function snapshotClass(c: EventClass): ClassSnapshot {
  return {
    verb: c.verb,
    resource: c.resource,
    subresource: c.subresource,
    n: c.n,
    inspected: c.inspected,
    sa: c.sa,
    node: c.node,
    levels: [...c.levels],
    stages: [...c.stages],
    mask: c.mask,
    reqObj: c.reqObj,
    reqObjFinal: c.reqObjFinal,
    respObj: c.respObj,
    jti: c.jti,
    x509: c.x509,
    saJti: c.saJti,
    saPod: c.saPod,
    saNode: c.saNode,
    issued: c.issued,
    annotationKeys: [...c.annotationKeys],
    extraKeys: [...c.extraKeys],
    keysCapped: c.keysCapped,
  };
}

const num = (x: number): number | null => (Number.isNaN(x) ? null : x);

export function snapshotSource(so: SourceObservation): SourceSnapshot {
  const classes: ClassSnapshot[] = [];
  // a class without events since the last reset has nothing to say
  for (const byRes of so.classes.values()) for (const bySub of byRes.values()) for (const c of bySub.values()) if (c.n > 0) classes.push(snapshotClass(c));
  if (so.other && so.other.n > 0) classes.push(snapshotClass(so.other));
  so.flushFormat();
  return {
    key: so.key,
    keyedBy: so.keyedBy,
    events: so.events,
    inspected: so.inspected,
    formats: [...so.formats.entries()],
    classes,
    minSec: num(so.minSec),
    maxSec: num(so.maxSec),
    untimed: so.untimed,
    days: [...so.days.entries()].map(([d, bits]) => [d, [...bits]]),
    daysCapped: so.daysCapped,
    topKeys: [...so.topKeys],
    tokenInLog: so.tokenInLog && { ...so.tokenInLog },
    secretData: so.secretData && { ...so.secretData },
    reviewedToken: so.reviewedToken && { ...so.reviewedToken },
  };
}

function addClass(c: EventClass, x: ClassSnapshot): void {
  c.n += x.n;
  c.inspected += x.inspected;
  c.sa += x.sa;
  c.node += x.node;
  for (let i = 0; i < 5; i++) {
    c.levels[i]! += x.levels[i] ?? 0;
    c.stages[i]! += x.stages[i] ?? 0;
  }
  c.mask |= x.mask;
  c.reqObj += x.reqObj;
  c.reqObjFinal += x.reqObjFinal;
  c.respObj += x.respObj;
  c.jti += x.jti;
  c.x509 += x.x509;
  c.saJti += x.saJti;
  c.saPod += x.saPod;
  c.saNode += x.saNode;
  c.issued += x.issued;
  for (const [keys, into] of [
    [x.annotationKeys, c.annotationKeys],
    [x.extraKeys, c.extraKeys],
  ] as const) {
    for (const k of keys) {
      if (into.has(k)) continue;
      if (into.size >= MAX_KEYS) c.keysCapped = true;
      else into.add(k);
    }
  }
  if (x.keysCapped) c.keysCapped = true;
}

function earlier(a: CredentialSighting | null, b: CredentialSighting | null): CredentialSighting | null {
  if (!b) return a;
  if (!a) return { ...b };
  const first = b.file < a.file || (b.file === a.file && b.line < a.line) ? b : a;
  return { ...first, count: a.count + b.count };
}

/** Adds a snapshot's source into an observation; `classOf` finds (or makes, within the cap) the class. */
export function mergeSource(so: SourceObservation, x: SourceSnapshot, classes: { classOf(so: SourceObservation, verb: string, resource: string, subresource: string): EventClass }): void {
  so.events += x.events;
  so.inspected += x.inspected;
  so.flushFormat();
  for (const [f, k] of x.formats) so.formats.set(f, (so.formats.get(f) ?? 0) + k);
  for (const cx of x.classes) {
    const c = cx.resource === '(other)' && cx.verb === '' ? (so.other ??= new EventClass('', '(other)', '')) : classes.classOf(so, cx.verb, cx.resource, cx.subresource);
    addClass(c, cx);
  }
  if (x.minSec !== null) so.minSec = Number.isNaN(so.minSec) ? x.minSec : Math.min(so.minSec, x.minSec);
  if (x.maxSec !== null) so.maxSec = Number.isNaN(so.maxSec) ? x.maxSec : Math.max(so.maxSec, x.maxSec);
  so.untimed += x.untimed;
  for (const [d, bytes] of x.days) {
    let bits = so.days.get(d);
    if (!bits) {
      if (so.days.size >= MAX_DAYS) {
        so.daysCapped = true;
        continue;
      }
      bits = new Uint8Array(bytes.length);
      so.days.set(d, bits);
    }
    for (let i = 0; i < bytes.length; i++) bits[i]! |= bytes[i]!;
  }
  if (x.daysCapped) so.daysCapped = true;
  for (const k of x.topKeys) if (so.topKeys.size < MAX_TOP_KEYS) so.topKeys.add(k);
  so.tokenInLog = earlier(so.tokenInLog, x.tokenInLog);
  so.secretData = earlier(so.secretData, x.secretData);
  so.reviewedToken = earlier(so.reviewedToken, x.reviewedToken);
  so.lastClass = null;
  so.lastSec = NaN;
  so.lastDay = NaN;
  so.lastDayBits = null;
}
