import { Option, type Command } from 'commander';
import type { SpecParserConfig } from '@t2i-reward/core';
import { UsageError } from './usage-error.js';

/** The flags that choose where prompt specs come from (`t2ir score`, `t2ir bench`). */
export interface ParserFlags {
  parser?: 'rule' | 'openai';
  parserUrl?: string;
  parserModel?: string;
}

/** Adds --parser, --parser-url and --parser-model to a command. */
export function addParserOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--parser <type>',
        "where prompt specs come from (overrides the config's parser): rule (default, the rule parser) or openai (an OpenAI-compatible server: vLLM, SGLang, any OpenAI API; specs cached on disk; the rule parser, with a warning, when it fails)",
      ).choices(['rule', 'openai']),
    )
    .option(
      '--parser-url <url>',
      'the OpenAI-compatible API root for --parser openai, e.g. http://localhost:8000/v1 (default $T2IR_PARSER_URL); the key is read from $T2IR_PARSER_API_KEY or $OPENAI_API_KEY',
    )
    .option('--parser-model <name>', 'the model --parser openai asks (default $T2IR_PARSER_MODEL)');
}

/** The parser the flags ask for, or undefined (the config's `parser`, else the rule parser). */
export function parserFromFlags(flags: ParserFlags, env: NodeJS.ProcessEnv = process.env): SpecParserConfig | undefined {
  if (flags.parser === undefined) {
    if (flags.parserUrl !== undefined || flags.parserModel !== undefined) throw new UsageError('--parser-url / --parser-model need --parser openai');
    return undefined;
  }
  if (flags.parser === 'rule') return { type: 'rule' };
  const baseURL = flags.parserUrl ?? env['T2IR_PARSER_URL'];
  const model = flags.parserModel ?? env['T2IR_PARSER_MODEL'];
  if (!baseURL || !model) {
    throw new UsageError(
      `--parser openai needs ${!baseURL ? '--parser-url (or $T2IR_PARSER_URL)' : ''}${!baseURL && !model ? ' and ' : ''}${!model ? '--parser-model (or $T2IR_PARSER_MODEL)' : ''}`,
    );
  }
  if (!/^https?:\/\//.test(baseURL)) throw new UsageError(`--parser-url must be an http(s) URL (got ${JSON.stringify(baseURL)})`);
  return { type: 'openai', baseURL, model };
}
