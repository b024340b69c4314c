#!/usr/bin/env node
// Entry point: the compiled CLI lives in dist/ (`npm run build`).
// First, before the MQTT libraries load: their `debug` loggers cost nothing while DEBUG is unset.
import { quietDebug } from "../dist/core/quiet-debug.js";

quietDebug();
await import("../dist/cli/main.js");
