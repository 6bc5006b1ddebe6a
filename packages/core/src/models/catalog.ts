import { CATALOG_NAME_PATTERN } from './cache.js';

/** One file of a catalog entry, at its path in the hub repository (and in the pulled folder). */
export interface CatalogFile {
  path: string;
  /** Bytes, as the hub lists them. Checked after the download when given. */
  size?: number;
  /** SHA-256 hex: the Git LFS object id the hub publishes for LFS files. Checked after the download when given. */
  sha256?: string;
}

/** What a pulled model yields: the expert entry `t2ir score --model <name>` builds. */
export interface CatalogExpert {
  kind: string;
  variant?: string;
  backend?: string;
  /** More expert options (besides `variant`). */
  options?: Record<string, unknown>;
  /** More `backend` fields (e.g. the detector's `dtype`), besides `type` and `model`. */
  backendOptions?: Record<string, unknown>;
}

/** How to get an ONNX folder when the hub publishes none: our export script and what it needs. */
export interface CatalogExport {
  /** The script, relative to the repository root (packages/...). */
  script: string;
  /** pip requirements, printed for the user (never installed for them). */
  requirements: string[];
  /** The exact command, with `{out}` for the output folder. */
  command: string;
  /** The hub repository the script downloads from. */
  source?: string;
  notes?: string;
}

/**
 * One model of the catalog. `files` are downloaded from `{endpoint}/{repo}/resolve/{revision}/{path}`.
 * `confirmedFrom` cites where the repository, revision and files were seen (hub pages, code that pins them); an entry
 * that could not be confirmed says `unconfirmed: true` with the reason, and `pullModel` refuses it unless asked.
 */
export interface ModelCatalogEntry {
  /** The catalog name (`t2ir models pull <name>`, `t2ir score --model <name>`, `backend.model` in configs). */
  name: string;
  description: string;
  /** Hub repository, `owner/name`. */
  repo: string;
  /**
   * Pinned revision: a 40-hex commit sha, the one whose files were confirmed. A branch name only in unconfirmed
   * entries and in export / serve entries where no commit sha was seen (our export scripts download `main`).
   */
  revision: string;
  /** Files to pull; empty when there is nothing to pull (see `export` / `serve`). */
  files: CatalogFile[];
  expert: CatalogExpert;
  /** Licence of the weights, as the model card states it (short; the citation is in `confirmedFrom`). */
  license: string;
  /** The download size as the hub lists it (rounded), when the catalog has no exact sizes. */
  listedSize?: string;
  /** Citations: the pages / files where the repository, revision and files were confirmed. */
  confirmedFrom: string[];
  unconfirmed?: true;
  /** Why the entry is unconfirmed, or what is known to be missing. */
  unconfirmedReason?: string;
  /** The hub serves the files only to signed-in users who accepted the terms (HF_TOKEN needed). */
  gated?: boolean;
  /** No ONNX export is published: how to make one with our scripts. */
  export?: CatalogExport;
  /** Models run behind a server rather than pulled (e.g. a 7B VLM on vLLM): the command and config to use. */
  serve?: string;
}

/** The files of a transformers.js CLIP export (text and vision towers, processor, tokenizer); the vision tower's LFS sha256 when confirmed. */
function clipExportFiles(visionSha256?: string): CatalogFile[] {
  return [
    { path: 'config.json' },
    { path: 'preprocessor_config.json' },
    { path: 'tokenizer.json' },
    { path: 'tokenizer_config.json' },
    { path: 'onnx/text_model.onnx' },
    { path: 'onnx/vision_model.onnx', ...(visionSha256 ? { sha256: visionSha256 } : {}) },
  ];
}

/** The files of a transformers.js open-vocabulary detector export (one ONNX graph, the processor and the tokenizer). */
const DETECTOR_EXPORT_FILES: CatalogFile[] = [
  { path: 'config.json' },
  { path: 'preprocessor_config.json' },
  { path: 'special_tokens_map.json' },
  { path: 'tokenizer.json' },
  { path: 'tokenizer_config.json' },
  { path: 'onnx/model.onnx' },
];

/** Hub-published ONNX models first, then entries whose ONNX folder is made by our export scripts. */
const BUILTIN_CATALOG: ModelCatalogEntry[] = [
  // ---- hpm (CLIP family): ONNX published by the transformers.js maintainers ----
  {
    name: 'clip-vit-b32',
    description: 'CLIPScore with OpenAI CLIP ViT-B/32: the transformers.js ONNX export, text and vision towers (fp32)',
    repo: 'Xenova/clip-vit-base-patch32',
    revision: '4c1807b705b1d015fb032789cc4d221b23025a6f',
    listedSize: '608 MB',
    files: clipExportFiles('fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40'),
    expert: { kind: 'hpm', variant: 'clipscore', backend: 'transformers' },
    license: 'MIT (OpenAI CLIP)',
    confirmedFrom: [
      'https://huggingface.co/Xenova/clip-vit-base-patch32/tree/4c1807b705b1d015fb032789cc4d221b23025a6f/onnx (onnx/ at this revision: text_model.onnx 254 MB and vision_model.onnx 352 MB from commit 6ef1ebc; last onnx/ change 0b95b21)',
      'https://huggingface.co/Xenova/clip-vit-base-patch32/blob/4c1807b705b1d015fb032789cc4d221b23025a6f/onnx/vision_model.onnx (Git LFS SHA256)',
      'public code downloading https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/tokenizer.json (found with find_string)',
      'packages/reward-hpm/src/options.ts: Xenova/clip-vit-base-patch32 is the default model of the clipscore / cosine variants (config.json, preprocessor_config.json, tokenizer files loaded by transformers.js)',
      'https://github.com/openai/CLIP/blob/b1c4b6be5871f1b94359ba55901627f29ecc9ae9/LICENSE',
    ],
  },
  {
    name: 'clip-vit-l14',
    description: 'CLIPScore with OpenAI CLIP ViT-L/14 (the image tower of the LAION aesthetic predictor): transformers.js ONNX export (fp32)',
    repo: 'Xenova/clip-vit-large-patch14',
    revision: 'main',
    listedSize: '1.7 GB',
    files: clipExportFiles(),
    expert: { kind: 'hpm', variant: 'clipscore', backend: 'transformers' },
    license: 'MIT (OpenAI CLIP)',
    confirmedFrom: [
      'https://huggingface.co/Xenova/clip-vit-large-patch14/tree/main/onnx (text_model.onnx 495 MB, vision_model.onnx 1.22 GB; last onnx/ change cb711f7)',
      'https://huggingface.co/Xenova/clip-vit-large-patch14 (model card: openai/clip-vit-large-patch14 with ONNX weights for transformers.js)',
    ],
    unconfirmed: true,
    unconfirmedReason:
      'no full commit sha of the repository was seen (only the short ids cb711f7 / 9545086), and the root files were not listed: the revision is main, not pinned',
  },
  // ---- hpm: no ONNX published; our export scripts make the folder ----
  {
    name: 'pickscore',
    description: 'PickScore v1 (CLIP ViT-H/14 fine-tuned on Pick-a-Pic): score = logit_scale · cosine (variant pickscore)',
    repo: 'yuvalkirstain/PickScore_v1',
    revision: 'a4e4367c6dfa7288a00c550414478f865b875800',
    files: [],
    expert: { kind: 'hpm', variant: 'pickscore', backend: 'transformers' },
    license: 'not stated',
    confirmedFrom: [
      'https://huggingface.co/yuvalkirstain/PickScore_v1/tree/a4e4367c6dfa7288a00c550414478f865b875800 (config.json, model.safetensors 3.94 GB, pytorch_model.bin, tokenizer files; no ONNX)',
      'packages/reward-hpm/scripts/export_pickscore.py (processor from laion/CLIP-ViT-H-14-laion2B-s32B-b79K)',
    ],
    export: {
      script: 'packages/reward-hpm/scripts/export_pickscore.py',
      requirements: ['torch', 'transformers', 'onnx', 'onnxruntime'],
      command: 'python {script} --out {out}',
      source: 'yuvalkirstain/PickScore_v1 and laion/CLIP-ViT-H-14-laion2B-s32B-b79K (the processor)',
      notes: 'the script downloads the main branch; the vision tower (~2.5 GB) is written with external data (onnx/vision_model.onnx_data)',
    },
  },
  {
    name: 'hps-v2.1',
    description: 'HPS v2.1 (OpenCLIP ViT-H/14 fine-tuned on HPD v2): score = cosine (variant hps-v2.1, letterbox resize)',
    repo: 'xswu/HPSv2',
    revision: '697403c78157020a1ae59d23f111aa58ced35b0a',
    files: [],
    expert: { kind: 'hpm', variant: 'hps-v2.1', backend: 'transformers' },
    license: 'Apache-2.0',
    confirmedFrom: [
      'https://huggingface.co/xswu/HPSv2/commit/697403c78157020a1ae59d23f111aa58ced35b0a (adds HPS_v2.1_compressed.pt: LFS oid sha256:c57a38fb4a2f7e7c15bf00da2ea377cdf165448b4dd1052a484c215a998c9837, size 1972490005)',
      'https://huggingface.co/xswu/HPSv2/tree/main (License: apache-2.0; HPS_v2.1_compressed.pt 1.97 GB, a PyTorch pickle: no ONNX)',
      'packages/reward-hpm/scripts/export_hps.py (downloads xswu/HPSv2 HPS_v2.1_compressed.pt)',
    ],
    export: {
      script: 'packages/reward-hpm/scripts/export_hps.py',
      requirements: ['torch', 'transformers', 'onnx', 'onnxruntime', 'open_clip_torch', 'huggingface_hub'],
      command: 'python {script} --version 2.1 --out {out}',
      source:
        'xswu/HPSv2 HPS_v2.1_compressed.pt (sha256 c57a38fb4a2f7e7c15bf00da2ea377cdf165448b4dd1052a484c215a998c9837) into laion/CLIP-ViT-H-14-laion2B-s32B-b79K',
    },
  },
  {
    name: 'imagereward',
    description: 'ImageReward v1.0 (BLIP ViT-L/16 + BERT cross-attention + MLP head), normalised as ImageReward.py does',
    repo: 'THUDM/ImageReward',
    revision: '9fabc279a94f082f9eb130070cac021569dd16dc',
    files: [],
    expert: { kind: 'hpm', variant: 'image-reward', backend: 'onnx' },
    license: 'Apache-2.0',
    confirmedFrom: [
      'https://huggingface.co/THUDM/ImageReward/tree/9fabc279a94f082f9eb130070cac021569dd16dc (License: apache-2.0; ImageReward.pt 1.79 GB, med_config.json; no ONNX)',
      'packages/reward-hpm/scripts/export_imagereward.py (loads ImageReward-v1.0 through the image-reward package)',
    ],
    export: {
      script: 'packages/reward-hpm/scripts/export_imagereward.py',
      requirements: ['image-reward', 'torch', 'transformers', 'onnx', 'onnxruntime'],
      command: 'python {script} --out {out}',
      source: 'THUDM/ImageReward ImageReward.pt and med_config.json (downloaded by the image-reward package)',
    },
  },
  // ---- aesthetic (the LAION improved aesthetic predictor head on CLIP ViT-L/14 image embeddings) ----
  // Confirmed for the aesthetic expert's own entry (its kind and loader live in that package, not here):
  // https://huggingface.co/trl-lib/ddpo-aesthetic-predictor/tree/7f639699bec8126062148a47ecb1a4312d8e6688 holds
  // aesthetic-model.pth (3.71 MB, a PyTorch pickle; renamed from sac+logos+ava1-l14-linearMSE.pth, uploaded in
  // e62d0b3d501a41272ad2c7d6454c99aefe8be459); the README says it is the weights of
  // github.com/christophschuhmann/improved-aesthetic-predictor. Copies of sac+logos+ava1-l14-linearMSE.pth elsewhere on
  // the hub publish LFS sha256 21dd590f3ccdc646f0d53120778b296013b096a035a2718c9cb0d511bff0f1e0, size 3714759
  // (https://huggingface.co/trojblue/clip-aesthetics/blob/99cdc88ce4f3ce8b120d04121a443bf24e80ddec/sac%2Blogos%2Bava1-l14-linearMSE.pth,
  // https://huggingface.co/haor/aesthetics/commit/60617cce14f355d3923a0e320c9b616fc32ad36d); trl-lib's own digest was not seen.
  {
    name: 'laion-aesthetic',
    description:
      'LAION improved aesthetic predictor head (sac+logos+ava1-l14-linearMSE.pth) for the aesthetic expert, on the CLIP ViT-L/14 image tower (pull clip-vit-l14)',
    repo: 'trl-lib/ddpo-aesthetic-predictor',
    revision: '7f639699bec8126062148a47ecb1a4312d8e6688',
    files: [],
    expert: { kind: 'aesthetic', backend: 'transformers', options: { clip: 'clip-vit-l14' } },
    license: 'not stated',
    confirmedFrom: [
      'https://huggingface.co/trl-lib/ddpo-aesthetic-predictor/tree/7f639699bec8126062148a47ecb1a4312d8e6688 (aesthetic-model.pth 3.71 MB, a PyTorch pickle; the README names github.com/christophschuhmann/improved-aesthetic-predictor; seen by the catalog author, noted above)',
      'huggingface/trl examples (ddpo): hf_hub_download("trl-lib/ddpo-aesthetic-predictor", "aesthetic-model.pth") loaded into the predictor MLP (found with find_string)',
      'kvablack/ddpo-pytorch ddpo_pytorch/aesthetic_scorer.py and christophschuhmann/improved-aesthetic-predictor simple_inference.py: the MLP layout layers.{0,2,4,6,7} (read with read_file)',
    ],
    export: {
      script: 'packages/reward-aesthetic/scripts/export_aesthetic_head.py',
      requirements: ['torch', 'huggingface_hub'],
      command: 'python {script} --from-hub --out {out}',
      source:
        'trl-lib/ddpo-aesthetic-predictor aesthetic-model.pth at 7f639699 (sac+logos+ava1-l14-linearMSE.pth renamed; LFS sha256 of other hub copies: 21dd590f3ccdc646f0d53120778b296013b096a035a2718c9cb0d511bff0f1e0)',
      notes:
        'writes {out}/aesthetic-head.safetensors (float32, checked layout); the expert reads the CLIP ViT-L/14 image tower from the clip-vit-l14 catalog model (options.clip): t2ir models pull clip-vit-l14 first',
    },
  },
  // ---- detector: open-vocabulary detectors with published transformers.js ONNX ----
  {
    name: 'owlv2-base',
    description: 'OWLv2 base patch16 ensemble: open-vocabulary detector (transformers backend, fp32)',
    repo: 'Xenova/owlv2-base-patch16-ensemble',
    revision: '5214a97dfca652cbd56e34edb76c5e2680ae6f2b',
    listedSize: '617 MB',
    files: DETECTOR_EXPORT_FILES,
    expert: { kind: 'detector', backend: 'transformers' },
    license: 'not stated (see google/owlv2)',
    confirmedFrom: [
      'https://huggingface.co/Xenova/owlv2-base-patch16-ensemble/tree/5214a97dfca652cbd56e34edb76c5e2680ae6f2b (root files; the hub marks 3 files of this revision as scanned suspicious)',
      'https://huggingface.co/Xenova/owlv2-base-patch16-ensemble/tree/358216f0f0e3fff310fdd486cdd2ebab4ac44bf7/onnx (model.onnx 614 MB, unchanged by 5214a97, which added model_fp16.onnx)',
      'packages/reward-detector/src/options.test.ts: the transformers backend takes Xenova/owlv2-base-patch16-ensemble',
    ],
  },
  {
    name: 'grounding-dino-tiny',
    description:
      'Grounding DINO tiny: open-vocabulary detector (transformers backend, fp32); reported: the export was traced with a one-phrase prompt, so its text mask is fixed for that shape',
    repo: 'onnx-community/grounding-dino-tiny-ONNX',
    revision: 'ff690b0a8050566c290287545bd059350f3e9096',
    listedSize: '720 MB',
    files: DETECTOR_EXPORT_FILES,
    expert: { kind: 'detector', backend: 'transformers' },
    license: 'Apache-2.0 (upstream)',
    confirmedFrom: [
      'https://huggingface.co/onnx-community/grounding-dino-tiny-ONNX/tree/main (head ff690b0: config.json, preprocessor_config.json, special_tokens_map.json, tokenizer.json, tokenizer_config.json, vocab.txt, onnx/)',
      'https://huggingface.co/onnx-community/grounding-dino-tiny-ONNX/tree/main/onnx (model.onnx 719 MB)',
      'https://huggingface.co/onnx-community/grounding-dino-tiny-ONNX/blob/ff690b0a8050566c290287545bd059350f3e9096/onnx/model_uint8.onnx (the full revision id)',
      'https://huggingface.co/mtbui2010/grounding-dino-tiny-fixedmask-ONNX (licence of the upstream weights; the one-phrase mask of this export)',
      'packages/reward-detector/src/backends/table.ts: the transformers backend names onnx-community/grounding-dino-tiny-ONNX',
    ],
  },
  // ---- vqa: BLIP / GIT VQA have no transformers.js support; our export scripts make the onnx folder ----
  {
    name: 'blip-vqa-base',
    description: "BLIP VQA base (T2I-CompBench's attribute-binding model family): P(yes) from the answer decoder",
    repo: 'Salesforce/blip-vqa-base',
    revision: 'ec77d6df61caf1fc9ba4fe88dd9a033ceb386d1e',
    files: [],
    expert: { kind: 'vqa', backend: 'onnx' },
    license: 'BSD-3-Clause',
    confirmedFrom: [
      'https://huggingface.co/Salesforce/blip-vqa-base/commits/ec77d6df61caf1fc9ba4fe88dd9a033ceb386d1e (License: bsd-3-clause; PyTorch, TensorFlow and safetensors weights, no ONNX)',
      'packages/reward-vqa/scripts/export_blip_onnx.py',
    ],
    export: {
      script: 'packages/reward-vqa/scripts/export_blip_onnx.py',
      requirements: ['torch', 'transformers', 'onnx', 'onnxruntime'],
      command: 'python {script} Salesforce/blip-vqa-base {out}',
      source: 'Salesforce/blip-vqa-base',
      notes: 'written against transformers 4.4x BlipForQuestionAnswering; onnxruntime is only for the parity check',
    },
  },
  {
    name: 'git-base-vqav2',
    description: "GIT base VQAv2 (T2I-R1's reward_git.py model): P(yes) from the decoder's first answer token",
    repo: 'microsoft/git-base-vqav2',
    revision: 'a1847946b7f6bd5aa92d1326714d50dd7b11aad0',
    files: [],
    expert: { kind: 'vqa', backend: 'onnx' },
    license: 'MIT',
    confirmedFrom: [
      'https://huggingface.co/microsoft/git-base-vqav2/tree/a1847946b7f6bd5aa92d1326714d50dd7b11aad0 (License: mit; model.safetensors 709 MB, tokenizer files; no ONNX)',
      'packages/reward-vqa/scripts/export_git_onnx.py',
    ],
    export: {
      script: 'packages/reward-vqa/scripts/export_git_onnx.py',
      requirements: ['torch', 'transformers', 'onnx', 'onnxruntime'],
      command: 'python {script} microsoft/git-base-vqav2 {out}',
      source: 'microsoft/git-base-vqav2',
      notes: 'written against transformers 4.4x GitModel; onnxruntime is only for the parity check',
    },
  },
  // ---- orm: a 7B VLM, served rather than pulled ----
  {
    name: 'orm-t2i-r1',
    description: "T2I-R1's output reward model (LLaVA-OneVision Qwen2 7B fine-tune, 16 GB of safetensors): serve it, then use the openai backend",
    repo: 'CaraJ/ORM-T2I-R1',
    revision: 'main',
    files: [],
    expert: { kind: 'orm', backend: 'openai' },
    license: 'CC-BY-NC-4.0',
    confirmedFrom: [
      'https://huggingface.co/CaraJ/ORM-T2I-R1/tree/main (License: cc-by-nc-4.0; model-0000{1..4}-of-00004.safetensors, llava_qwen; head 233150b)',
      'packages/reward-orm/README.md (serve with an OpenAI-compatible server, backend openai)',
    ],
    serve:
      'serve CaraJ/ORM-T2I-R1 with an OpenAI-compatible server (vLLM / SGLang), then a config entry {"kind":"orm","backend":{"type":"openai","baseURL":"http://HOST:8000/v1","model":"CaraJ/ORM-T2I-R1"}}',
  },
];

const registered = new Map<string, ModelCatalogEntry>();

/** Adds an entry (tests, plugins): it shadows a built-in entry of the same name. Returns a function that removes it. */
export function registerCatalogEntry(entry: ModelCatalogEntry): () => void {
  if (!CATALOG_NAME_PATTERN.test(entry.name)) throw new TypeError(`catalog name '${entry.name}' must match ${CATALOG_NAME_PATTERN}`);
  registered.set(entry.name, entry);
  return () => {
    if (registered.get(entry.name) === entry) registered.delete(entry.name);
  };
}

/** The catalog: built-in entries and registered ones (a registered entry replaces the built-in of its name). */
export function listCatalog(): ModelCatalogEntry[] {
  const byName = new Map(BUILTIN_CATALOG.map((entry) => [entry.name, entry]));
  for (const [name, entry] of registered) byName.set(name, entry);
  return [...byName.values()];
}

export function findCatalogEntry(name: string): ModelCatalogEntry | undefined {
  return registered.get(name) ?? BUILTIN_CATALOG.find((entry) => entry.name === name);
}

/** How one gets an entry's model: pull it, export it with our script, or serve it. */
export function catalogAvailability(entry: ModelCatalogEntry): 'pullable' | 'export' | 'serve' {
  if (entry.files.length > 0) return 'pullable';
  return entry.export ? 'export' : 'serve';
}

/** The built-in entries, for the catalog's own checks. */
export const MODEL_CATALOG: readonly ModelCatalogEntry[] = BUILTIN_CATALOG;
