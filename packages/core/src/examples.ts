import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The bundled example photos (public domain, from pjreddie/darknet; see PROVENANCE.md). */
export interface ExampleImage {
  name: string;
  path: string;
  /** COCO objects clearly visible in the photo (what a working detector should find). */
  contains: string[];
  /** A prompt describing the photo, for demos. */
  prompt: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
// Same relative location from src/ (source runs) and dist/ (built package).
export const EXAMPLE_IMAGES_DIR = path.resolve(here, '..', 'assets', 'images');

export const EXAMPLE_IMAGES: readonly ExampleImage[] = [
  { name: 'dog', contains: ['dog', 'bicycle', 'truck'], prompt: 'a dog next to a bicycle' },
  { name: 'horses', contains: ['horse'], prompt: 'a photo of horses' },
  { name: 'giraffe', contains: ['giraffe', 'zebra'], prompt: 'a giraffe and a zebra' },
  { name: 'eagle', contains: ['bird'], prompt: 'a photo of a bird' },
  { name: 'person', contains: ['person', 'dog', 'horse'], prompt: 'a person next to a horse' },
  { name: 'scream', contains: [], prompt: 'a painting of a screaming man' },
].map((image) => ({ ...image, path: path.join(EXAMPLE_IMAGES_DIR, `${image.name}.jpg`) }));
