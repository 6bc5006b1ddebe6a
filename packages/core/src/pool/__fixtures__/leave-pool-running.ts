// Scores once through a shared pool, disposes the expert and leaves the pool running: the process must still
// exit on its own (idle workers and the dispose channel hold no reference on the event loop).
import { createTestImage } from '../../test/mock.js';
import { createPooledReward, createRewardPool } from '../pool.js';

const pool = createRewardPool({ threads: 1, modules: [new URL('./cpu-plugin.ts', import.meta.url).href] });
const reward = await createPooledReward({ kind: 'pool-fixture', backend: { type: 'js' } }, { pool });
const [result] = await reward.doScore([{ image: createTestImage(4, 4), prompt: 'grey' }]);
await reward.dispose();
process.stdout.write(`scored ${result?.score}; pool threads ${pool.stats().threads}\n`);
