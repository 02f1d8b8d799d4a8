import type { AuditEvent, Place, Rejection } from '../event/types.js';

/** One JSON document handed over by a source: a line, a multi-line document, or one element of a top-level array. */
export interface RawRecord {
  text: string;
  place: Place;
}

/** What an adapter knows about where a record came from, beyond its place. */
export interface DecodeContext {
  place: Place;
  /** Cluster named by configuration or by an outer envelope (CloudWatch log group, AKS resource id, URL path). */
  cluster?: string;
  /**
   * Where inside the record the value being decoded sits (`records[2].data`, `logEvents[5].message`), when it is
   * nested deeper than `place.index` can say. Only used to make rejection reasons precise.
   */
  path?: string;
}

/** An event decoded by an adapter, before redaction. */
export interface Decoded {
  event: AuditEvent;
  place: Place;
  format: string;
  cluster?: string;
}

export interface DecodeSink {
  event(d: Decoded): void;
  reject(r: Rejection): void;
  /**
   * A record that was understood but holds no audit event: a CloudWatch Logs CONTROL_MESSAGE, an empty envelope
   * (`{"events":[]}`, `{"records":[]}`), an AKS record of a non-audit category, a log line from a non-audit
   * CloudWatch stream. Not an error, so it is not a rejection; a sink that counts records should count these.
   * Optional: sinks without it simply ignore such records.
   */
  skip?(r: Rejection): void;
}

/**
 * A format adapter: the only code that knows a vendor's shape. `detect` looks
 * at a parsed JSON value cheaply; `decode` turns it into zero or more audit
 * events (envelopes hold many) and reports what it could not decode.
 */
export interface FormatAdapter {
  name: string;
  description: string;
  detect(value: Record<string, unknown>): boolean;
  decode(value: Record<string, unknown>, ctx: DecodeContext, out: DecodeSink): void;
}
