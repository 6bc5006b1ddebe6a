import type { GraphModel, LayersModel, io } from '@tensorflow/tfjs';
import type { ModelDefinition } from 'nsfwjs/core';
import { ModelLoadError, RuntimeUnavailableError, type TfjsModule } from '@t2i-reward/core';

/** The classes of the nsfwjs models, in output order (nsfwjs `NSFW_CLASSES`). */
export const NSFW_CLASS_NAMES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
export type NsfwClass = (typeof NSFW_CLASS_NAMES)[number];

/** The classes whose probability is the unsafe mass by default: everything but Drawing and Neutral. */
export const DEFAULT_UNSAFE_CLASSES: readonly NsfwClass[] = ['Porn', 'Hentai', 'Sexy'];

/**
 * The models the nsfwjs npm package ships (as JS modules holding the model JSON and base64 weight shards), with
 * the input size and model format its own `load()` uses for each.
 */
export const NSFW_MODELS = {
  mobilenet_v2: { specifier: 'nsfwjs/models/mobilenet_v2', export: 'MobileNetV2Model', size: 224, format: 'layers', megabytes: 2.6 },
  mobilenet_v2_mid: { specifier: 'nsfwjs/models/mobilenet_v2_mid', export: 'MobileNetV2MidModel', size: 224, format: 'graph', megabytes: 4.3 },
  inception_v3: { specifier: 'nsfwjs/models/inception_v3', export: 'InceptionV3Model', size: 299, format: 'layers', megabytes: 22 },
} as const;
export type NsfwModelName = keyof typeof NSFW_MODELS;
export const NSFW_MODEL_NAMES = Object.keys(NSFW_MODELS) as NsfwModelName[];

export interface LoadedNsfwModel {
  name: NsfwModelName;
  /** Square input side: images are resized to it (bilinear, align corners), as nsfwjs does. */
  size: number;
  predict(input: ReturnType<TfjsModule['tensor4d']>): ReturnType<TfjsModule['tensor']>;
  dispose(): void;
}

/**
 * Loads one of the nsfwjs models from the installed package (no network): its bundled model JSON and weight
 * shards, decoded and handed to TF.js through an in-memory IO handler, on the TF.js instance given (core's
 * loadTfjs), not the one nsfwjs' own `load()` would import.
 */
export async function loadNsfwModel(tf: TfjsModule, name: NsfwModelName): Promise<LoadedNsfwModel> {
  const entry = NSFW_MODELS[name];
  let definition: ModelDefinition | undefined;
  try {
    definition = ((await import(entry.specifier)) as Record<string, ModelDefinition | undefined>)[entry.export];
  } catch (error) {
    throw new RuntimeUnavailableError(
      `the ${name} weights come with the nsfwjs package, which is not installed (npm install nsfwjs): ${(error as Error).message}`,
      {
        cause: error,
        data: { runtime: 'nsfwjs' },
      },
    );
  }
  if (!definition) throw new ModelLoadError(`nsfwjs exports no ${entry.export} from ${entry.specifier}`);
  let artifacts: io.ModelArtifacts;
  try {
    const json = (await definition.modelJson()).default;
    const shards = await Promise.all(definition.weightBundles.map(async (bundle) => Buffer.from((await bundle()).default, 'base64')));
    const paths = json.weightsManifest.flatMap((group) => group.paths);
    if (paths.length !== shards.length) throw new Error(`${paths.length} weight files in the manifest, ${shards.length} bundled`);
    const weights = Buffer.concat(shards);
    artifacts = {
      modelTopology: json.modelTopology,
      ...(json.format !== undefined ? { format: json.format } : {}),
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    };
  } catch (error) {
    throw new ModelLoadError(`cannot read the nsfwjs ${name} model: ${(error as Error).message}`, { cause: error });
  }
  let model: LayersModel | GraphModel;
  try {
    model = entry.format === 'graph' ? await tf.loadGraphModel(tf.io.fromMemory(artifacts)) : await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new ModelLoadError(`cannot load the nsfwjs ${name} model into TF.js: ${(error as Error).message}`, { cause: error });
  }
  return {
    name,
    size: entry.size,
    predict: (input) => model.predict(input) as ReturnType<TfjsModule['tensor']>,
    dispose: () => model.dispose(),
  };
}
