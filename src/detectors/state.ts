/**
 * Everything the stateful detectors remember, as bounded maps keyed by
 * cluster and name. Plain data throughout, so the store can persist it and a
 * second scan (or a restarted serve) continues where the first stopped.
 */
import type { AuditEvent, Source } from '../event/types.js';
import { BoundedMap, type Timed } from './bounded-map.js';
import { Sources, type SourceSeen } from './sources.js';

export { keyOf } from './bounded-map.js';

export interface NodeInfo extends Timed {
  ip: string;
}
export interface PodInfo extends Timed {
  ip?: string;
  /** where the IP came from: the pod object, or the first request made with its token */
  ipFrom?: 'pod' | 'first-use';
  node?: string;
  deletedAt?: number;
}
export interface MintInfo extends Timed {
  jti?: string;
  minter: string;
  minterIp?: string;
  userAgent?: string;
  /** the target account as its username, system:serviceaccount:NS:NAME */
  target: string;
  t: number;
  expirationSeconds?: number;
  source: Source;
  event: AuditEvent;
}
export type { SourceSeen };
export interface Baseline extends Timed {
  first: number;
  ips: Sources;
  agents: Sources;
}
/** A baseline as stored (JSON), or as a caller may hand one to `baselines.set`. */
export interface BaselineData extends Timed {
  first: number;
  ips: Record<string, SourceSeen> | Sources;
  agents: Record<string, SourceSeen> | Sources;
}
export interface Ref extends Timed {
  value: string;
}
export interface MintList extends Timed {
  list: MintInfo[];
}

/** Baselines by joined key take stored (plain) sources too, and keep them as `Sources`. */
export class BaselineMap extends BoundedMap<Baseline> {
  override set(k: string, v: Baseline | BaselineData): void {
    if (!(v.ips instanceof Sources)) v.ips = Sources.from(v.ips);
    if (!(v.agents instanceof Sources)) v.agents = Sources.from(v.agents);
    super.set(k, v as Baseline);
  }
}

export interface StateLimits {
  /** accounts with a baseline (default 200k) */
  maxAccounts?: number;
  /** addresses remembered per account (default 64; the least recent goes) */
  maxSourcesPerAccount?: number;
  /** pods and nodes remembered (default 500k) */
  maxPods?: number;
  /** how long unseen state is kept, in event time (default 7 days) */
  ttlMs?: number;
}

export interface StateMeta {
  firstEventMs?: number;
  lastEventMs?: number;
}

export class DetectorState {
  readonly nodes: BoundedMap<NodeInfo>;
  readonly nodeByIp: BoundedMap<Ref>;
  readonly pods: BoundedMap<PodInfo>;
  readonly podByIp: BoundedMap<Ref>;
  readonly mints: BoundedMap<MintInfo>;
  readonly recentMints: BoundedMap<MintList>;
  readonly baselines: BaselineMap;
  readonly tokenSecrets: BoundedMap<Ref>;
  readonly networks: BoundedMap<Ref>;
  readonly maxSourcesPerAccount: number;
  meta: StateMeta = {};

  constructor(l: StateLimits = {}) {
    const ttl = l.ttlMs ?? 7 * 86_400_000;
    const maxPods = l.maxPods ?? 500_000;
    this.nodes = new BoundedMap(100_000, ttl);
    this.nodeByIp = new BoundedMap(100_000, ttl);
    this.pods = new BoundedMap(maxPods, ttl);
    this.podByIp = new BoundedMap(maxPods, ttl);
    // asked for the credential id of nearly every service-account request, and holding few
    this.mints = new BoundedMap(100_000, ttl, { filter: true });
    this.recentMints = new BoundedMap(100_000, ttl);
    this.baselines = new BaselineMap(l.maxAccounts ?? 200_000, ttl);
    this.tokenSecrets = new BoundedMap(100_000, ttl);
    this.networks = new BoundedMap(10_000, ttl);
    this.maxSourcesPerAccount = l.maxSourcesPerAccount ?? 64;
  }

  /** Every map by name, for the store and for eviction reports. */
  maps(): Record<string, BoundedMap<Timed>> {
    return {
      nodes: this.nodes,
      nodeByIp: this.nodeByIp,
      pods: this.pods,
      podByIp: this.podByIp,
      mints: this.mints,
      recentMints: this.recentMints,
      baselines: this.baselines,
      tokenSecrets: this.tokenSecrets,
      networks: this.networks,
    };
  }

  sweep(now: number): void {
    for (const m of Object.values(this.maps())) m.sweep(now);
  }

  /** Entries dropped by the caps and by the TTL, per map. */
  evictions(): Record<string, { evicted: number; expired: number }> {
    const out: Record<string, { evicted: number; expired: number }> = {};
    for (const [k, m] of Object.entries(this.maps())) if (m.evicted || m.expired) out[k] = { evicted: m.evicted, expired: m.expired };
    return out;
  }
}
