#!/usr/bin/env node
// The compiled bundle when it is up to date, else the TypeScript sources (bin/launch.js).
import { launch } from './launch.js';

await launch('releve-truck', process.argv.slice(2));
