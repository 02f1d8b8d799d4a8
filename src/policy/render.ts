/** The recommended Policy as YAML, commented rule by rule. */
import { Document, isMap, isSeq } from 'yaml';
import { POLICY_HEADER, RECOMMENDED_POLICY, RECOMMENDED_RULES, type DocumentedRule } from './recommended.js';
import type { AuditPolicy } from './model.js';

function wrap(text: string, width = 96): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

function comment(lines: string[]): string {
  // yaml prefixes each comment line with '#'
  return lines.map((l) => (l === '' ? '' : ` ${l}`)).join('\n');
}

/** YAML text of a policy; with `docs`, each rule is preceded by its title, why and cost. */
export function renderPolicy(policy: AuditPolicy = RECOMMENDED_POLICY, docs: DocumentedRule[] | null = RECOMMENDED_RULES, header: string[] = POLICY_HEADER): string {
  const doc = new Document(policy);
  doc.commentBefore = comment(header);
  const rules = doc.get('rules', true);
  if (docs && isSeq(rules)) {
    rules.items.forEach((item, i) => {
      const d = docs[i];
      if (!d || !isMap(item)) return;
      item.commentBefore = comment([`${i + 1}. ${d.title}`, ...wrap(d.why), ...wrap(`Volume: ${d.cost}`)]);
      item.spaceBefore = i > 0;
    });
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}
