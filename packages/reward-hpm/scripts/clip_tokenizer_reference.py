"""Independent reference of OpenAI CLIP's tokenizer (a port of openai/CLIP simple_tokenizer.py), for parity tests.

It reads the same bpe_simple_vocab_16e6.txt.gz but shares no code with the tokenizer.json builder or with
transformers.js. Deviations from the original, forced by what is installed here (no `ftfy`, no `regex`):
  * ftfy.fix_text is skipped (it repairs mojibake; the T2I-CompBench prompts are plain ASCII);
  * the pattern <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
    is matched by a hand-written scanner over unicodedata categories (L*, N*) and str.isspace, not `regex`.
html.unescape (twice), whitespace collapsing, lower-casing, byte-level BPE with '</w>' and the <|startoftext|> /
<|endoftext|> wrapping with truncation to 77 (last token forced to <|endoftext|>) follow the original.

Usage: python3 clip_tokenizer_reference.py BPE_GZ OUT_JSON PROMPT_FILE... (the first 150 lines of each file)
"""
import gzip
import html
import json
import sys
import unicodedata


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def is_number(ch):
    return unicodedata.category(ch).startswith("N")


SPECIALS = ("<|startoftext|>", "<|endoftext|>")
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def pretokenize(text):
    """findall of CLIP's pattern, alternatives tried in the pattern's order at each position."""
    out, i, n = [], 0, len(text)
    while i < n:
        rest = text[i:]
        hit = next((s for s in SPECIALS + CONTRACTIONS if rest.startswith(s)), None)
        if hit:
            out.append(hit)
            i += len(hit)
            continue
        ch = text[i]
        j = i + 1
        if is_letter(ch):
            while j < n and is_letter(text[j]):
                j += 1
        elif is_number(ch):
            pass
        elif not ch.isspace():
            while j < n and not (text[j].isspace() or is_letter(text[j]) or is_number(text[j])):
                j += 1
        else:
            i += 1
            continue
        out.append(text[i:j])
        i = j
    return out


class SimpleTokenizer:
    def __init__(self, bpe_path):
        self.byte_encoder = bytes_to_unicode()
        merges = gzip.open(bpe_path).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
        merges = [tuple(m.split()) for m in merges]
        vocab = list(self.byte_encoder.values())
        vocab = vocab + [v + "</w>" for v in vocab] + ["".join(m) for m in merges] + list(SPECIALS)
        self.encoder = {v: i for i, v in enumerate(vocab)}
        self.bpe_ranks = {m: i for i, m in enumerate(merges)}
        self.cache = {s: s for s in SPECIALS}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = {(word[k], word[k + 1]) for k in range(len(word) - 1)}
            bigram = min(pairs, key=lambda p: self.bpe_ranks.get(p, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new, k = [], 0
            while k < len(word):
                try:
                    j = word.index(first, k)
                except ValueError:
                    new.extend(word[k:])
                    break
                new.extend(word[k:j])
                k = j
                if word[k] == first and k < len(word) - 1 and word[k + 1] == second:
                    new.append(first + second)
                    k += 2
                else:
                    new.append(word[k])
                    k += 1
            word = tuple(new)
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def encode(self, text):
        text = html.unescape(html.unescape(text)).strip()
        text = " ".join(text.split()).strip().lower()
        ids = []
        for token in pretokenize(text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return ids

    def tokenize(self, text, context_length=77):
        """openai/CLIP clip.tokenize(truncate=True) without the zero padding."""
        ids = [self.encoder["<|startoftext|>"]] + self.encode(text) + [self.encoder["<|endoftext|>"]]
        if len(ids) > context_length:
            ids = ids[:context_length]
            ids[-1] = self.encoder["<|endoftext|>"]
        return ids


# Hand-written edge cases beyond the benchmark files (no HTML entities or mojibake, where the deviations above
# would matter; HF's tokenizer.json does not unescape HTML either).
EXTRA_PROMPTS = [
    "", "   ", "A photo of a cat's toy, isn't it?", "3 red apples and 12 green pears", "café crème brûlée, naïve façade",
    "东京的夜景 with neon lights", "a dog 🐶 wearing sunglasses 😎", "UPPER case AND MiXeD", "hello!!! ... ?!?! (test) [x] {y}",
    "we'll they've I'm you'd she's it'd", "tab\tseparated\nnew line", "e-mail: someone@example.com #hashtag $100 50%",
]


def main():
    bpe, out_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    tok = SimpleTokenizer(bpe)
    prompts = []
    for path in files:
        with open(path, encoding="utf-8", newline="") as f:
            lines = [line.rstrip("\r") for line in f.read().split("\n")]
        prompts.extend(line for line in lines[:150] if line.strip())
    long_prompt = " ".join(["a very detailed photograph of a red bicycle leaning on a blue wall"] * 80)[:5000]
    prompts.extend(EXTRA_PROMPTS + [long_prompt])
    entries = [{"prompt": p, "ids": tok.tokenize(p)} for p in prompts]
    references = [e for e in entries if e["prompt"] in ("a green bench and a blue bowl", "", long_prompt, EXTRA_PROMPTS[2], EXTRA_PROMPTS[6])]
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"source": "scripts/clip_tokenizer_reference.py", "count": len(entries), "entries": entries,
                   "references": references}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
