/**
 * The args schemas of `trace.lot`, `trace.recall`, `distribution.load` and `distribution.close`
 * (docs/contract/v1, missing before) agree with the gateway's own checks: each valid example is
 * valid by the schema and accepted by the gateway's validation; each invalid one is invalid by
 * the schema and refused QH_COMMAND_INVALID. The trace commands go through a running gateway;
 * `distribution.load`'s args through the parser its handler runs (parseLoad, the same call);
 * `distribution.close` (roundId 1-64 characters, nothing else) against the schema only: the
 * vending rig has no distribution part.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isQhError } from "../../../src/core/errors.js";
import { parseLoad } from "../../../src/domain/distribution/load-args.js";
import { contractValidators } from "../../helpers/contract.js";
import { startVendingGateway, type VendingRig } from "../../helpers/vending-gateway.js";

const validators = contractValidators();
const GTIN = "04012345678901";

const traceValid = [
  { gtin: GTIN, lot: "MILK0105" },
  { gtin: "4012345678901", lot: "A/1-2" },
];
const traceInvalid = [
  { gtin: GTIN },
  { gtin: "040123", lot: "L1" },
  { gtin: GTIN, lot: "L|1" },
  { gtin: GTIN, lot: "A".repeat(21) },
  { gtin: GTIN, lot: "L1", extra: 1 },
];

describe("args schemas of trace.* and distribution.* agree with the gateway", () => {
  let rig: VendingRig;
  beforeAll(async () => {
    rig = await startVendingGateway(
      { prices: { "3": 500 }, dispenseMs: 20 },
      {
        planogram: {
          machines: [{ device: "vm-a", slots: [{ slot: 3, product: "milk", price: 500, capacity: 12 }] }],
        },
        trace: { timeZone: "UTC" },
      },
    );
  });
  afterAll(async () => {
    await rig.stop();
  });

  it("trace.lot and trace.recall", async () => {
    for (const name of ["trace.lot", "trace.recall"]) {
      const v = validators.get(`cmd.${name}.args`);
      expect(v, name).toBeDefined();
      const valid =
        name === "trace.recall" ? [...traceValid, { gtin: GTIN, lot: "X1", reason: "supplier" }] : traceValid;
      const invalid =
        name === "trace.recall"
          ? [
              ...traceInvalid,
              { gtin: GTIN, lot: "X1", reason: "" },
              { gtin: GTIN, lot: "X1", reason: "r".repeat(201) },
            ]
          : [...traceInvalid, { gtin: GTIN, lot: "X1", reason: "r" }];
      for (const a of valid) {
        expect(v!(a), `${name} ${JSON.stringify(a)}`).toBe(true);
        expect((await rig.command(name, a)).status, `${name} ${JSON.stringify(a)}`).toBe("ok");
      }
      for (const a of invalid) {
        expect(v!(a), `${name} ${JSON.stringify(a)}`).toBe(false);
        const r = await rig.command(name, a);
        expect(r.status, `${name} ${JSON.stringify(a)}`).toBe("rejected");
        expect(r.error?.code).toBe("QH_COMMAND_INVALID");
      }
    }
  });

  it("distribution.load and distribution.close", () => {
    const load = validators.get("cmd.distribution.load.args")!;
    const close = validators.get("cmd.distribution.close.args")!;
    const bundle = { bundleId: "b-1", household: "b2-1101", code: "482913" };
    const valid = [
      { roundId: "r-1", bundles: [bundle] },
      {
        roundId: "r-2",
        closesAt: "2026-01-03T20:00:00+08:00",
        bundles: [
          {
            ...bundle,
            slot: { from: "2026-01-02T18:00:00+08:00", to: "2026-01-02T20:00:00+08:00" },
            size: "M",
            zone: "chilled",
          },
        ],
      },
      {
        roundId: "r-3",
        bundles: [{ ...bundle, lots: [{ gtin: GTIN, lot: "MILK-1", expiry: "2026-01-31", quantity: 2 }] }],
      },
    ];
    const lot = { gtin: GTIN, lot: "MILK-1" };
    const invalid = [
      { roundId: "r-1", bundles: [{ ...bundle, lots: Array.from({ length: 51 }, () => lot) }] },
      { roundId: "r-1", bundles: [{ ...bundle, lots: [{ ...lot, quantity: 0 }] }] },
      { roundId: "r-1", bundles: [{ ...bundle, lots: [{ ...lot, best: "2026-01-31" }] }] },
      { bundles: [bundle] },
      { roundId: "r-1", bundles: [] },
      { roundId: "r 1", bundles: [bundle] },
      { roundId: "r-1", bundles: [{ ...bundle, code: "12a4" }] },
      { roundId: "r-1", bundles: [{ ...bundle, zone: "warm" }] },
      { roundId: "r-1", bundles: [{ ...bundle, size: "XXL" }] },
      { roundId: "r-1", bundles: [{ ...bundle, extra: 1 }] },
      { roundId: "r-1", closesAt: "2026-01-03 20:00", bundles: [bundle] },
      { roundId: "r-1", bundles: [bundle], extra: true },
    ];
    for (const a of valid) {
      expect(load(a), JSON.stringify(a)).toBe(true);
      expect(() => parseLoad(a, 4)).not.toThrow();
    }
    for (const a of invalid) {
      expect(load(a), JSON.stringify(a)).toBe(false);
      let code: string | undefined;
      try {
        parseLoad(a as never, 4);
      } catch (err) {
        code = isQhError(err) ? err.code : "thrown";
      }
      expect(code, JSON.stringify(a)).toBe("QH_COMMAND_INVALID");
    }
    expect(close({ roundId: "r-1" })).toBe(true);
    for (const a of [{}, { roundId: "" }, { roundId: "r".repeat(65) }, { roundId: "r-1", force: true }])
      expect(close(a), JSON.stringify(a)).toBe(false);
  });
});
