/**
 * Lines that are a timestamp, a space and a JSON document:
 *
 * - CloudWatch Logs export to Amazon S3 writes each log event as `<ISO-8601 timestamp with milliseconds>Z <message>`,
 *   e.g. `2024-05-01T12:00:00.000Z {"kind":"Event",...}` (one gzip object per log stream). From an EKS log group the
 *   message is the raw audit Event.
 * - The container runtime (CRI) log format, used when the API server writes its audit log to stdout and a node
 *   agent reads `/var/log/containers/*.log`: `<RFC 3339 nano timestamp> <stdout|stderr> <F|P> <message>`, where
 *   `P` marks a partial line that continues in the next record.
 * - Other tools (`kubectl logs --timestamps`) prefix an RFC 3339 timestamp with nanoseconds.
 *
 * Only the first 80 characters are examined, so a 10 MB line costs nothing here.
 */
export interface TimestampPrefix {
  timestamp: string;
  /** Offset of the JSON document in the line. */
  rest: number;
  /** `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly, the layout of CloudWatch Logs' S3 export. */
  cloudwatchExport: boolean;
  /** CRI stream and tag (`F` full, `P` partial), when the line is in the CRI log format. */
  cri?: { stream: string; tag: string };
}

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})) (?:(stdout|stderr) ([A-Z](?::[A-Z])*) )?/;
const CLOUDWATCH = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function timestampPrefix(line: string): TimestampPrefix | undefined {
  const c = line.charCodeAt(0);
  if (c < 0x30 || c > 0x39) return undefined;
  const m = TS.exec(line.length > 80 ? line.slice(0, 80) : line);
  if (!m) return undefined;
  const timestamp = m[1]!;
  const cri = m[2] !== undefined ? { stream: m[2], tag: m[3]! } : undefined;
  return { timestamp, rest: m[0].length, cloudwatchExport: !cri && CLOUDWATCH.test(timestamp), ...(cri ? { cri } : {}) };
}
