/**
 * The simulator control API (registered only when a line is simulated): what a person at the
 * locker would do with their hands. Close a door, put a parcel in or take it out, force a door,
 * jam a lock, kill a board, scan a code. Used by `quarterhour sim …`, the demo and tests.
 */
import type { FastifyPluginAsync } from "fastify";
import { QhError } from "../core/errors.js";
import type { ScannerSim } from "../sim/scanner-line.js";

interface DoorSim {
  closeDoor(board: number, lock: number): void;
  forceOpen(board: number, lock: number): void;
  jam(board: number, lock: number, jammed?: boolean): void;
  setPresent(board: number, lock: number, present?: boolean): void;
  isOpen(board: number, lock: number): boolean;
  kill(board: number): void;
  revive(board: number): void;
}

export interface SimulatedBank {
  sim: DoorSim;
  where(compartment: string): { board: number; lock: number } | undefined;
  boards: number[];
}

const idParams = {
  type: "object",
  required: ["device", "compartment"],
  properties: { device: { type: "string" }, compartment: { type: "string" } },
} as const;

const ACTIONS = ["close", "open", "force-open", "jam", "unjam", "put", "take"] as const;
type Action = (typeof ACTIONS)[number];

export function simPlugin(
  banks: ReadonlyMap<string, SimulatedBank>,
  scanners: ReadonlyMap<string, ScannerSim>,
): FastifyPluginAsync {
  const locate = (device: string, compartment: string) => {
    const bank = banks.get(device);
    const at = bank?.where(compartment);
    if (!bank || !at)
      throw new QhError("QH_LOCKER_COMPARTMENT_UNKNOWN", `no simulated compartment ${device}/${compartment}`);
    return { bank, at };
  };
  return async (app) => {
    app.get<{ Params: { device: string; compartment: string } }>(
      "/sim/lockers/:device/:compartment",
      { schema: { params: idParams } },
      async (req) => {
        const { bank, at } = locate(req.params.device, req.params.compartment);
        return { ...req.params, ...at, open: bank.sim.isOpen(at.board, at.lock) };
      },
    );
    app.post<{ Params: { device: string; compartment: string }; Body: { action: Action } }>(
      "/sim/lockers/:device/:compartment",
      {
        schema: {
          params: idParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["action"],
            properties: { action: { enum: ACTIONS } },
          },
        },
      },
      async (req) => {
        const { bank, at } = locate(req.params.device, req.params.compartment);
        const s = bank.sim;
        switch (req.body.action) {
          case "close":
            s.closeDoor(at.board, at.lock);
            break;
          case "open":
          case "force-open":
            s.forceOpen(at.board, at.lock);
            break;
          case "jam":
            s.jam(at.board, at.lock, true);
            break;
          case "unjam":
            s.jam(at.board, at.lock, false);
            break;
          case "put":
            s.setPresent(at.board, at.lock, true);
            break;
          case "take":
            s.setPresent(at.board, at.lock, false);
            break;
        }
        return { ...req.params, ...at, open: s.isOpen(at.board, at.lock) };
      },
    );
    app.post<{ Params: { device: string; board: string; action: "kill" | "revive" } }>(
      "/sim/lockers/:device/boards/:board/:action",
      {
        schema: {
          params: {
            type: "object",
            required: ["device", "board", "action"],
            properties: {
              device: { type: "string" },
              // a path segment is text: no type coercion in this API, so the pattern says "a number"
              board: { type: "string", pattern: "^[0-9]{1,3}$" },
              action: { enum: ["kill", "revive"] },
            },
          },
        },
      },
      async (req) => {
        const bank = banks.get(req.params.device);
        const board = Number(req.params.board);
        if (!bank?.boards.includes(board)) {
          throw new QhError(
            "QH_LOCKER_COMPARTMENT_UNKNOWN",
            `no simulated board ${board} on ${req.params.device}`,
          );
        }
        if (req.params.action === "kill") bank.sim.kill(board);
        else bank.sim.revive(board);
        return { device: req.params.device, board, alive: req.params.action === "revive" };
      },
    );
    app.post<{ Params: { device: string }; Body: { code: string } }>(
      "/sim/scanners/:device/scan",
      {
        schema: {
          params: { type: "object", required: ["device"], properties: { device: { type: "string" } } },
          body: {
            type: "object",
            additionalProperties: false,
            required: ["code"],
            properties: {
              code: { type: "string", minLength: 1, maxLength: 120, pattern: "^[\\x20-\\x7E\\x1D]+$" },
            },
          },
        },
      },
      async (req) => {
        const s = scanners.get(req.params.device);
        if (!s) throw new QhError("QH_DEVICE_UNKNOWN", `no simulated scanner ${req.params.device}`);
        s.scan(req.body.code);
        return { device: req.params.device, scanned: true };
      },
    );
  };
}
