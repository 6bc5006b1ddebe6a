/**
 * The parser on prompts nobody tuned it for: benchmarks/data/parser-eval/labelled-prompts.jsonl, 312 prompts with
 * verbs, relative clauses and quoted text (T2I-CompBench's non-spatial and complex splits, PartiPrompts), each
 * labelled by hand with the objects a reader expects (name, count, attributes), the spatial relations and the
 * quoted text (conventions: benchmarks/data/parser-eval/README.md). The rows carry their half ("dev" / "held-out",
 * by FNV-1a of the prompt, like the T2I-R1 split); only dev rows are ever printed one by one.
 */
import { readFileSync } from 'node:fs';
import nlp from 'compromise';
import type { PromptSpec } from '../src/prompt-spec/types.js';

export interface LabelledRow {
  id: number;
  split: 'dev' | 'held-out' | 'fresh';
  source: string;
  line: number;
  prompt: string;
  objects: { name: string; count?: number; attributes?: string[] }[];
  relations: { subject: string; relation: string; object: string }[];
  text: string[];
}

export type LabelledField = 'objects' | 'nouns' | 'counts' | 'attributes' | 'relations' | 'text';
export const LABELLED_FIELDS: readonly LabelledField[] = ['objects', 'nouns', 'counts', 'attributes', 'relations', 'text'];

export interface LabelledVerdict {
  row: LabelledRow;
  agree: Record<LabelledField, boolean>;
  expected: Record<LabelledField, string[]>;
  got: Record<LabelledField, string[]>;
  /** Object names (parsed) that hold a verb form the labels do not use. */
  verbNames: string[];
  /** Quoted spans of the label missing from spec.text. */
  lostText: string[];
  /** Error classes of this row (empty when the object list is exact). */
  classes: string[];
}

export function readLabelled(file: string): LabelledRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as LabelledRow);
}

const sorted = (list: Iterable<string>): string[] => [...new Set(list)].sort();
const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const verbTagCache = new Map<string, boolean>();

const lexicon = (nlp.model() as { one: { lexicon: Record<string, string | string[] | undefined> } }).one.lexicon;
const VERB_FORMS = new Set(['Gerund', 'Participle', 'PastTense', 'PresentTense']);
const NOUN_FORMS = new Set(['Singular', 'Plural', 'Uncountable']);

/**
 * True when `word` is an inflected verb form by compromise's own knowledge, independent of the parser's rules: its
 * lexicon lists it as a gerund, participle, past or third-person form ("riding", "says"); a word it lists as a noun
 * is none ("glass", "world"); a word it does not list counts when compromise tags it a gerund, participle or past
 * form in "they ___" ("parked").
 */
export function isVerbForm(word: string): boolean {
  let verdict = verbTagCache.get(word);
  if (verdict === undefined) {
    const raw = lexicon[word];
    const entries = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    if (entries.some((e) => VERB_FORMS.has(e))) verdict = true;
    else if (entries.some((e) => NOUN_FORMS.has(e))) verdict = false;
    else {
      const terms = (nlp(`they ${word}`).json({ offset: false }) as { terms: { tags: string[] }[] }[])[0]?.terms ?? [];
      const tags = new Set(terms[1]?.tags ?? []);
      verdict = tags.has('Verb') && (tags.has('Gerund') || tags.has('Participle') || tags.has('PastTense'));
    }
    verbTagCache.set(word, verdict);
  }
  return verdict;
}

export function judgeLabelled(row: LabelledRow, spec: PromptSpec): LabelledVerdict {
  const objectKey = (o: { name: string; count?: number }): string => (o.count !== undefined ? `${o.name}×${o.count}` : o.name);
  const expected: Record<LabelledField, string[]> = {
    objects: sorted(row.objects.map(objectKey)),
    nouns: sorted(row.objects.map((o) => o.name)),
    counts: sorted(row.objects.filter((o) => o.count !== undefined).map(objectKey)),
    attributes: sorted(row.objects.flatMap((o) => (o.attributes ?? []).map((a) => `${a} ${o.name}`))),
    relations: sorted(row.relations.map((r) => `${r.subject} | ${r.relation} | ${r.object}`)),
    text: [...row.text],
  };
  const got: Record<LabelledField, string[]> = {
    objects: sorted(spec.objects.map(objectKey)),
    nouns: sorted(spec.objects.map((o) => o.name)),
    counts: sorted(spec.objects.filter((o) => o.count !== undefined).map(objectKey)),
    attributes: sorted(spec.objects.flatMap((o) => (o.attributes ?? []).map((a) => `${a} ${o.name}`))),
    relations: sorted(spec.relations.map((r) => `${r.subject} | ${r.relation} | ${r.object}`)),
    text: [...(spec.text ?? [])],
  };
  const agree = Object.fromEntries(LABELLED_FIELDS.map((field) => [field, same(expected[field], got[field])])) as Record<LabelledField, boolean>;
  const labelWords = new Set(row.objects.flatMap((o) => o.name.split(/[\s-]+/)));
  const verbNames = got.nouns.filter((name) => name.split(/[\s-]+/).some((word) => !labelWords.has(word) && isVerbForm(word)));
  const lostText = row.text.filter((span) => !(spec.text ?? []).includes(span));

  const classes: string[] = [];
  if (!agree.objects) {
    const missing = expected.nouns.filter((n) => !got.nouns.includes(n));
    const extra = got.nouns.filter((n) => !expected.nouns.includes(n));
    const head = (name: string): string => name.split(' ').pop()!;
    for (const name of extra) {
      const partner = missing.find((m) => head(m) === head(name) || m.endsWith(name) || name.endsWith(m));
      if (verbNames.includes(name)) classes.push('verb form in an object name');
      else if (partner)
        classes.push(
          name.split(' ').length > partner.split(' ').length ? 'noun phrase too long (modifier kept in the name)' : 'noun phrase too short (compound cut)',
        );
      else if (row.text.some((span) => span.toLowerCase().includes(name))) classes.push('quoted text read as an object');
      else classes.push('extra object (a noun the labels leave out)');
    }
    for (const name of missing) {
      const partner = extra.some((e) => head(e) === head(name) || e.endsWith(name) || name.endsWith(e));
      if (!partner) classes.push('missing object');
    }
    if (same(expected.nouns, got.nouns) && !agree.counts) classes.push('wrong count');
  }
  return { row, agree, expected, got, verbNames, lostText, classes: [...new Set(classes)] };
}

export interface LabelledSummary {
  rows: number;
  agree: Record<LabelledField, number>;
  /** Noun-level precision and recall over all rows of the half (micro-averaged). */
  nounPrecision: number;
  nounRecall: number;
  verbNames: number;
  quotedSpans: number;
  quotedLanded: number;
  classes: Record<string, number>;
}

export function summarize(verdicts: LabelledVerdict[]): LabelledSummary {
  const agree = Object.fromEntries(LABELLED_FIELDS.map((field) => [field, verdicts.filter((v) => v.agree[field]).length])) as Record<LabelledField, number>;
  let truePositive = 0;
  let predicted = 0;
  let labelled = 0;
  const classes: Record<string, number> = {};
  for (const v of verdicts) {
    truePositive += v.got.nouns.filter((n) => v.expected.nouns.includes(n)).length;
    predicted += v.got.nouns.length;
    labelled += v.expected.nouns.length;
    for (const c of v.classes) classes[c] = (classes[c] ?? 0) + 1;
  }
  return {
    rows: verdicts.length,
    agree,
    nounPrecision: predicted === 0 ? 1 : truePositive / predicted,
    nounRecall: labelled === 0 ? 1 : truePositive / labelled,
    verbNames: verdicts.reduce((n, v) => n + v.verbNames.length, 0),
    quotedSpans: verdicts.reduce((n, v) => n + v.row.text.length, 0),
    quotedLanded: verdicts.reduce((n, v) => n + v.row.text.length - v.lostText.length, 0),
    classes,
  };
}
