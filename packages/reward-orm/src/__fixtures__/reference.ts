import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';

/** One torch reference case written by packages/reward-vqa/scripts/make_fixtures.py. */
export interface ReferenceCase {
  kind: string;
  prompt: string;
  text: string;
  temperature: number;
  pYes: number;
  pNo: number;
  ratio: number;
}

export function fixtureModelDir(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/models/${name}`, import.meta.url));
}

export function readReference(dir: string): { cases: ReferenceCase[]; image: RgbImage } {
  const reference = JSON.parse(readFileSync(`${dir}/reference.json`, 'utf8')) as {
    image: { width: number; height: number; rgbHex: string };
    cases: ReferenceCase[];
  };
  const { width, height, rgbHex } = reference.image;
  return { cases: reference.cases, image: createRgbImage(new Uint8Array(Buffer.from(rgbHex, 'hex')), width, height, 'fixture') };
}
