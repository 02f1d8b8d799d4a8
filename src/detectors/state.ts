/**
 * Everything the stateful detectors remember, as bounded maps keyed by
 * cluster and name. Plain data throughout, so the store can persist it and a
 * second scan (or a restarted serve) continues where the first stopped.
 */
import type { AuditEvent, Source } from '../event/types.js';
import { BoundedMap, type Timed } from './bounded-map.js';

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
export interface SourceSeen {
  first: number;
  last: number;
  count: number;
}
export interface Baseline extends Timed {
  first: number;
  ips: Record<string, SourceSeen>;
  agents: Record<string, SourceSeen>;
}
export interface Ref extends Timed {
  value: string;
}
export interface MintList extends Timed {
  list: MintInfo[];
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
  readonly nodes: BoundedMap<string, NodeInfo>;
  readonly nodeByIp: BoundedMap<string, Ref>;
  readonly pods: BoundedMap<string, PodInfo>;
  readonly podByIp: BoundedMap<string, Ref>;
  readonly mints: BoundedMap<string, MintInfo>;
  readonly recentMints: BoundedMap<string, MintList>;
  readonly baselines: BoundedMap<string, Baseline>;
  readonly tokenSecrets: BoundedMap<string, Ref>;
  readonly networks: BoundedMap<string, Ref>;
  readonly maxSourcesPerAccount: number;
  meta: StateMeta = {};

  constructor(l: StateLimits = {}) {
    const ttl = l.ttlMs ?? 7 * 86_400_000;
    const maxPods = l.maxPods ?? 500_000;
    this.nodes = new BoundedMap(100_000, ttl);
    this.nodeByIp = new BoundedMap(100_000, ttl);
    this.pods = new BoundedMap(maxPods, ttl);
    this.podByIp = new BoundedMap(maxPods, ttl);
    this.mints = new BoundedMap(100_000, ttl);
    this.recentMints = new BoundedMap(100_000, ttl);
    this.baselines = new BoundedMap(l.maxAccounts ?? 200_000, ttl);
    this.tokenSecrets = new BoundedMap(100_000, ttl);
    this.networks = new BoundedMap(10_000, ttl);
    this.maxSourcesPerAccount = l.maxSourcesPerAccount ?? 64;
  }

  /** Every map by name, for the store and for eviction reports. */
  maps(): Record<string, BoundedMap<string, Timed>> {
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

/** State keys carry the cluster, so logs of several clusters never mix. */
export function keyOf(cluster: string | undefined, name: string): string {
  return `${cluster ?? ''}\u0001${name}`;
}
