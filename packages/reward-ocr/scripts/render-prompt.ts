// A stand-in "generator" for `t2ir bench --suite ocr --generator-cmd ...`: writes a 512² PNG showing the
// prompt's quoted text (--mode exact), its first word only (first-word) or no text (blank), rendered from the
// DejaVu TTFs in one of four styles picked by --seed. A sanity baseline for the suite and its report, not a model.
//   node --conditions=t2ir-source --import tsx packages/reward-ocr/scripts/render-prompt.ts --mode exact --seed {seed} {prompt} {out}
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeImage } from '@t2i-reward/core';
import { blankImage, renderText, type RenderOptions } from '../test/render.js';
import { extractTarget } from '../src/index.js';

const { values, positionals } = parseArgs({
  options: { mode: { type: 'string', default: 'exact' }, seed: { type: 'string', default: '0' } },
  allowPositionals: true,
});
const [prompt, out] = positionals;
if (!prompt || !out || !['exact', 'first-word', 'blank'].includes(values.mode)) {
  throw new Error('usage: render-prompt.ts [--mode exact|first-word|blank] [--seed N] PROMPT OUT.png');
}
const styles: RenderOptions[] = [
  { font: 'sans', size: 40 },
  { font: 'serif', size: 32, color: '#ffffff', background: '#1a237e' },
  { font: 'mono', size: 30, color: '#b71c1c', background: '#fff8e1', rotate: 3 },
  { font: 'sansBold', size: 48, color: '#ffeb3b', background: '#212121' },
];
const style = styles[Math.abs(Number(values.seed) || 0) % styles.length]!;
const text = extractTarget(prompt).target?.text.trim() ?? '';
const image =
  values.mode === 'blank' || !text ? await blankImage(style.background) : await renderText(values.mode === 'exact' ? text : text.split(/\s+/)[0]!, style);
await fs.writeFile(out, await encodeImage(image, 'png'));
