/**
 * Amazon EKS control-plane audit logs, as CloudWatch Logs hands them out. EKS writes each audit event as the
 * `message` of a log event in the log group `/aws/eks/<cluster>/cluster`, streams `kube-apiserver-audit-*`
 * (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). The message is the raw
 * audit.k8s.io/v1 Event, so every wrapper below ends in the raw event; the envelope adds the cluster.
 *
 * Shapes (public documentation followed):
 * - `aws logs filter-log-events` / FilterLogEvents output `{"events":[{logStreamName,timestamp,message,ingestionTime,eventId}],
 *   "searchedLogStreams":[...],"nextToken":...}` and one such event alone (API_FilteredLogEvent). No log group in it:
 *   the cluster is only known from configuration.
 * - `aws logs get-log-events` / GetLogEvents output `{"events":[{timestamp,message,ingestionTime}],"nextForwardToken",...}`.
 * - Subscription filter payload, decoded (`{"messageType":"DATA_MESSAGE","owner","logGroup","logStream",
 *   "subscriptionFilters":[...],"logEvents":[{id,timestamp,message}]}`) and `CONTROL_MESSAGE` (a reachability
 *   check with no audit events: skipped, not rejected) (CloudWatch Logs User Guide, "Using subscription filters").
 * - The same payload gzip+base64 in a Lambda event `{"awslogs":{"data":...}}` (Powertools CloudWatchLogsEvent schema),
 *   in a Firehose HTTP endpoint delivery request `{"requestId","timestamp","records":[{"data":...}]}` or Firehose
 *   transformation event `{"invocationId","deliveryStreamArn","records":[{"recordId","data"}]}` (Amazon Data Firehose
 *   developer guide, "HTTP endpoint delivery request and response specifications"), and a Kinesis Data Streams
 *   Lambda event `{"Records":[{"kinesis":{"data":...}}]}`. Firehose record data may also be decompressed already
 *   (Firehose decompression), or hold the extracted messages one per line (message extraction); several DATA_MESSAGE
 *   documents concatenated without separator are accepted too (how Firehose writes them to S3).
 * - A raw Event (Panther's Amazon.EKS.Audit keeps the raw event plus p_* keys) is decoded by the raw adapter;
 *   when `--input-format eks` forces this adapter onto raw events, they are labelled `eks`.
 * - CloudWatch export to S3 lines (`<timestamp> <message>`) are recognised by the picker (timestamp-prefix.ts).
 *
 * `place.index` is the index in the outermost list (`events[i]`, `records[i]`, or `logEvents[i]` when the
 * payload is the whole record); rejection reasons name the full path.
 */
import { isObject, isTrailingDataError, MAX_VALUES_PER_TEXT, MESSAGE_TYPE_NAME, parseJson, safeName, splitJsonValues } from './json.js';
import { decodePayload } from './gzip-base64.js';
import { elementCtx, emit, fieldCtx, reject, skip } from './envelope.js';
import { looksLikeRawEvent } from './raw.js';
import type { DecodeContext, DecodeSink, FormatAdapter } from './types.js';

const LOG_GROUP = /^\/aws\/eks\/([^/]+)\/cluster$/;

/** The cluster named by an EKS control-plane log group `/aws/eks/<cluster>/cluster`. */
export function clusterFromLogGroup(group: unknown): string | undefined {
  if (typeof group !== 'string') return undefined;
  const m = LOG_GROUP.exec(group);
  return m ? m[1] : undefined;
}

function isDataMessage(v: Record<string, unknown>): boolean {
  return typeof v.messageType === 'string' && Array.isArray(v.logEvents);
}
function isFirehose(v: Record<string, unknown>): boolean {
  if (!Array.isArray(v.records)) return false;
  if (typeof v.requestId === 'string' || typeof v.invocationId === 'string' || typeof v.deliveryStreamArn === 'string') return true;
  const first = v.records[0];
  return isObject(first) && typeof first.data === 'string' && first.category === undefined;
}
function isKinesisEvent(v: Record<string, unknown>): boolean {
  if (!Array.isArray(v.Records) || v.Records.length === 0) return false;
  const first = v.Records[0];
  return isObject(first) && isObject(first.kinesis);
}
function isCloudWatchOutput(v: Record<string, unknown>): boolean {
  if (!Array.isArray(v.events)) return false;
  if ('nextForwardToken' in v || 'nextBackwardToken' in v || 'searchedLogStreams' in v || 'nextToken' in v) return true;
  const first = v.events[0];
  return isObject(first) && isCloudWatchEvent(first);
}
function isCloudWatchEvent(v: Record<string, unknown>): boolean {
  return typeof v.message === 'string' && typeof v.timestamp === 'number' && ('ingestionTime' in v || 'eventId' in v || 'logStreamName' in v || 'id' in v);
}

export const eksAdapter: FormatAdapter = {
  name: 'eks',
  description: 'Amazon EKS audit events in CloudWatch Logs: filter/get-log-events output, subscription DATA_MESSAGE (plain, Lambda awslogs, Firehose, Kinesis)',
  detect(v) {
    return isObject(v.awslogs) || isDataMessage(v) || isFirehose(v) || isKinesisEvent(v) || isCloudWatchOutput(v) || isCloudWatchEvent(v);
  },
  decode(v, ctx, out) {
    if (isObject(v.awslogs)) {
      const c = fieldCtx(ctx, 'awslogs.data');
      if (typeof v.awslogs.data !== 'string') return reject(out, c, 'missing or not a string');
      return decodeDataString(v.awslogs.data, c, out);
    }
    if (isDataMessage(v)) return decodeSubscriptionMessage(v, ctx, out);
    if (isFirehose(v)) return decodeDataRecords(v.records as unknown[], 'records', (r) => r.data, 'data', ctx, out);
    if (isKinesisEvent(v)) {
      return decodeDataRecords(v.Records as unknown[], 'Records', (r) => (isObject(r.kinesis) ? r.kinesis.data : undefined), 'kinesis.data', ctx, out);
    }
    if (isCloudWatchOutput(v)) {
      const events = v.events as unknown[];
      if (events.length === 0) return skip(out, ctx, 'CloudWatch Logs output with no events');
      events.forEach((e, i) => {
        const c = elementCtx(ctx, 'events', i);
        if (!isObject(e)) return reject(out, c, 'log event is not an object');
        decodeMessage(e.message, e.logStreamName, fieldCtx(c, 'message'), undefined, out);
      });
      return;
    }
    if (isCloudWatchEvent(v)) return decodeMessage(v.message, v.logStreamName, fieldCtx(ctx, 'message'), undefined, out);
    // Forced onto something else (--input-format eks): a raw audit event is an EKS event.
    if (looksLikeRawEvent(v)) return emit(out, ctx, v, 'eks');
    reject(out, ctx, 'not an EKS CloudWatch Logs record (no awslogs, logEvents, records, events or message)');
  },
};

/** Firehose `records[]` / Kinesis `Records[]`: each element carries one base64 payload. */
function decodeDataRecords(
  records: unknown[],
  field: string,
  dataOf: (r: Record<string, unknown>) => unknown,
  dataField: string,
  ctx: DecodeContext,
  out: DecodeSink,
): void {
  if (records.length === 0) return skip(out, ctx, `${field} is empty`);
  records.forEach((r, i) => {
    const c = elementCtx(ctx, field, i);
    if (!isObject(r)) return reject(out, c, 'record is not an object');
    const data = dataOf(r);
    const dc = fieldCtx(c, dataField);
    if (typeof data !== 'string') return reject(out, dc, 'missing or not a string');
    decodeDataString(data, dc, out);
  });
}

/** A base64 (optionally gzip) payload holding subscription messages or extracted raw events. */
function decodeDataString(data: string, ctx: DecodeContext, out: DecodeSink): void {
  const p = decodePayload(data);
  if (!p.ok) return reject(out, ctx, p.reason);
  decodePayloadText(p.text, ctx, out);
}

/** The decoded payload: one JSON document, several concatenated, or one per line. */
function decodePayloadText(text: string, ctx: DecodeContext, out: DecodeSink): void {
  const parsed = parseJson(text);
  if (parsed.ok) return decodePayloadValue(parsed.value, ctx, out);
  if (!isTrailingDataError(parsed.reason)) return reject(out, ctx, parsed.reason);
  const slices = splitJsonValues(text);
  if (!slices) {
    // Not a clean run of JSON documents: one message per line (Firehose message extraction), some not JSON.
    if (!text.includes('\n')) return reject(out, ctx, parsed.reason);
    let k = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const c = { ...ctx, path: `${ctx.path ?? ''}[${k++}]` };
      if (k > MAX_VALUES_PER_TEXT) return reject(out, c, `more than ${MAX_VALUES_PER_TEXT} lines in one payload: the rest is not decoded`);
      const one = parseJson(line);
      if (!one.ok) reject(out, c, one.reason);
      else decodePayloadValue(one.value, c, out);
    }
    return;
  }
  slices.forEach((s, k) => {
    const c = { ...ctx, path: `${ctx.path ?? ''}[${k}]` };
    if (k === MAX_VALUES_PER_TEXT) return reject(out, c, `more than ${MAX_VALUES_PER_TEXT} JSON documents in one payload: the rest is not decoded`);
    const one = parseJson(text.slice(s.start, s.end));
    if (!one.ok) return reject(out, c, one.reason);
    decodePayloadValue(one.value, c, out);
  });
}

function decodePayloadValue(value: unknown, ctx: DecodeContext, out: DecodeSink): void {
  if (!isObject(value)) return reject(out, ctx, 'payload is not a JSON object');
  if (typeof value.messageType === 'string') return decodeSubscriptionMessage(value, ctx, out);
  // Firehose message extraction: the payload is the log event message itself.
  if (looksLikeRawEvent(value)) return emit(out, ctx, value, 'eks');
  reject(out, ctx, 'payload is neither a CloudWatch Logs subscription message nor an audit event');
}

function decodeSubscriptionMessage(v: Record<string, unknown>, ctx: DecodeContext, out: DecodeSink): void {
  const type = v.messageType;
  if (type === 'CONTROL_MESSAGE') return skip(out, ctx, 'CloudWatch Logs CONTROL_MESSAGE (destination check) holds no audit events');
  if (type !== 'DATA_MESSAGE') {
    const name = safeName(type, MESSAGE_TYPE_NAME);
    return reject(out, ctx, `CloudWatch Logs messageType ${name ? `"${name}" ` : ''}is neither DATA_MESSAGE nor CONTROL_MESSAGE`);
  }
  if (!Array.isArray(v.logEvents)) return reject(out, fieldCtx(ctx, 'logEvents'), 'missing or not a list');
  const cluster = clusterFromLogGroup(v.logGroup);
  if (v.logEvents.length === 0) return skip(out, ctx, 'DATA_MESSAGE with no logEvents');
  v.logEvents.forEach((e, i) => {
    const c = elementCtx(ctx, 'logEvents', i);
    if (!isObject(e)) return reject(out, c, 'log event is not an object');
    decodeMessage(e.message, v.logStream, fieldCtx(c, 'message'), cluster, out);
  });
}

/** One CloudWatch log event message: the raw audit event as a JSON string. */
function decodeMessage(message: unknown, stream: unknown, ctx: DecodeContext, cluster: string | undefined, out: DecodeSink): void {
  if (typeof message !== 'string') return reject(out, ctx, 'missing or not a string');
  let i = 0;
  while (i < message.length && (message[i] === ' ' || message[i] === '\t' || message[i] === '\r' || message[i] === '\n' || message[i] === '\ufeff')) i++;
  if (message[i] !== '{') {
    // The EKS log group also holds the API server, authenticator, controller manager and scheduler streams,
    // whose messages are plain text: not audit events, so skipped when the stream says so.
    if (typeof stream === 'string' && !/audit/i.test(stream)) return skip(out, ctx, 'log event of a non-audit CloudWatch stream');
    return reject(out, ctx, 'log event message is not a JSON object');
  }
  const parsed = parseJson(message);
  if (!parsed.ok) return reject(out, ctx, parsed.reason);
  if (!isObject(parsed.value) || !looksLikeRawEvent(parsed.value)) return reject(out, ctx, 'log event message is not an audit.k8s.io Event');
  emit(out, ctx, parsed.value, 'eks', cluster);
}
