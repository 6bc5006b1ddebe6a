import pkg from './package.json' with { type: 'json' };
import { packageBuild } from '../../tsup.package.mjs';

export default packageBuild(pkg, ['src/index.ts', 'src/math/index.ts', 'src/demo/index.ts', 'src/demo/pool-plugin.ts']);
