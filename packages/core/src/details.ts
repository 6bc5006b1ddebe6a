/**
 * The `details` contract: every expert writes the records below with the same keys, whatever its formula or
 * backend, and exports an `explain(details)` (through its `ExpertPlugin`) that tables and reports use. Experts
 * may add their own keys next to these; readers only rely on the ones declared here.
 */

/** One prompt object as the expert judged it (`details.objects`). */
export interface ObjectRecord {
  name: string;
  /** The model's name for it (a detector class), or null when the model cannot name it: not judged. */
  label: string | null;
  /** The count the prompt asks for, when it asks one. */
  count?: number;
  /** Boxes of the label found under the formula's thresholds. */
  found: number;
  /** Whether the object is there as the formula counts presence; null when not judged. */
  exists: boolean | null;
  /** The object's own part of the score, for formulas that score objects one by one (count rules). */
  score?: number;
}

/** One relation of the prompt (`details.relations`). */
export interface RelationRecord {
  subject: string;
  relation: string;
  object: string;
  /**
   * How far the relation holds, in [0, 1]: the position score (T2I-R1's S, the released code's and
   * T2I-CompBench's pos) or 1 / 0 for a yes-or-no rule (GenEval). null only when it was not judged.
   */
  score: number | null;
  /** The relation's contribution to the expert's score when the formula weighs more than position (its reward). */
  reward?: number | null;
  /** One line on why, e.g. "dx > 0 and |dx| > |dy|, IoU 0.00". */
  verdict: string;
}

/** One yes/no question put to a vision-language model (`details.questions`). */
export interface QuestionRecord {
  question: string;
  /** The prompt phrase the question was built from (VQA), when there is one. */
  phrase?: string;
  pYes: number | null;
  pNo: number | null;
  /** P(yes) / (P(yes) + P(no)); null when the model answered neither. */
  ratio: number | null;
}

/** What the contract fixes in `details`; everything else is the expert's own. */
export interface RewardDetails {
  /** The rule the score follows (detector formulas). */
  formula?: string;
  rule?: string;
  objects?: ObjectRecord[];
  relations?: RelationRecord[];
  questions?: QuestionRecord[];
  [key: string]: unknown;
}

/** What a "why" line may also read besides the details: the item's prompt and the expert's score. */
export interface ExplainContext {
  prompt?: string;
  score?: number | null;
}

/** Explains one expert's details in one line (`explain(details)` of an expert package; `context` when the caller has it). */
export type ExplainDetails = (details: Record<string, unknown> | undefined, context?: ExplainContext) => string;

const fixed = (value: unknown, digits = 2): string | undefined => (typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : undefined);

function records<T>(details: Record<string, unknown>, key: string): T[] {
  const value = details[key];
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as T[]) : [];
}

/** "dog 2/3" (boxes found / count asked), "dog 1", "unicorn not detectable". */
export function explainObject(object: ObjectRecord): string {
  if (object.label === null) return `${object.name} not detectable`;
  const found = typeof object.found === 'number' ? String(object.found) : '?';
  return `${object.name} ${found}${typeof object.count === 'number' ? `/${object.count}` : ''}`;
}

/** "dog left of car: 0.90" (the relation's score, then its reward when it differs); "not judged" with the reason. */
export function explainRelation(relation: RelationRecord): string {
  const head = `${relation.subject} ${relation.relation} ${relation.object}`;
  const score = fixed(relation.score);
  if (score === undefined) return `${head}: not judged (${relation.verdict})`;
  const reward = fixed(relation.reward);
  return `${head}: ${score}${reward !== undefined && reward !== score ? ` → ${reward}` : ''}`;
}

/** "red car? 0.80" (the yes ratio); "red car? no answer". */
export function explainQuestion(question: QuestionRecord): string {
  return `${question.question} ${fixed(question.ratio) ?? 'no answer'}`;
}

/**
 * One line from the contract records (objects, relations, questions), in that order; '' when there are none.
 * Expert packages build their `explain` on it.
 */
export function explainDetails(details: Record<string, unknown> | undefined): string {
  if (!details) return '';
  return [
    ...records<ObjectRecord>(details, 'objects')
      .filter((o) => typeof o.name === 'string')
      .map(explainObject),
    ...records<RelationRecord>(details, 'relations').map(explainRelation),
    ...records<QuestionRecord>(details, 'questions').map(explainQuestion),
  ].join(', ');
}
