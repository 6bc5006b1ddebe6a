// The real module types of the optional runtimes, merged into core's RuntimeModuleTypes. A hand-written
// declaration file (not built) so that only packages that ask for it (`import type {} from
// '@t2i-reward/core/runtime-types'`, in a file no entry point imports) need the runtimes' types installed; core's
// main entry never imports it, so a consumer without the peers compiles under `strict` without `skipLibCheck`.
import type * as OnnxRuntime from 'onnxruntime-node';
import type * as Transformers from '@huggingface/transformers';
import type * as Tfjs from '@tensorflow/tfjs';
import type * as TfjsWasm from '@tensorflow/tfjs-backend-wasm';

declare module '@t2i-reward/core' {
  interface RuntimeModuleTypes {
    'onnxruntime-node': typeof OnnxRuntime;
    '@huggingface/transformers': typeof Transformers;
    '@tensorflow/tfjs': typeof Tfjs;
    '@tensorflow/tfjs-backend-wasm': typeof TfjsWasm;
  }
}

export {};
