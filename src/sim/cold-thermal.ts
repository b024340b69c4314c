/**
 * The thermal model of one simulated cold zone (pure; time is given, never read): air temperature
 * follows Newton's law toward ambient through the walls (faster with the door open) and toward the
 * evaporator while the compressor runs; a thermostat with a differential switches the compressor;
 * a defrost runs as a controller runs it (Carel ir33: dt1 end-defrost temperature measured on the
 * evaporator, default 4 °C; dP1 maximum duration, default 30 min): the compressor and the fan stop,
 * the heater warms the frosted coil from the evaporating temperature until it reaches the end
 * temperature (about a minute and a half here) or the maximum duration, then cooling resumes. The
 * air is not heated directly: it drifts up through the walls while cooling is off and exchanges
 * a little with the coil (fan stopped), a few degrees for a few minutes.
 *
 *   dT/dt    = (ambient − T) / τ_leak(door) + [compressor] (evaporator − T) / τ_cool + [defrost] (coil − T) / τ_coilAir
 *   dcoil/dt = (heater − coil) / τ_defrost   (during a defrost; the coil starts at the evaporator's temperature)
 *
 * Faults: the door held open, the compressor failed, the cooling's power cut (the controller keeps
 * answering on its own supply), the probe failed (the model's sentinel is read instead).
 * Defaults give minutes, not hours, so that a demo fault shows within a minute.
 */

export interface ThermalParams {
  /** °C around the cabinet; default 22 */
  ambientC: number;
  /** s: wall leak with the door shut; default 900 (a small locker cabinet) */
  tauLeakS: number;
  /** s: leak with the door open; default 60 (the compressor cannot hold: about 9 °C flat out) */
  tauDoorS: number;
  /** °C the evaporator pulls toward; default -35 */
  evaporatorC: number;
  /** s: cooling; default 200 (holds -18 °C with room to spare: -24.6 °C flat out) */
  tauCoolS: number;
  /** thermostat differential, °C (compressor on above set-point + d/2, off below − d/2); default 2 */
  differentialC: number;
  /** °C the defrost heater pulls the evaporator coil toward; default 20 */
  heaterC: number;
  /** s: the coil's warming by the heater; default 60 */
  tauDefrostS: number;
  /** the coil's end-defrost temperature, °C (Carel dt1); default 4 */
  defrostEndC: number;
  /** longest defrost, s (Carel dP1); default 1800 */
  defrostS: number;
  /** s: the air's exchange with the coil while the fan is stopped; default 600 */
  tauCoilAirS: number;
  /** integration step, s; default 1 */
  stepS: number;
}

export const DEFAULT_THERMAL: Readonly<ThermalParams> = {
  ambientC: 22,
  tauLeakS: 900,
  tauDoorS: 60,
  evaporatorC: -35,
  tauCoolS: 200,
  differentialC: 2,
  heaterC: 20,
  tauDefrostS: 60,
  defrostEndC: 4,
  defrostS: 1800,
  tauCoilAirS: 600,
  stepS: 1,
};

export type ZoneFault = "door-open" | "compressor" | "power" | "probe";
export const ZONE_FAULTS: readonly ZoneFault[] = ["door-open", "compressor", "power", "probe"];

export interface ZoneState {
  temperatureC: number;
  setpointC: number;
  doorOpen: boolean;
  compressorOn: boolean;
  defrosting: boolean;
  faults: ZoneFault[];
}

export class ThermalZone {
  temperatureC: number;
  setpointC: number;
  doorOpen = false;
  compressorOn = false;
  private defrostLeftS = 0;
  /** the evaporator coil's temperature during a defrost, °C */
  private coilC = 0;
  private readonly faults = new Set<ZoneFault>();
  private atMs: number;
  private readonly p: ThermalParams;

  /** @param nowMs the model's clock at creation (monotonic ms) */
  constructor(
    init: { setpointC: number; temperatureC?: number },
    nowMs: number,
    params: Partial<ThermalParams> = {},
  ) {
    this.p = { ...DEFAULT_THERMAL, ...params };
    this.setpointC = init.setpointC;
    this.temperatureC = init.temperatureC ?? init.setpointC;
    this.atMs = nowMs;
  }

  get defrosting(): boolean {
    return this.defrostLeftS > 0;
  }

  get probeFailed(): boolean {
    return this.faults.has("probe");
  }

  /** Door as the contact reads it: opened by hand, or held open by a fault. */
  get doorReadsOpen(): boolean {
    return this.doorOpen || this.faults.has("door-open");
  }

  setFault(fault: ZoneFault, on = true): void {
    if (on) this.faults.add(fault);
    else this.faults.delete(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  startDefrost(): void {
    this.defrostLeftS = this.p.defrostS;
    this.coilC = Math.min(this.temperatureC, this.p.evaporatorC);
  }

  stopDefrost(): void {
    this.defrostLeftS = 0;
  }

  /** Run the model up to `nowMs` (a clock that goes back is ignored: time only moves forward). */
  advance(nowMs: number): void {
    let leftS = (nowMs - this.atMs) / 1000;
    if (leftS <= 0) return;
    this.atMs = nowMs;
    const p = this.p;
    while (leftS > 0) {
      const dt = Math.min(p.stepS, leftS);
      leftS -= dt;
      const cooling = !this.faults.has("compressor") && !this.faults.has("power") && !this.defrosting;
      const half = p.differentialC / 2;
      if (!cooling) this.compressorOn = false;
      else if (this.temperatureC > this.setpointC + half) this.compressorOn = true;
      else if (this.temperatureC < this.setpointC - half) this.compressorOn = false;
      const tauLeak = this.doorReadsOpen ? p.tauDoorS : p.tauLeakS;
      let dT = (p.ambientC - this.temperatureC) / tauLeak;
      if (this.compressorOn) dT += (p.evaporatorC - this.temperatureC) / p.tauCoolS;
      if (this.defrosting) {
        dT += (this.coilC - this.temperatureC) / p.tauCoilAirS;
        this.coilC += ((p.heaterC - this.coilC) / p.tauDefrostS) * dt;
        this.defrostLeftS = Math.max(0, this.defrostLeftS - dt);
        if (this.coilC >= p.defrostEndC) this.defrostLeftS = 0; // end temperature reached
      }
      this.temperatureC += dT * dt;
    }
  }

  state(): ZoneState {
    return {
      temperatureC: Math.round(this.temperatureC * 100) / 100,
      setpointC: this.setpointC,
      doorOpen: this.doorReadsOpen,
      compressorOn: this.compressorOn,
      defrosting: this.defrosting,
      faults: [...this.faults],
    };
  }
}
