import pkg from './package.json' with { type: 'json' };
import { packageBuild } from '../../tsup.package.mjs';

export default packageBuild(pkg, { index: 'src/index.ts', 'test/index': 'src/test/index.ts' });
