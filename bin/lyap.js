#!/usr/bin/env node
// The installed entry point runs the compiled CLI (`npm install` builds it through `prepare`).
import '../dist/cli/run.js';
