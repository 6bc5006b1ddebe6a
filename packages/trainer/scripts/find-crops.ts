/**
 * Finds the object crops the BiCoT demo pastes: runs the real CenterNet (COCO-80, @vladmandic/human's
 * weights) once on the bundled photos, then pastes each candidate box alone on the demo's canvas (centre
 * cell) and keeps, per class, the crop the detector recognises best there (the dog of dog.jpg, cut out of
 * its bicycle, reads as a cat on its own; the one from person.jpg reads as a dog).
 * Output: src/demo/crops.json (committed, so the demo needs no detection pass to build its canvases).
 *
 *   node --conditions=t2ir-source --import tsx packages/trainer/scripts/find-crops.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Tensor } from '@tensorflow/tfjs';
import { COCO_CLASSES, EXAMPLE_IMAGES, loadTfjs, type RgbImage } from '@t2i-reward/core';
import { renderScene, type ObjectCrop } from '../src/demo/render.js';

const WANTED = new Set(['person', 'bicycle', 'car', 'truck', 'bird', 'dog', 'horse', 'zebra', 'giraffe']);
const MIN_SCORE = 0.35;

type Box = [number, number, number, number];

const { tf } = await loadTfjs({ backend: 'wasm' });
const require = createRequire(import.meta.url);
const modelJson = path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models', 'centernet.json');
const json = JSON.parse(await readFile(modelJson, 'utf8'));
const model = await tf.loadGraphModel({
  load: () =>
    tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const shards = await Promise.all(manifest.flatMap((g) => g.paths.map((p) => readFile(path.join(path.dirname(modelJson), p)))));
      const all = Buffer.concat(shards);
      return [manifest.flatMap((g) => g.weights), all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer];
    }),
});

async function detect(data: Uint8Array, width: number, height: number): Promise<{ label: string; box: Box; score: number }[]> {
  const input = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(data, [height, width, 3], 'int32'), [512, 512]).expandDims(0));
  const output = model.execute(input, 'tower_0/detections') as Tensor;
  const rows = (await output.data()) as Float32Array;
  input.dispose();
  output.dispose();
  const detections: { label: string; box: Box; score: number }[] = [];
  for (let i = 0; i + 6 <= rows.length; i += 6) {
    const label = COCO_CLASSES[rows[i + 5]!];
    if (!label || rows[i + 4]! < 0.2) continue;
    const sx = width / 512;
    const sy = height / 512;
    detections.push({ label, score: rows[i + 4]!, box: [rows[i]! * sx, rows[i + 1]! * sy, rows[i + 2]! * sx, rows[i + 3]! * sy].map(Math.round) as Box });
  }
  return detections;
}

const candidates: ObjectCrop[] = [];
for (const example of EXAMPLE_IMAGES) {
  const { data, info } = await sharp(example.path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const detections = await detect(new Uint8Array(data), info.width, info.height);
  console.log(example.name, detections.map((d) => `${d.label} ${d.score.toFixed(2)} [${d.box.join(',')}]`).join('; '));
  for (const d of detections) {
    if (!WANTED.has(d.label) || d.score < MIN_SCORE) continue;
    const box = [Math.max(0, d.box[0]), Math.max(0, d.box[1]), Math.min(info.width, d.box[2]), Math.min(info.height, d.box[3])] as Box;
    candidates.push({ label: d.label, image: example.name, box, score: Number(d.score.toFixed(3)) });
  }
}

const crops: ObjectCrop[] = [];
for (const candidate of candidates) {
  const scene: RgbImage = await renderScene([{ label: candidate.label, cell: 4 }], { crops: [candidate] });
  const found = (await detect(scene.data, scene.width, scene.height)).filter((d) => d.label === candidate.label && d.score >= MIN_SCORE);
  const onCanvas = Math.max(0, ...found.map((d) => d.score));
  console.log(`${candidate.label} from ${candidate.image}: ${onCanvas.toFixed(2)} on the canvas`);
  if (onCanvas === 0) continue;
  const crop = { ...candidate, score: Number(onCanvas.toFixed(3)) };
  const existing = crops.findIndex((c) => c.label === candidate.label);
  if (existing < 0) crops.push(crop);
  else if (crops[existing]!.score < crop.score) crops[existing] = crop;
}
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'demo', 'crops.json');
await writeFile(out, `${JSON.stringify(crops, null, 2)}\n`);
console.log(`${crops.length} crops → ${out}`);
