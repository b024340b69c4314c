import type { Command } from "commander";

/** `quarterhour sim …`: drive the demo's simulated courier and resident (locker issue). */
export function registerSim(_program: Command): void {}
