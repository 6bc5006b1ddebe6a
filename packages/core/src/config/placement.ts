/**
 * Where a backend's model runs when an ensemble is built: on the calling thread (`in-process`: runtimes that thread
 * themselves, such as onnxruntime), in core's worker pool (`pool`: TF.js wasm / cpu and plain JS, which compute on
 * the calling thread), or on a server (`remote`: `backend.model` names a served model, never a path).
 */
export type BackendPlacement = 'in-process' | 'pool' | 'remote';

/**
 * Where an ensemble's expert runs, as the placement table of `createEnsembleFromConfig` built it (`threads`: the
 * pool's worker threads, for `pool`). Kept on `ensemble.experts[i].placement` through middleware.
 */
export interface ExpertPlacement {
  readonly type: BackendPlacement;
  readonly threads?: number;
}
