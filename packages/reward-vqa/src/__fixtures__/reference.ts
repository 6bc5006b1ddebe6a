import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRgbImage, type RgbImage } from '@t2i-reward/core';

/** One torch reference case written by scripts/make_fixtures.py. */
export interface ReferenceCase {
  kind: string;
  text: string;
  prompt?: string;
  question?: string;
  temperature?: number;
  rendered?: string;
  inputIds: number[];
  pYes: number;
  pNo: number;
  ratio: number;
}

export interface Reference {
  image: { width: number; height: number; rgbHex: string };
  numImageTokens?: number;
  cases: ReferenceCase[];
}

export function fixtureModelDir(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/models/${name}`, import.meta.url));
}

export function readReference(dir: string): { reference: Reference; image: RgbImage } {
  const reference = JSON.parse(readFileSync(`${dir}/reference.json`, 'utf8')) as Reference;
  const { width, height, rgbHex } = reference.image;
  return { reference, image: createRgbImage(new Uint8Array(Buffer.from(rgbHex, 'hex')), width, height, 'fixture') };
}
