import { defaultRewardRegistry, type RewardRegistry } from '@t2i-reward/core';

/**
 * The registry the `t2ir` commands build with: core's default (built-in kinds, imported on first use), importing
 * packages from here (the CLI depends on the expert packages, which core may not see). A config's `plugins` go into a
 * child of it per build (core's `registryForConfig`), never into it.
 */
export const cliRegistry: RewardRegistry = defaultRewardRegistry.extend({ importModule: (specifier) => import(specifier) });
