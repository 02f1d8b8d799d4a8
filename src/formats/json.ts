export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON.parse that reports instead of throwing; the message never quotes the input (it may hold credentials). */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // V8 quotes the offending text in some messages; keep only the position.
    const pos = /position (\d+)/.exec(msg);
    const truncated = /Unexpected end of JSON input|Unterminated string/.test(msg);
    return { ok: false, reason: truncated ? 'invalid JSON: truncated record' : `invalid JSON${pos ? ` at character ${Number(pos[1]) + 1}` : ''}` };
  }
}
