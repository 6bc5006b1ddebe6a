import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_IMAGES } from '@t2i-reward/core';
import { runCliCaptured } from './__fixtures__/run-cli.js';

// One exit-code rule for every command (help: "2 for bad flags"): every usage error any command can raise exits 2
// with one `error: …` line, before any model loads or any work starts. Run in-process.

const dog = EXAMPLE_IMAGES.find((example) => example.name === 'dog')!.path;
let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 't2ir-exit-codes-'));
  await fs.writeFile(file('empty.txt'), '\n\n');
  await fs.writeFile(file('prompts.txt'), 'a dog\na cat\n');
  await fs.writeFile(file('not-json.jsonl'), '{"image": \n');
  await fs.writeFile(file('no-fields.jsonl'), '{"prompt": "a dog"}\n');
  await fs.writeFile(file('bad-spec.jsonl'), `${JSON.stringify({ image: dog, prompt: 'a dog', spec: { objects: 'dog' } })}\n`);
  await fs.writeFile(file('good.jsonl'), `${JSON.stringify({ image: dog, prompt: 'a dog' })}\n`);
  await fs.writeFile(file('bad-key.json'), JSON.stringify({ experts: [{ kind: 'detector', wieght: 1 }] }));
  await fs.writeFile(file('broken.json'), '{ "experts": [');
  await fs.writeFile(file('detector.json'), JSON.stringify({ experts: [{ kind: 'detector' }] }));
  await fs.writeFile(file('empty-token'), '');
  await fs.mkdir(file('no-layout'));
  await fs.writeFile(file('no-layout/readme.md'), 'not an image');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const cli = (argv: string[]) => runCliCaptured(...argv);

/** [what, argv, the error line] for every usage error of every command. */
const USAGE_ERRORS: [string, () => string[], RegExp][] = [
  // the program
  ['unknown command', () => ['scroe'], /unknown command 'scroe'/],
  ['unknown option', () => ['score', '--nope'], /unknown option '--nope'/],
  // score
  ['score: mistyped expert kind', () => ['score', '--expert', 'detectr', '--image', dog, '--prompt', 'a dog'], /unknown expert kind 'detectr'/],
  ['score: expert without an offline default', () => ['score', '--expert', 'vqa', '--image', dog, '--prompt', 'a dog'], /--expert vqa needs/],
  ['score: expert not in the config', () => ['score', '--config', file('detector.json'), '--expert', 'ocr', '--image', dog, '--prompt', 'a'], /not in/],
  ['score: config file missing', () => ['score', '--config', file('nowhere.json'), '--image', dog, '--prompt', 'a dog'], /cannot read config file/],
  ['score: config file not JSON', () => ['score', '--config', file('broken.json'), '--image', dog, '--prompt', 'a dog'], /not valid JSON/],
  ['score: config with a mistyped key', () => ['score', '--config', file('bad-key.json'), '--image', dog, '--prompt', 'a dog'], /wieght/],
  ['score: bad --max-pixels', () => ['score', '--max-pixels', '0'], /--max-pixels.*positive integer/],
  ['score: bad --threads', () => ['score', '--threads', '-1'], /--threads.*non-negative integer/],
  ['score: bad --aggregate', () => ['score', '--aggregate', 'median'], /--aggregate.*median/],
  ['score: bad --preset', () => ['score', '--preset', 't2i-r2'], /--preset/],
  ['score: --image without a prompt', () => ['score', '--image', dog], /--image needs --prompt/],
  ['score: --prompt and --prompts-file', () => ['score', '--prompt', 'a', '--prompts-file', file('prompts.txt')], /not both/],
  ['score: prompts file missing', () => ['score', '--prompts-file', file('nowhere.txt')], /--prompts-file .*nowhere\.txt/],
  ['score: empty prompts file', () => ['score', '--prompts-file', file('empty.txt')], /holds no prompts/],
  ['score: prompts do not pair with images', () => ['score', '--image', dog, dog, dog, '--prompts-file', file('prompts.txt')], /2 prompts for 3 images/],
  ['score: .jsonl line not JSON', () => ['score', '--prompts-file', file('not-json.jsonl')], /not-json\.jsonl:1: not JSON/],
  ['score: .jsonl line without image', () => ['score', '--prompts-file', file('no-fields.jsonl')], /needs string "image" and "prompt"/],
  ['score: .jsonl line with a bad spec', () => ['score', '--prompts-file', file('bad-spec.jsonl')], /bad-spec\.jsonl:1:/],
  ['score: .jsonl with --image', () => ['score', '--prompts-file', file('good.jsonl'), '--image', dog], /drop --image/],
  ['score: empty .jsonl', () => ['score', '--prompts-file', file('empty.txt').replace(/txt$/, 'jsonl')], /--prompts-file/],
  // bench
  ['bench: unknown suite', () => ['bench', '--suite', 'genevl'], /genevl/],
  ['bench: bad --shard', () => ['bench', '--shard', '3/2'], /shard/],
  ['bench: suite without images', () => ['bench', '--suite', 'geneval', '--out', file('b1')], /needs images/],
  ['bench: two image sources', () => ['bench', '--images', dir, '--generator-url', 'http://127.0.0.1:1', '--out', file('b2')], /only one of/],
  [
    'bench: --generator-cmd without {prompt}',
    () => ['bench', '--suite', file('prompts.txt'), '--generator-cmd', 'gen --out {out}', '--out', file('b3')],
    /must contain \{prompt\}/,
  ],
  [
    'bench: --generator-cmd without {out}',
    () => ['bench', '--suite', file('prompts.txt'), '--generator-cmd', 'gen {prompt}', '--out', file('b4')],
    /must contain \{out\}/,
  ],
  [
    'bench: --generator-cmd with a shell operator',
    () => ['bench', '--suite', file('prompts.txt'), '--generator-cmd', 'gen {prompt} {out} | cat', '--out', file('b5')],
    /plain command/,
  ],
  ['bench: image folder of no known layout', () => ['bench', '--suite', 'geneval', '--images', file('no-layout'), '--out', file('b6')], /no known layout/],
  ['bench: prompt file without images', () => ['bench', '--suite', file('prompts.txt'), '--out', file('b7')], /names no images/],
  ['bench: bench config missing', () => ['bench', '--config', file('nowhere.json'), '--out', file('b8')], /cannot read bench config/],
  ['bench: bad --limit', () => ['bench', '--limit', '0'], /--limit must be a positive integer/],
  ['bench: bad --threads', () => ['bench', '--threads', '-1'], /--threads must be a non-negative integer/],
  ['bench: bad --protocol', () => ['bench', '--protocol', 'clip'], /--protocol/],
  // train
  ['train: neither --demo nor --config', () => ['train'], /exactly one of --demo or --config/],
  ['train: both --demo and --config', () => ['train', '--demo', '--config', file('x.json')], /exactly one of --demo or --config/],
  ['train: demo option with --config', () => ['train', '--config', file('x.json'), '--reward', 'scene'], /demo options/],
  ['train: bad --steps', () => ['train', '--demo', '--steps', '0'], /--steps.*positive integer/],
  ['train: bad --copy-penalty', () => ['train', '--demo', '--copy-penalty', '2'], /--copy-penalty.*0 to 1/],
  ['train: config file missing', () => ['train', '--config', file('nowhere.json')], /cannot read train config/],
  ['train: config file not JSON', () => ['train', '--config', file('broken.json')], /not valid JSON/],
  // serve
  ['serve: --token and --token-file', () => ['serve', '--token', 'a', '--token-file', file('prompts.txt')], /not both/],
  ['serve: unreadable --token-file', () => ['serve', '--token-file', file('nowhere')], /--token-file .*ENOENT/],
  ['serve: empty --token-file', () => ['serve', '--token-file', file('empty-token')], /is empty/],
  ['serve: bad --port', () => ['serve', '--port', 'http'], /--port/],
  // models
  ['models: unknown option', () => ['models', '--nope'], /unknown option '--nope'/],
  ['serve: config with a mistyped expert kind', () => ['serve', '--config', file('bad-key.json'), '--port', '0'], /wieght/],
];

describe('exit codes: every usage error exits 2 with one error line', () => {
  it.each(USAGE_ERRORS)('%s', async (_what, argv, line) => {
    const { code, stderr, stdout } = await cli(argv());
    expect(code, stderr).toBe(2);
    const first = stderr.split('\n').find((text) => text.trim().length > 0) ?? '';
    expect(first).toMatch(/^error: /);
    expect(first).toMatch(line);
    expect(stdout).toBe('');
  });

  it('work that fails is 1, not 2: an image that does not exist is scored as a failed item', async () => {
    const { code, stdout } = await cli(['score', '--config', file('detector.json'), '--image', file('nowhere.png'), '--prompt', 'a dog', '--threads', '0']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/1 image\(s\), 1 failed/);
  });

  it('--help and --version exit 0', async () => {
    expect((await cli(['--version'])).code).toBe(0);
    expect((await cli(['score', '--help'])).code).toBe(0);
  });
});
