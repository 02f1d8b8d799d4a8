/**
 * The prefilter: decides from a line's bytes, before any JSON parsing,
 * whether the line can matter, and skips it when it cannot. It is exact: a
 * skipped line is one that the unoptimised pipeline would decode into one raw
 * audit event that matches no rule and that the detectors would only count;
 * the pipeline replays such a line from its auditID, stage and (with the
 * detectors) timestamps, so judging, detector state and every count come out
 * the same.
 *
 * A line is skipped only when all of these hold (the soundness argument):
 *
 * 1. It is a plain raw audit event, so the event's strings are the line's
 *    JSON strings, unchanged: it starts exactly
 *    `{"kind":"Event","apiVersion":"audit.k8s.io/v1…","level":"…","auditID":"…","stage":"…",`
 *    (the API server's own key order), has exactly one `"verb":"` whose value
 *    is not empty (else the event is rejected), and it holds none of the keys by
 *    which another format's adapter would claim it (`"awslogs"`,
 *    `"records"`, `"protoPayload"`, `"kubernetes…`, … see ENVELOPE_KEYS,
 *    every key a `detect` of src/formats looks at) nor a second JSON value
 *    (`}{`, `} {`). Encoded envelopes (base64, gzip, JSON in a string) are
 *    therefore never skipped.
 * 2. Its escapes hide nothing: every `\` escape decodes to a character that
 *    occurs in no literal below (the common `\u0026` and `\"` do not), so a
 *    literal occurs in a decoded string only if it occurs in the bytes.
 *    An invalid escape makes the line parsed (and rejected, as before).
 * 3. No rule can match: each rule has literals one of which every event it
 *    matches contains (derived from the compiled detection, `ruleLiterals`),
 *    and the line has none of them. Case-insensitive rule values are searched
 *    with ASCII case folding, which is the matcher's folding for ASCII
 *    literals. Literals are searched in the bytes, so they must survive JSON
 *    encoding: values with quotes, backslashes or control characters, and
 *    values that may be a number's decimal form (a JSON number can be
 *    written `4.03e2`), are not used (the rule then has no literal, and
 *    nothing is skipped). Exact, prefix and suffix values of event fields
 *    are searched with their quotes (`"serviceaccounts"` does not occur in
 *    `"system:serviceaccounts"`). Derived fields (`tokenwatch.`) that
 *    rebuild or decode text yield no literal.
 * 4. Redaction cannot create a literal: it only writes `[REDACTED]` (after
 *    `Bearer `); when a rule literal could overlap that text, lines with a
 *    redaction trigger (REDACTION_TRIGGERS) are parsed.
 * 5. With the detectors on, the line holds none of their literals
 *    (src/detectors/witnesses.ts), so observing it only moves their
 *    event-time bounds and sweep counter, which the replay does.
 * 6. The replayed fields are the event's: `"auditID"` and `"stage"` occur
 *    exactly once in the line (a duplicate key would win in JSON.parse),
 *    their values have no escapes; `"requestReceivedTimestamp"` at most once,
 *    and exactly once, in the API server's form and a valid date, with the
 *    detectors or the coverage report: it is their event time (eventTime),
 *    and stageTimestamp, read only when it is missing or no date, is then
 *    never needed (such lines are parsed).
 * 7. Nothing else looks at every event: the stage judge gets the replay, the
 *    correlation engine only sees judged rule matches, and the coverage
 *    collector gets the line's head (level, verb, objectRef's resource and
 *    subresource, time: LineClassifier.head), asking for the whole event
 *    where it samples one; a line whose head does not read cleanly is parsed.
 *
 * With the detectors on, a line they need that no rule can match and that is
 * at a preliminary stage (RequestReceived, ResponseStarted) is not parsed
 * either, when the input is a regular file (LineClassifier LAZY): the stage
 * judge holds it by its auditID, stage, time and place, and drops it when the
 * request's final stage arrives, which is what happens to a parsed one. Only
 * a preliminary stage whose final one never comes is judged (and so seen by
 * the detectors): the line is then read again at its offset and decoded, so
 * the detectors see the same event at the same point. The conditions are
 * those above (1, 2, 3, 4, 6, 7); the line's redaction triggers make it
 * parsed, so redaction counts stay the same.
 *
 * Likewise, the final stage of a node's request whose only detector literal
 * is the node's username (`"system:node:`: no service account, TokenRequest,
 * pod or Secret in the line) is read from its bytes (LineClassifier NODE):
 * for such a request the detectors read only the username, whether
 * user.groups holds `system:nodes`, and the last sourceIPs entry (the
 * cluster model learns the node's address; src/detectors/witnesses.ts), and
 * those are read where the API server writes them, right after the verb,
 * with anything unexpected in the user left to the parser. The differential
 * test compares what the detectors learned, entry by entry.
 *
 * And the final stage of any other request the detectors read without its
 * bodies (no pod, Secret or TokenRequest in the line: a controller reading
 * its configmaps or renewing its lease) is read from its bytes too
 * (LineClassifier FACT): the line is cut into JSON tokens (json-tape.ts,
 * which checks the whole line as the parser would) and the few fields the
 * detectors read are taken from them (fact-reader.ts), the line declined
 * (parsed) wherever the parsed and checked event could differ. Unlike the
 * other unparsed lines, such a line is known to be valid JSON.
 *
 * Everything is found in one pass of a SIMD multi-literal search over each
 * block (literal-search.ts, which also finds the backslashes); per line only
 * the first hundred bytes are read, plus the bytes after each escape.
 *
 * What this cannot see: a line that looks like all of the above, ends with
 * `}`, but is not valid JSON further on (a raw control character or a stray
 * byte inside) or has a duplicate top-level key other than those above. (A
 * line cut short does not end with `}`; two lines glued together have two
 * auditIDs: both are parsed, and rejected with their place.) The unoptimised pipeline rejects or reads such a line differently;
 * the prefilter counts it as a raw event and replays its auditID and stage
 * (a held line that fails to decode when it is read again is left out of the
 * detectors and counted in the summary's `lazy_unreadable`).
 * `--no-prefilter` is exact for them.
 */
import { DETECTOR_BODY_LITERALS, DETECTOR_LITERALS, NODE_LITERAL } from '../detectors/witnesses.js';
import { REDACTION_TRIGGERS } from '../event/redact.js';
import type { RuleSpec } from '../ruleset/rule-spec.js';
import { combineDetection, compiledOf, mostSelective } from '../sigma/index.js';
import type { CItem, CValue, CompiledDetection } from '../sigma/index.js';
import type { PatternInfo } from '../sigma/values.js';
import { MAX_LITERALS, type SearchLiteral } from './literal-search.js';
import { HEAD, K_AUDITID, K_BLOCK, K_BS, K_DET, K_DETBODY, K_DETX, K_HEAD, K_KEY, K_NODE, K_OBJREF, K_REDACT, K_RRT, K_RULE, K_STAGE, K_VERB, type PrefilterPlan } from './line-classifier.js';

export type { PrefilterPlan };

// ---- literals of a rule ----------------------------------------------------

/** A literal the line must contain: ASCII; lowercase when case-insensitive. */
export interface Lit {
  text: string;
  ci: boolean;
}

type W = Lit[] | null;

/** Derived fields whose values are event strings as they are (anything else is rebuilt or decoded). */
const VERBATIM_DERIVED = new Set(['client_ip', 'actor', 'effective_user', 'actor_account', 'credential_id', 'issued_credential_id', 'pod_name', 'node_name'].map((k) => `tokenwatch.${k}`));

const ASCII_LOWER = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Could this text be (part of) a number's decimal form? Then a JSON number may hold it in another spelling. */
function numberLike(t: string): boolean {
  return /^[0-9.eE+-]+$/.test(t) || '-infinity'.includes(t.toLowerCase());
}

/** Text that JSON writes as it is (no quote, backslash or control character) and ASCII. */
function plainText(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function patternLit(p: PatternInfo, quoted: boolean): Lit | null {
  const toks = p.tokens;
  const ci = !p.cased;
  if (quoted && (p.shape === 'exact' || p.shape === 'prefix' || p.shape === 'suffix')) {
    const lit = toks.find((t) => t.k === 'lit');
    const raw = lit && lit.k === 'lit' ? lit.s : '';
    if (raw !== '' && plainText(raw)) {
      const t = ci ? ASCII_LOWER(raw) : raw;
      if (numberLike(t)) return null;
      return { text: p.shape === 'exact' ? `"${t}"` : p.shape === 'prefix' ? `"${t}` : `${t}"`, ci };
    }
  }
  // the longest plain run of the pattern's literal parts, unquoted
  let best = '';
  for (const t of toks) {
    if (t.k !== 'lit') continue;
    let run = '';
    for (let i = 0; i <= t.s.length; i++) {
      const c = i < t.s.length ? t.s.charCodeAt(i) : -1;
      if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) run += t.s[i];
      else {
        if (run.length > best.length) best = run;
        run = '';
      }
    }
  }
  if (best === '') return null;
  const text = ci ? ASCII_LOWER(best) : best;
  return numberLike(text) ? null : { text, ci };
}

function valueLits(v: CValue, quoted: boolean): W {
  if (v.kind !== 'pattern' || !v.patterns || v.patterns.length === 0) return null;
  const out: Lit[] = [];
  for (const p of v.patterns) {
    const l = patternLit(p, quoted);
    if (!l) return null;
    out.push(l);
  }
  return union([out]);
}

/** Does a line containing `a` always contain `b`? (Then `a` is redundant next to `b` in a union.) */
function implies(a: Lit, b: Lit): boolean {
  if (b.ci) return ASCII_LOWER(a.text).includes(b.text);
  return !a.ci && a.text.includes(b.text);
}

function union(ws: W[]): W {
  const all: Lit[] = [];
  for (const w of ws) {
    if (w === null) return null;
    all.push(...w);
  }
  const sorted = all.sort((x, y) => x.text.length - y.text.length || (x.text < y.text ? -1 : x.text > y.text ? 1 : 0) || Number(y.ci) - Number(x.ci));
  const out: Lit[] = [];
  for (const l of sorted) if (!out.some((o) => implies(l, o))) out.push(l);
  return out;
}

/** AND: the most selective side, judged as the rule witnesses are. */
const best = (ws: W[]): W => mostSelective(ws, (l) => l.text.length);

function itemLits(it: CItem): W {
  let quoted = false;
  if (it.t === 'field') {
    for (const p of it.paths) if (p.startsWith('tokenwatch.') && !VERBATIM_DERIVED.has(p)) return null;
    quoted = true;
  }
  const ws = it.values.map((v) => valueLits(v, quoted));
  return it.combine === 'all' ? best(ws) : union(ws);
}

export function detectionLits(d: CompiledDetection): Lit[] | null {
  return combineDetection(d, { item: itemLits, union, best });
}

/**
 * Literals such that the JSON line of any plain raw event the rule matches
 * contains one of them (see the module comment); null when none can be derived.
 */
export function ruleLiterals(rule: RuleSpec): Lit[] | null {
  const det = compiledOf(rule.sigma);
  return det ? detectionLits(det) : null;
}

// ---- the plan --------------------------------------------------------------

/**
 * Keys by which an adapter other than `raw` claims a JSON object (the
 * `detect` functions of src/formats: eks, aks, gke, ecs), and the EventList's
 * `items`: for each way of detecting, one key it cannot do without (a
 * CloudWatch log event needs `timestamp`, a Pub/Sub push `subscription`, both
 * beside their `message`, which audit events use inside responseStatus). A
 * plain raw event has none of them as a key (a hit counts only when a `:`
 * follows: `"events"` is also a resource's name); test/pipeline/prefilter.test.ts
 * checks this list against the adapters with every key of their fixtures.
 */
export const ENVELOPE_KEYS: readonly string[] = [
  '"awslogs"', '"logEvents"', '"records"', '"Records"', '"events"', '"timestamp"', '"subscription"',
  '"category"', '"Category"', '"Type"', '"Verb"', '"tables"',
  '"protoPayload"', '"entries"',
  '"kubernetes', '"hits"', '"_source"',
  '"items"',
];
/** A second JSON value on the line (the picker decodes `{...}{...}` as several). */
const CONCAT = ['}{', '} {', '}\t{', '}\r{', '}['];


export interface PlanOptions {
  detectors: boolean;
  /** the coverage report observes skipped lines through their heads (see LineClassifier.head) */
  coverage?: boolean;
  /** forced input format: anything but raw turns the prefilter off */
  format?: string;
}

/** Why there is no plan, or the plan. */
export function planPrefilter(rules: readonly RuleSpec[], o: PlanOptions): { plan: PrefilterPlan } | { off: string } {
  if (o.format !== undefined && o.format !== 'raw') return { off: `input format ${o.format}` };
  const ruleLits: Lit[][] = [];
  for (const r of rules) {
    const l = ruleLiterals(r);
    if (!l) return { off: `rule ${r.id} has no literal every match must contain` };
    ruleLits.push(l);
  }
  const literals: SearchLiteral[] = [];
  const kinds: number[] = [];
  const rulesOf: number[][] = [];
  const index = new Map<string, number>();
  const add = (text: string, ci: boolean, kind: number, rule?: number) => {
    const key = `${ci ? 'i' : 's'}${text}`;
    let k = index.get(key);
    if (k === undefined) {
      k = literals.length;
      index.set(key, k);
      literals.push({ text, caseInsensitive: ci });
      kinds.push(0);
      rulesOf.push([]);
    }
    kinds[k]! |= kind;
    if (rule !== undefined && !rulesOf[k]!.includes(rule)) rulesOf[k]!.push(rule);
  };
  ruleLits.forEach((ls, r) => ls.forEach((l) => add(l.text, l.ci, K_RULE, r)));
  if (o.detectors) {
    // which detector literal it is: a line whose only one is a node's username may be read as NODE
    for (const d of DETECTOR_LITERALS) add(d, false, K_DET | (d === NODE_LITERAL ? K_NODE : K_DETX));
    for (const d of DETECTOR_BODY_LITERALS) add(d, false, K_DETBODY);
  }
  // part of a skipped line's request key for the stage judge, and its event time for the detectors and the report
  add('"requestReceivedTimestamp"', false, K_RRT);
  // where a skipped line's objectRef starts, for the coverage report (LineClassifier.head)
  if (o.coverage) {
    add('"objectRef":{', false, K_OBJREF);
  }
  for (const k of ENVELOPE_KEYS) add(k, false, K_BLOCK | K_KEY);
  for (const k of CONCAT) add(k, false, K_BLOCK);
  for (const t of REDACTION_TRIGGERS) add(t.text, t.caseInsensitive, K_REDACT);
  add('"auditID"', false, K_AUDITID);
  add('"stage"', false, K_STAGE);
  add('"verb"', false, K_VERB);
  add(HEAD, false, K_HEAD);
  if (literals.length > MAX_LITERALS) return { off: `more than ${MAX_LITERALS} literals to search` };
  const sensitive = new Uint8Array(128);
  for (const l of literals) {
    if (kinds[literals.indexOf(l)] === K_BS || kinds[literals.indexOf(l)] === K_HEAD) continue;
    // the objectRef key matters by its name only (its quotes, colon and brace are JSON's own)
    const kind = kinds[literals.indexOf(l)]!;
    const body = kind === K_OBJREF ? 'objectRef' : l.text.replace(/^"|"$/g, '');
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if ((kinds[literals.indexOf(l)]! & K_BLOCK) !== 0 && (c === 0x7b || c === 0x7d || c === 0x5b || c === 0x20 || c === 0x09 || c === 0x0d)) continue;
      sensitive[c] = 1;
      if (c >= 97 && c <= 122) sensitive[c - 32] = 1;
      if (c >= 65 && c <= 90) sensitive[c + 32] = 1;
    }
  }
  const redactSensitive = ruleLits.some((ls) => ls.some((l) => redactionMayWrite(l)));
  return { plan: { literals, kinds, rulesOf, ruleCount: rules.length, detectors: o.detectors, coverage: o.coverage === true, redactSensitive, sensitive, ruleLits } };
}

/**
 * Redaction replaces text with `[REDACTED]` (after `Bearer ` or `Basic `, with a
 * single space): a literal can appear through it only if it overlaps that text,
 * that is, holds a bracket, ends in a space, or is part of ` [redacted]`.
 */
function redactionMayWrite(l: Lit): boolean {
  const v = l.text.replace(/^"|"$/g, '').toLowerCase();
  return /[[\] ]/.test(v) || ' [redacted]'.includes(v);
}

