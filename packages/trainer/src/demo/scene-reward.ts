import type { RewardInput } from '../policy.js';
import type { RewardFunction, RewardOutcome } from '../reward.js';
import { GRID } from './policy.js';
import type { SceneObject } from './render.js';

interface DemoSpec {
  objects: { name: string; count?: number }[];
  relations: { subject: string; relation: string; object: string }[];
}

/** Objects that stay visible: a later object pasted into the same cell covers the earlier one. */
export function visibleObjects(scene: readonly SceneObject[]): SceneObject[] {
  const byCell = new Map<number, SceneObject>();
  for (const object of scene) byCell.set(object.cell, object);
  return [...byCell.values()];
}

function centre(cell: number): { x: number; y: number } {
  return { x: (cell % GRID) + 0.5, y: Math.floor(cell / GRID) + 0.5 };
}

/** The detector's position rule (DESIGN §3) on cell centres; distinct cells never overlap, so IoU is 0. */
function position(relation: string, subject: SceneObject, object: SceneObject): number {
  const a = centre(subject.cell);
  const b = centre(object.cell);
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const horizontal = Math.abs(dx) > Math.abs(dy);
  const vertical = Math.abs(dy) > Math.abs(dx);
  switch (relation) {
    case 'left of':
      return dx > 0 && horizontal ? 1 : 0;
    case 'right of':
      return dx < 0 && horizontal ? 1 : 0;
    case 'above':
      return dy > 0 && vertical ? 1 : 0;
    case 'below':
      return dy < 0 && vertical ? 1 : 0;
    default:
      return 0;
  }
}

/**
 * T2I-R1's paper-form detector reward computed on the scene a sample describes, as if the detector found
 * every visible object: spatial 0.6·S + 0.4·E, numeracy = fraction of exact counts, else mean existence.
 * A cheap deterministic stand-in for tests (resume equality) and for tuning; the demo itself uses CenterNet.
 */
export function sceneRewardValue(scene: readonly SceneObject[], spec: DemoSpec): number {
  const visible = visibleObjects(scene);
  const has = (name: string) => visible.some((o) => o.label === name);
  const relation = spec.relations[0];
  if (relation) {
    const existence = ((has(relation.subject) ? 1 : 0) + (has(relation.object) ? 1 : 0)) / 2;
    const subject = visible.find((o) => o.label === relation.subject);
    const object = visible.find((o) => o.label === relation.object && o !== subject);
    const spatial = subject && object ? position(relation.relation, subject, object) : 0;
    return 0.6 * spatial + 0.4 * existence;
  }
  if (spec.objects.some((o) => o.count !== undefined)) {
    const exact = spec.objects.filter((o) => visible.filter((v) => v.label === o.name).length === (o.count ?? 1)).length;
    return exact / spec.objects.length;
  }
  return spec.objects.filter((o) => has(o.name)).length / Math.max(spec.objects.length, 1);
}

/**
 * Whether the drawn scene holds more visible instances of some object than the prompt asks for (its count,
 * or one for an object named without a count, relation arguments included): the ground truth of what the
 * detector's copy penalty estimates from boxes.
 */
export function hasExtraCopies(scene: readonly SceneObject[], spec: DemoSpec): boolean {
  const asked = new Map<string, number>();
  for (const o of spec.objects) asked.set(o.name, (asked.get(o.name) ?? 0) + (o.count ?? 1));
  for (const r of spec.relations) for (const name of [r.subject, r.object]) if (!asked.has(name)) asked.set(name, 1);
  const visible = visibleObjects(scene);
  return [...asked].some(([name, n]) => visible.filter((o) => o.label === name).length > n);
}

/** The `extraCopies` flag of a decoded demo sample (metadata.scene + spec); undefined when it has neither. */
export function extraCopiesFlag(input: RewardInput): boolean | undefined {
  const scene = input.metadata?.scene as SceneObject[] | undefined;
  const spec = input.spec as DemoSpec | undefined;
  return scene && spec ? hasExtraCopies(scene, spec) : undefined;
}

/** Adds the `extraCopies` flag (from the sample's scene) to another reward's outcomes, for the metrics. */
export function withSceneFlags(inner: RewardFunction): RewardFunction {
  return {
    async score(inputs, options) {
      const outcomes = await inner.score(inputs, options);
      return outcomes.map((outcome, i) => {
        const flag = extraCopiesFlag(inputs[i]!);
        return flag === undefined ? outcome : { ...outcome, flags: { ...outcome.flags, extraCopies: flag } };
      });
    },
    ...(inner.dispose ? { dispose: () => inner.dispose!() } : {}),
  };
}

/** A RewardFunction over the demo policy's decoded scenes (metadata.scene), no image needed; flags `extraCopies`. */
export function sceneReward(): RewardFunction {
  return {
    score(inputs: readonly RewardInput[]): Promise<RewardOutcome[]> {
      return Promise.resolve(
        inputs.map((input) => {
          const scene = input.metadata?.scene as SceneObject[] | undefined;
          const spec = input.spec as DemoSpec | undefined;
          if (!scene || !spec) return { reward: null, experts: { scene: null }, error: 'no scene or spec' };
          const value = sceneRewardValue(scene, spec);
          return { reward: value, experts: { scene: value }, flags: { extraCopies: hasExtraCopies(scene, spec) } };
        }),
      );
    },
  };
}
