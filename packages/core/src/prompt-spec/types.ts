/**
 * The structured view of a prompt that compositional experts check (DESIGN §2).
 * Object names are singular and lower-case ("dog", "sports ball"); counts are integers ≥ 0.
 */
export type SpatialRelation =
  | 'left of'
  | 'right of'
  | 'above' // also "on the top of", "on top of", "over"
  | 'below' // also "on the bottom of", "under", "beneath"
  | 'near'
  | 'next to'
  | 'on side of'
  | 'in front of' // needs depth: unsupported by 2D experts
  | 'behind'; // needs depth: unsupported by 2D experts

export const SPATIAL_RELATIONS: readonly SpatialRelation[] = [
  'left of',
  'right of',
  'above',
  'below',
  'near',
  'next to',
  'on side of',
  'in front of',
  'behind',
];

export interface PromptObject {
  /** Singular, lower-case noun (phrase), e.g. "dog", "wine glass". */
  name: string;
  /** How many the prompt asks for, when it says ("three dogs" → 3, "a dog" → 1 only when counting matters). */
  count?: number;
  /** Attribute words (color / shape / texture / other), e.g. ["red"], ["wooden"]. */
  attributes?: string[];
  /** The attribute-noun phrase as a VQA question would use it, e.g. "red car" (defaults to attributes + name). */
  phrase?: string;
}

export interface PromptRelation {
  /** `name` of the subject object ("a dog on the left of a cat": "dog"). */
  subject: string;
  /** Canonical relation. */
  relation: SpatialRelation;
  /** `name` of the reference object ("cat"). */
  object: string;
  /** The words of the prompt that expressed it, e.g. "on the left of". */
  phrase?: string;
}

export interface PromptExclusion {
  /** Object that must NOT appear `count` or more times (GenEval `exclude`). */
  name: string;
  count: number;
}

/**
 * The fields of a T2I-R1 metadata row that the released reward code reads, verbatim (case, spacing, order and
 * duplicates kept): `fromT2IR1Row` sets them so a reference-exact scorer can apply the code's task-type gates
 * and its noun / phrase matching, which the normalised `objects` / `relations` cannot express.
 */
export interface T2IR1Fields {
  /** The row's `task_type` ("spatial", "numeracy", "complex", "color", …): the released rewards branch on it. */
  task_type?: string;
  nouns: string[];
  /** The row's `attr_nouns` as written (absent when the row has none or null): reward_git.py asks `f"{attr_noun}?"` for each. */
  attr_nouns?: string[];
  spatial_info?: { obj1: string; obj2: string; locality: string };
  numeracy_info?: { obj_name: string; num: number }[];
}

export interface PromptSpec {
  /** The prompt text this spec describes. */
  prompt?: string;
  /** Benchmark category / task type, e.g. "color", "spatial", "numeracy", "two_object". */
  category?: string;
  objects: PromptObject[];
  relations: PromptRelation[];
  exclude?: PromptExclusion[];
  /**
   * Attribute-noun phrases exactly as the source listed them (T2I-R1 `attr_nouns`), for VQA questions. When
   * present, `attributePhrases(spec)` returns these rather than deriving phrases from `objects`.
   */
  phrases?: string[];
  /**
   * Text the image should show: the prompt's quoted spans as written ('a sign that says "OPEN 24 HOURS"' →
   * ["OPEN 24 HOURS"]). The OCR expert reads it; the spans are never objects.
   */
  text?: string[];
  /**
   * Set when the spec could not be read from the prompt: 'not-english' when the rule parser judged the prompt not
   * English (its `objects` are then empty and `warnings` says why). Callers should say so rather than score it.
   */
  unsupported?: 'not-english';
  /** What the parser (or the LLM spec source) wants the user to know about this spec, one line each. */
  warnings?: string[];
  /** T2I-R1 rows only: the raw fields its released reward code reads (see {@link T2IR1Fields}). */
  t2iR1?: T2IR1Fields;
  /** Where it came from: a metadata converter, the rule-based parser, a language model (`parser: {type: 'openai'}`) or a user. */
  source?: 't2i-r1' | 'geneval' | 'parser' | 'llm' | 'user';
}
