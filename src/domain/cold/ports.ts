/**
 * The seam between the cold chain's domain (zones, alarms, the temperature record) and the
 * controllers that measure and cool (a Modbus RTU driver, or anything else that can). The domain
 * knows no transport: it asks a `ColdControllerPort` per controller.
 */

/** What a controller says about one of its channels (a zone's probe and its cooling). */
export interface ControllerReading {
  /** the controller's device id (config `buses[].devices[].id`) */
  device: string;
  /** the channel on that controller (0 for a single-zone controller) */
  channel: number;
  /**
   * Air temperature in °C, after the model's scale; `null` when the probe reports a fault
   * (a sentinel value of the model's register map, e.g. 32767) and `quality` says so.
   */
  temperatureC: number | null;
  /** "ok"; "sensor_fault" (sentinel or implausible); "unreachable" (no answer: no value) */
  quality: "ok" | "sensor_fault" | "unreachable";
  /** the set-point read back from the controller, °C, when the model maps it */
  setpointC?: number;
  /** door contact, compressor and defrost state, when the model maps them */
  doorOpen?: boolean;
  compressorOn?: boolean;
  defrosting?: boolean;
  /** monotonic time of the answer (performance.now() ms): durations never use the wall clock */
  atMono: number;
}

/** One controller on a line. Every call is one Modbus transaction (or a few) on the bus master. */
export interface ColdControllerPort {
  readonly device: string;
  /**
   * The set-point register's step, °C (the model's `registers.setpoint.scale`, e.g. 0.1 for
   * tenths): a read-back within half of it is the value asked (cold.setpoint). Default 0.1.
   */
  readonly setpointStepC?: number;
  /**
   * Reads every value the model maps for `channel`.
   * Never rejects for a dead controller: resolves with `quality: "unreachable"` and no value.
   */
  read(channel: number): Promise<ControllerReading>;
  /**
   * Writes the set-point (°C, scaled by the model), then reads it back.
   * @returns the value read back, °C (the caller compares it with what it asked)
   * @throws QhError QH_SERIAL_TIMEOUT / QH_COLD_* when the controller does not answer or refuses
   *   (a Modbus exception reply); a set-point is never written twice blindly: read it first.
   */
  writeSetpoint(channel: number, celsius: number): Promise<number>;
  /**
   * Starts a defrost cycle on `channel` (a register write, per the model), unless one is already
   * running (read first when the model maps the state). A timeout carries `details.defrost`
   * "not_started" or "unknown" (never reported started without reading it).
   */
  defrost(channel: number): Promise<"started" | "already_running">;
}
