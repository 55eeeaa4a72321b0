// Writes docs/asyncapi.yaml from the zod contract (`npm run gen:asyncapi`).
import { writeFileSync } from 'node:fs';
import { renderAsyncApiYaml } from './asyncapi-yaml.js';

writeFileSync(new URL('../docs/asyncapi.yaml', import.meta.url), renderAsyncApiYaml());
console.log('docs/asyncapi.yaml written');
