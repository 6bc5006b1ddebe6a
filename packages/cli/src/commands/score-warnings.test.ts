import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { runCliCaptured } from './__fixtures__/run-cli.js';
import { uncheckedPartsWarnings, type JudgingExpert } from './score.js';

// "Not checked" warnings come from what each expert declares it judges (ExpertPlugin.judges), never from a guess:
// an OCR-only ensemble is not said to judge objects, quoted text is not an attribute, text without an OCR expert is
// named, and a prompt that is not English says only English is parsed.

const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!.path;
const detector: JudgingExpert = { name: 'detector', kind: 'detector', judges: ['objects', 'counts', 'positions'] };
const ocr: JudgingExpert = { name: 'ocr', kind: 'ocr', judges: ['text'] };
const vqa: JudgingExpert = { name: 'vqa', kind: 'vqa', judges: ['objects', 'attributes'] };

afterEach(() => vi.restoreAllMocks());

async function scoreJson(...argv: string[]): Promise<{ code: number; warnings: string[] }> {
  const { code, stdout } = await runCliCaptured('score', '--image', dog, '--threads', '0', '--json', ...argv);
  const output = JSON.parse(stdout) as { results: { warnings: string[] }[] };
  return { code, warnings: output.results[0]!.warnings };
}

describe('what is not checked, from what each expert judges', () => {
  it('--expert ocr on a quoted sign: no attribute warning for the quoted words, and no claim that OCR judges objects', async () => {
    const { warnings } = await scoreJson('--expert', 'ocr', '--prompt', 'a shop sign that reads "Grand Opening"');
    expect(warnings.join('\n')).not.toMatch(/grand|objects, counts and positions/i);
  });

  it('an OCR-only ensemble with a colour word: the warning says what OCR does judge', () => {
    const [warning, ...rest] = uncheckedPartsWarnings({ image: dog, prompt: 'a red shop sign that reads "Grand Opening"' }, [ocr]);
    expect(rest).toEqual([]);
    expect(warning).toBe('attributes not checked: "red" (shop sign); ocr judges rendered text; add a vqa (or orm) expert to check colours and attributes');
  });

  it('quoted text without an OCR expert is named; with one, and with a vqa for attributes, nothing is left unchecked', () => {
    expect(uncheckedPartsWarnings({ image: dog, prompt: 'a shop sign that reads "Grand Opening"' }, [detector])).toEqual([
      'text not checked: "Grand Opening"; detector judges objects, counts and positions; add an ocr expert to read it',
    ]);
    expect(uncheckedPartsWarnings({ image: dog, prompt: 'a red shop sign that reads "Grand Opening"' }, [detector, ocr, vqa])).toEqual([]);
  });

  it('an expert that does not declare what it judges: nothing is claimed', () => {
    expect(uncheckedPartsWarnings({ image: dog, prompt: 'a blue car' }, [detector, { name: 'x', kind: 'third-party' }])).toEqual([]);
  });

  it('a German prompt: one warning saying only English is parsed (t2ir score, the default detector)', async () => {
    const { warnings } = await scoreJson('--prompt', 'ein hund neben einem fahrrad');
    expect(warnings).toContain(
      'the prompt is not English: only English prompts are parsed, so detector cannot read objects, counts, positions or attributes from it; write the prompt in English (or give a spec)',
    );
    expect(warnings.join('\n')).not.toMatch(/'ein hund neben einem fahrrad' is not a class/);
  });
});
