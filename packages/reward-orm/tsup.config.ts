import pkg from './package.json' with { type: 'json' };
import { packageBuild } from '../../tsup.package.js';

export default packageBuild(pkg, ['src/index.ts']);
