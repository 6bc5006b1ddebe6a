import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../math/index.js';
import type { Policy, PromptItem, RewardInput, SampledSequence } from '../policy.js';
import type { SeededRng } from '../rng.js';
import { CLASSES, RELATIONS, type PromptFeaturizer } from './prompts.js';
import { renderScene, type SceneObject } from './render.js';

/**
 * BiCoT token layout. Plan (semantic level): which objects, how many, which relation. Layout (token level):
 * one grid cell per object instance. Trained as one concatenated sequence, as T2I-R1 trains plan + image tokens.
 */
export const MAX_COUNT = 3;
export const MAX_INSTANCES = 4;
export const GRID = 3;
const NONE_OBJECT = CLASSES.length;
const NONE_RELATION = RELATIONS.length;
export const POSITION_NAMES = ['object1', 'count1', 'object2', 'count2', 'relation', ...Array.from({ length: MAX_INSTANCES }, (_, k) => `cell${k}`)];
export const POSITION_SIZES = [
  CLASSES.length,
  MAX_COUNT,
  CLASSES.length + 1,
  MAX_COUNT,
  RELATIONS.length + 1,
  ...new Array<number>(MAX_INSTANCES).fill(GRID * GRID),
];
export const PLAN_LENGTH = 5;
export const SEQUENCE_LENGTH = POSITION_SIZES.length;

export interface DecodedPlan {
  objects: { label: string; count: number }[];
  relation: string | undefined;
  /** Object instances in drawing order with their cells (at most MAX_INSTANCES). */
  scene: SceneObject[];
}

/** Which positions are forced (not sampled, mask 0) given the tokens before them. */
function isForced(position: number, tokens: readonly number[]): boolean {
  if (position === 3) return tokens[2] === NONE_OBJECT;
  if (position >= PLAN_LENGTH) return position - PLAN_LENGTH >= instanceCount(tokens);
  return false;
}

function instanceCount(tokens: readonly number[]): number {
  const first = (tokens[1] ?? 0) + 1;
  const second = tokens[2] === NONE_OBJECT ? 0 : (tokens[3] ?? 0) + 1;
  return Math.min(MAX_INSTANCES, first + second);
}

export function decodePlan(tokens: readonly number[]): DecodedPlan {
  const objects = [{ label: CLASSES[tokens[0] ?? 0]!, count: (tokens[1] ?? 0) + 1 }];
  if (tokens[2] !== NONE_OBJECT) objects.push({ label: CLASSES[tokens[2] ?? 0]!, count: (tokens[3] ?? 0) + 1 });
  const relation = tokens[4] === NONE_RELATION ? undefined : RELATIONS[tokens[4] ?? 0];
  const labels = objects.flatMap((o) => new Array<string>(o.count).fill(o.label)).slice(0, MAX_INSTANCES);
  const scene = labels.map((label, k) => ({ label, cell: tokens[PLAN_LENGTH + k] ?? 0 }));
  return { objects, relation, scene };
}

export function describePlan(plan: DecodedPlan): string {
  const what = plan.objects.map((o) => `${o.count} ${o.label}`).join(', ');
  const layout = plan.scene.map((o) => `${o.label}@${o.cell}`).join(' ');
  return `${what}${plan.relation ? `; ${plan.relation}` : ''} | ${layout}`;
}

export interface BiCotPolicyOptions {
  hidden?: number;
  /** Seed of the TF.js initialisers. */
  seed?: number;
  /** Render images in `decode` (default true); false leaves `image` null for symbolic rewards. */
  render?: boolean;
}

let instances = 0;

/**
 * A small autoregressive TF.js policy. Plan tokens read the prompt, x = [x₁ (words before the relation),
 * x₂ (words after it)]: object₁ = x₁·M, object₂ = [x₂·M, x·m_none], count₁ = x₁·K, count₂ = x₂·K (a word means
 * the same object / number on either side of the relation: M and K are shared), relation = D·x. Layout tokens
 * read the prompt and the plan so far: logits_t = D_t·x + U_t·tanh(Σ_{s<t} E_s[token_s]).
 * Choices learned the hard way (held-out prompts stayed flat otherwise): the prompt inside the tanh let the
 * policy memorise training prompts; plan tokens conditioned on earlier plan tokens learned "horse → dog"
 * shortcuts instead of reading the prompt; free per-position biases let Adam collapse the plan onto one
 * prompt-independent answer. Output weights start at zero: the first policy samples uniformly.
 */
export class BiCotPolicy implements Policy {
  private readonly variables: tfjs.Variable[];
  private readonly hidden: number;
  private readonly embeddings: tfjs.Variable[];
  private readonly heads: tfjs.Variable[];
  private readonly direct: (tfjs.Variable | undefined)[];
  private readonly objectWords: tfjs.Variable;
  private readonly countWords: tfjs.Variable;
  private readonly noObject: tfjs.Variable;

  constructor(
    private readonly tf: Tf,
    readonly featurizer: PromptFeaturizer,
    private readonly options: BiCotPolicyOptions = {},
  ) {
    const hidden = options.hidden ?? 64;
    const seed = options.seed ?? 0;
    const features = featurizer.size;
    const prefix = `bicot${instances++}`;
    const v = (name: string, init: tfjs.Tensor) => tf.variable(init, true, `${prefix}/${name}`);
    this.hidden = hidden;
    this.embeddings = POSITION_SIZES.slice(0, -1).map((size, s) => v(`E${s}`, tf.randomNormal([size, hidden], 0, 0.5, 'float32', seed + 1 + s)));
    this.heads = POSITION_SIZES.slice(PLAN_LENGTH).map((size, k) => v(`U${PLAN_LENGTH + k}`, tf.zeros([hidden, size])));
    const words = featurizer.vocabulary.length;
    this.objectWords = v('M', tf.zeros([words, CLASSES.length]));
    this.countWords = v('K', tf.zeros([words, MAX_COUNT]));
    this.noObject = v('m_none', tf.zeros([features, 1]));
    // D_t for the relation and the layout positions (index t; plan positions 0–3 use M, K, m_none instead).
    this.direct = POSITION_SIZES.map((size, t) => (t >= 4 ? v(`D${t}`, tf.zeros([features, size])) : undefined));
    this.variables = [this.objectWords, this.countWords, this.noObject, ...this.embeddings, ...this.heads, ...this.direct.filter((d) => d !== undefined)];
  }

  trainableVariables(): tfjs.Variable[] {
    return this.variables;
  }

  private features(prompts: readonly PromptItem[]): tfjs.Tensor2D {
    const rows = prompts.map((p) => Array.from(this.featurizer.encode(p.prompt)));
    return this.tf.tensor2d(rows, [prompts.length, this.featurizer.size]);
  }

  private logitsAt(t: number, x: tfjs.Tensor2D, context: tfjs.Tensor2D): tfjs.Tensor2D {
    const { tf } = this;
    const words = this.featurizer.vocabulary.length;
    const before = tf.slice(x, [0, 0], [-1, words]) as tfjs.Tensor2D;
    const after = tf.slice(x, [0, words], [-1, words]) as tfjs.Tensor2D;
    switch (t) {
      case 0:
        return tf.matMul(before, this.objectWords);
      case 1:
        return tf.matMul(before, this.countWords);
      case 2:
        return tf.concat([tf.matMul(after, this.objectWords), tf.matMul(x, this.noObject)], 1) as tfjs.Tensor2D;
      case 3:
        return tf.matMul(after, this.countWords);
      default:
        break;
    }
    const direct = tf.matMul(x, this.direct[t]!) as tfjs.Tensor2D;
    if (t < PLAN_LENGTH) return direct;
    return tf.add(tf.matMul(tf.tanh(context), this.heads[t - PLAN_LENGTH]!), direct) as tfjs.Tensor2D;
  }

  sample(prompt: PromptItem, count: number, rng: SeededRng): SampledSequence[] {
    const { tf } = this;
    const tokens: number[][] = Array.from({ length: count }, () => []);
    const logProbs: number[][] = Array.from({ length: count }, () => []);
    const masks: number[][] = Array.from({ length: count }, () => []);
    tf.tidy(() => {
      const x = this.features(new Array<PromptItem>(count).fill(prompt));
      let context = tf.zeros([count, this.hidden]) as tfjs.Tensor2D;
      for (let t = 0; t < SEQUENCE_LENGTH; t += 1) {
        const logp = tf.logSoftmax(this.logitsAt(t, x, context)).arraySync() as number[][];
        for (let i = 0; i < count; i += 1) {
          const row = logp[i]!;
          const forced = isForced(t, tokens[i]!);
          const token = forced ? 0 : rng.categorical(row.map(Math.exp));
          tokens[i]!.push(token);
          logProbs[i]!.push(row[token]!);
          masks[i]!.push(forced ? 0 : 1);
        }
        if (t < SEQUENCE_LENGTH - 1) {
          const chosen = tf.oneHot(
            tf.tensor1d(
              tokens.map((row) => row[t]!),
              'int32',
            ),
            POSITION_SIZES[t]!,
          );
          context = tf.add(context, tf.matMul(tf.cast(chosen, 'float32'), this.embeddings[t]!));
        }
      }
    });
    return tokens.map((row, i) => ({ tokens: row, logProbs: logProbs[i]!, mask: masks[i]! }));
  }

  logProbs(prompts: readonly PromptItem[], sequences: readonly SampledSequence[]): tfjs.Tensor2D {
    const { tf } = this;
    return tf.tidy(() => {
      const x = this.features(prompts);
      let context = tf.zeros([sequences.length, this.hidden]) as tfjs.Tensor2D;
      const columns: tfjs.Tensor1D[] = [];
      for (let t = 0; t < SEQUENCE_LENGTH; t += 1) {
        const chosen = tf.cast(
          tf.oneHot(
            tf.tensor1d(
              sequences.map((s) => s.tokens[t] ?? 0),
              'int32',
            ),
            POSITION_SIZES[t]!,
          ),
          'float32',
        );
        const logp = tf.logSoftmax(this.logitsAt(t, x, context));
        columns.push(tf.sum(tf.mul(logp, chosen), 1) as tfjs.Tensor1D);
        if (t < SEQUENCE_LENGTH - 1) context = tf.add(context, tf.matMul(chosen, this.embeddings[t]!));
      }
      return tf.stack(columns, 1) as tfjs.Tensor2D;
    });
  }

  clone(): BiCotPolicy {
    const copy = new BiCotPolicy(this.tf, this.featurizer, this.options);
    copy.variables.forEach((variable, i) => variable.assign(this.variables[i]!));
    return copy;
  }

  async decode(prompt: PromptItem, sequence: SampledSequence): Promise<RewardInput> {
    const plan = decodePlan(sequence.tokens);
    const image = this.options.render === false ? null : await renderScene(plan.scene, { grid: GRID });
    return {
      image,
      prompt: prompt.prompt,
      ...(prompt.spec !== undefined ? { spec: prompt.spec } : {}),
      metadata: { plan: describePlan(plan), scene: plan.scene },
    };
  }

  dispose(): void {
    this.variables.forEach((variable) => variable.dispose());
  }
}
