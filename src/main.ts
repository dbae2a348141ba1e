#!/usr/bin/env node
/**
 * The `amko` entry: turns on the start-up settings of start-tuning.ts before anything else is
 * loaded (a static import would be compiled first), then runs the composition root, amko.ts.
 */
import {
  boundOldGenerationGrowth,
  boundYoungGeneration,
  enableCompileCache,
} from './start-tuning.js';

enableCompileCache();
boundYoungGeneration();
boundOldGenerationGrowth();
await import('./amko.js');
