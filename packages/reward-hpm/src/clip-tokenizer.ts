import { gunzipSync } from 'node:zlib';

/** OpenAI CLIP's special tokens and their ids in the 49,408-token vocabulary. */
export const CLIP_BOS = '<|startoftext|>';
export const CLIP_EOS = '<|endoftext|>';
/** CLIP's context length: 75 BPE tokens between <|startoftext|> and <|endoftext|>. */
export const CLIP_CONTEXT_LENGTH = 77;

/** GPT-2 / CLIP byte ↔ printable-unicode table: printable latin-1 bytes map to themselves, the rest to 256+n. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const order = [...printable];
  const chars = printable.map((b) => String.fromCodePoint(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) {
      order.push(b);
      chars.push(String.fromCodePoint(256 + extra));
      extra++;
    }
  }
  // The vocabulary lists the characters in table order (printable first), as openai/CLIP does.
  return chars;
}

/**
 * Builds the Hugging Face `tokenizer.json` of OpenAI CLIP (as shipped with openai/clip-vit-base-patch32) from the
 * original `bpe_simple_vocab_16e6.txt.gz`: vocabulary = 256 byte characters, the same with `</w>`, 48,894 merges,
 * then <|startoftext|> (49406) and <|endoftext|> (49407). Normaliser NFC + whitespace collapse + lower-case,
 * CLIP's split pattern, byte-level BPE with the `</w>` end-of-word suffix, <|startoftext|> … <|endoftext|> wrapping.
 */
export function buildClipTokenizerJson(bpeGz: Uint8Array): Record<string, unknown> {
  const lines = gunzipSync(bpeGz).toString('utf8').split('\n');
  // Same slice as openai/CLIP simple_tokenizer.py: skip the version line, keep 49152 − 256 − 2 merges.
  const merges = lines.slice(1, 49152 - 256 - 2 + 1);
  if (merges.length !== 48894) throw new Error(`expected 48894 BPE merges, found ${merges.length}`);
  const byteChars = bytesToUnicode();
  const tokens = [...byteChars, ...byteChars.map((c) => `${c}</w>`), ...merges.map((m) => m.split(' ').join('')), CLIP_BOS, CLIP_EOS];
  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => {
    vocab[token] = id;
  });
  const bosId = tokens.length - 2;
  const eosId = tokens.length - 1;
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(bosId, CLIP_BOS), special(eosId, CLIP_EOS)],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [CLIP_EOS, eosId],
      cls: [CLIP_BOS, bosId],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: CLIP_EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}
