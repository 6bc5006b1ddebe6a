// Writes the PNGs in fixtures/images (text rendered from the DejaVu TTFs of `dejavu-fonts-ttf`, no system fonts):
// the README example and the CLI's `t2ir score --expert ocr` test read them.
//   node --conditions=t2ir-source --import tsx scripts/render-fixtures.ts
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeImage } from '@t2i-reward/core';
import { blankImage, renderText } from '../test/render.js';

const out = fileURLToPath(new URL('../fixtures/images/', import.meta.url));
await fs.mkdir(out, { recursive: true });
const images = {
  'grand-opening.png': () => renderText('Grand Opening', { font: 'serif', size: 44, color: '#ffffff', background: '#1b5e20', rotate: 3 }),
  'grand.png': () => renderText('Grand', { font: 'serif', size: 44, color: '#ffffff', background: '#1b5e20', rotate: 3 }),
  'closed-today.png': () => renderText('Closed Today', { font: 'serif', size: 44, color: '#ffffff', background: '#1b5e20', rotate: 3 }),
  'blank.png': () => blankImage('#1b5e20'),
};
for (const [name, render] of Object.entries(images)) {
  await fs.writeFile(path.join(out, name), await encodeImage(await render(), 'png'));
  console.log(path.join(out, name));
}
