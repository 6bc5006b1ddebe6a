import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureWrites } from '@t2i-reward/core/test';
import { COMMANDS, createProgram, invokedCommand, runCli } from './program.js';
import { VERSION } from './version.js';

// Commands load lazily: `t2ir --help` is built from stubs (name + listing) and must read exactly as the help of the
// program with every command loaded; `t2ir <command> ...` loads that command, so its own help is the full one.

afterEach(() => vi.restoreAllMocks());

const noExit = () => {};

describe('t2ir program, commands loaded lazily', () => {
  it('the root help from stubs equals the root help with every command loaded', async () => {
    const full = await createProgram(noExit);
    const lazy = await createProgram(noExit, []);
    expect(full.commands.map((command) => command.name())).toEqual(COMMANDS.map((command) => command.name));
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    // Each stub's listing is the real command's summary (or its description when it has none).
    for (const command of full.commands) {
      const entry = COMMANDS.find(({ name }) => name === command.name())!;
      expect(entry.listing, command.name()).toBe(command.summary() || command.description());
    }
  });

  it('t2ir --help lists every command; --version prints the version; both exit 0', async () => {
    const stdout = captureWrites(process.stdout);
    expect(await runCli(['--help'])).toBe(0);
    for (const { name } of COMMANDS) expect(stdout.text).toMatch(new RegExp(`^  ${name} \\[options\\]`, 'm'));
    stdout.clear();
    expect(await runCli(['--version'])).toBe(0);
    expect(stdout.text.trim()).toBe(VERSION);
  });

  it('t2ir <command> --help and t2ir help <command> show the loaded command’s full help', async () => {
    const full = await createProgram(noExit);
    const stdout = captureWrites(process.stdout);
    for (const { name } of COMMANDS) {
      // outputHelp, not helpInformation: the help text added after the options (examples, exit status) too.
      stdout.clear();
      full.commands.find((command) => command.name() === name)!.outputHelp();
      const expected = stdout.text;
      expect(expected).toContain('Options:');
      stdout.clear();
      expect(await runCli([name, '--help'])).toBe(0);
      expect(stdout.text, name).toBe(expected);
      stdout.clear();
      expect(await runCli(['help', name])).toBe(0);
      expect(stdout.text, `help ${name}`).toBe(expected);
    }
    expect(stdout.text).not.toContain('--not-loaded');
  });

  it('an unknown command still gets did-you-mean and exit 2', async () => {
    const stderr = captureWrites(process.stderr);
    expect(await runCli(['scroe'])).toBe(2);
    expect(stderr.text).toContain('(Did you mean score?)');
  });

  it('invokedCommand reads the command the way commander does', () => {
    expect(invokedCommand([])).toBeUndefined();
    expect(invokedCommand(['--version'])).toBeUndefined();
    expect(invokedCommand(['-h'])).toBeUndefined();
    expect(invokedCommand(['score', '--prompt', 'a red car'])).toBe('score');
    expect(invokedCommand(['-h', 'bench'])).toBe('bench');
    expect(invokedCommand(['help', 'train'])).toBe('train');
    expect(invokedCommand(['help'])).toBeUndefined();
    expect(invokedCommand(['models', 'pull', 'x'])).toBe('models');
    expect(invokedCommand(['nope', 'score'])).toBeUndefined();
  });

  it('program.ts and bin.ts import no command module (nor any package) statically', async () => {
    for (const file of ['program.ts', 'bin.ts']) {
      const source = await readFile(new URL(file, import.meta.url), 'utf8');
      const staticImports = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((match) => match[1]);
      expect(
        staticImports.filter((specifier) => !['commander', './version.js', './program.js'].includes(specifier!)),
        file,
      ).toEqual([]);
    }
  });
});
