/**
 * The catalogue of coded errors. Every error the gateway raises on purpose carries a `QH_…` code
 * and says what to do about it (`hint`).
 */
export const ERRORS = {
  QH_CONFIG_INVALID: "Fix the named key in the config file and start again.",
  QH_CONFIG_UNREADABLE: "Check the --config path exists and is readable YAML.",
  QH_USAGE: "Run `quarterhour --help` for usage.",
  QH_STORE_OPEN: "Check dataDir exists, is writable, and is not used by another gateway process.",
  QH_STORE_LOCKED:
    "Another quarterhour process (the pid in the message) uses this data dir: stop it first, or give this one its own --data-dir.",
  QH_STORE_FULL:
    "The data disk is full or the store's quota (store.diskQuotaMb) is reached: free disk space or raise the quota; the gateway resumes by itself once writes succeed (docs/operations.md).",
  QH_STORE_IO:
    "The data disk failed a write (I/O error): check the disk (dmesg, SD card health); the gateway retries by itself and resumes once writes succeed.",
  QH_DEVICE_RATE_LIMITED:
    "The device sends events faster than deviceBroker.maxEventsPerSecond (burst deviceBroker.eventBurst): fix the device, or raise the limits if its rate is real; it may reconnect and resend at once.",
  QH_STORE_CLOSED: "The gateway is shutting down; retry after it restarts.",
  QH_STORE_MISSING:
    "Restore the database from a backup into the data dir, or create a new empty store with `quarterhour store new` (seq restarts, parcels and device credentials are forgotten); see docs/operations.md.",
  QH_STORE_CORRUPT:
    "Stop the gateway, run `quarterhour store check`, then restore a backup or run `quarterhour store recover`; see docs/operations.md.",
  QH_STORE_SEQ_UNKNOWN:
    "Look up the last seq the platform received from this gateway and run `quarterhour store recover --min-seq <that seq + 1>`; nothing was changed.",
  QH_STORE_READONLY:
    "Make the data dir and its database writable by the gateway's user; a card remounted read-only after I/O errors needs fsck and a check (docs/operations.md).",
  QH_STORE_READONLY_FS:
    "The data dir is on a read-only file system (the kernel remounts a card read-only after I/O errors: `dmesg`): take a backup now while it still reads (`quarterhour store backup`), then fsck or replace the card and restore (docs/operations.md).",
  QH_STORE_INTERRUPTED:
    'Start the gateway (as its user): SQLite rolls the interrupted rewrite back from the -journal file when it opens the store. Never delete the -journal file. Then run `quarterhour store check` again (docs/operations.md "Upgrading").',
  QH_LOCKER_KEY_MISSING:
    'Restore locker.key from the backup of the data dir (it is not inside the database; owner the gateway\'s user, mode 600) and start again; without one, see docs/operations.md "Lost locker.key".',
  QH_EVENT_INVALID:
    "Send a JSON object on dev/{id}/evt/{type} with a type matching [a-z0-9_]+(.[a-z0-9_]+)*.",
  QH_DEVICE_EXISTS: "Use another id, or `quarterhour device remove ID` first.",
  QH_DEVICE_UNKNOWN: "Check the id with `quarterhour device list`.",
  QH_DEVICE_INVALID: "Device ids are 1-64 characters of A-Z a-z 0-9 _ -.",
  QH_DEVICE_HOLDS_PARCELS:
    "Collect or retrieve the parcels (and a distribution round's bundles) in the listed compartments first, then change or remove the locker bank.",
  QH_MODEL_UNKNOWN: "Use a model id from devices/ (or generic-mqtt).",
  QH_DEVICE_SECRET_INVALID:
    "A device secret is at least 8 characters; leave --secret out to have a strong one generated.",
  QH_DEVICE_UNDECLARED:
    "Declare the device under `devices:` in the config (id and an MQTT model) first; serial devices on buses take no credential.",
  QH_COMMAND_INVALID: "Send { id, args, expiresAt } as JSON; see docs/contract.md.",
  QH_COMMAND_UNKNOWN: "Use a command name from docs/contract.md.",
  QH_COMMAND_TIMEOUT: "The device did not answer in time; check it is online and retry with a new id.",
  QH_COMMAND_EXPIRED: "The command's expiresAt had passed when it arrived; send a new command with a new id.",
  QH_COMMAND_OUTCOME_UNKNOWN:
    "The gateway restarted while this command ran; check the device's state before sending a new command with a new id.",
  QH_COMMAND_SIGNATURE:
    "Sign the command, with its target gateway in gw, with the platform's Ed25519 key (uplink.commandKey); see docs/contract.md.",
  QH_COMMAND_WRONG_GATEWAY: "Send the command to the gateway it names in gw (its own R/cmd/{name} topic).",
  QH_DEVICE_COMMAND_FAILED:
    "The device answered with an error; see the message, fix the cause and retry with a new id.",
  QH_DEVICE_OFFLINE: "The device is not connected to the gateway; check its power and network.",
  QH_UPLINK_CONFIG: "Check uplink.url, credentials and TLS files.",
  QH_SERIAL_OPEN: "Check the serial path exists, is not used by another program, and that you may open it.",
  QH_SERIAL_PATH_INVALID:
    "Give the path of a serial port (/dev/ttyUSB0, /dev/ttyS1, /dev/serial/by-id/…): not /dev/fd, /dev/std*, /dev/shm, /proc, a file or another device.",
  QH_SERIAL_TIMEOUT: "The board did not answer: check wiring, address and baud rate.",
  QH_SERIAL_CLOSED: "The serial port is closed or unplugged; it is reopened automatically.",
  QH_API_UNAUTHORIZED: "Send Authorization: Bearer <api.token>.",
  QH_API_NOT_FOUND: "Check the method and path against docs/contract.md and docs/locker.md.",
  QH_API_INVALID: "Fix the request body as the error details say.",
  QH_PATH_INVALID:
    "Check the path the message names: it must exist (or be creatable), be the right kind (file or directory) and be usable by this user.",
  QH_INTERNAL: "This is a bug: please report it with the log.",
  QH_LOCKER_INPUT_INVALID: "Fix the value the message names (terminal, barcode, size, order) and retry.",
  QH_LOCKER_COMPARTMENT_UNKNOWN: "Use a device and compartment id from the locker's layout.",
  QH_LOCKER_COMPARTMENT_RETIRED:
    "The compartment left the config while it held a parcel: staff put the bank's previous model/address back (the config's .prev file) and restart, or open the door by hand and retrieve the parcel (see /health).",
  QH_LOCKER_PARCEL_UNKNOWN: "Check the parcel or order id: not deposited yet, or already gone.",
  QH_LOCKER_NO_COMPARTMENT: "No free working compartment of that size or larger: try another size or locker.",
  QH_LOCKER_CODE_WRONG: "Check the code and retry; repeated wrong codes lock the terminal for a while.",
  QH_LOCKER_LOCKED_OUT: "Too many wrong codes at this terminal: wait until the time given.",
  QH_LOCKER_SITE_SLOWED:
    "Too many wrong codes at this site: wait until the time given; customer service can open a door for a resident meanwhile.",
  QH_LOCKER_TERMINAL_UNKNOWN: "Use a terminal id declared in the config (locker.terminals).",
  QH_LOCKER_CODE_IN_USE:
    "An active parcel or a distribution bundle still in the lockers already uses this pickup code: reserve with another code.",
  QH_LOCKER_CODE_SPACE: "Almost every pickup code is in use: raise locker.codeLength.",
  QH_LOCKER_SESSION: "Start a deposit session (courier code) and follow its steps in order.",
  QH_LOCKER_BUSY: "A door is open or opening for this terminal or parcel: retry once it is closed.",
  QH_LOCKER_CONFLICT: "The order or parcel is already in another state; check it before retrying.",
  QH_LOCKER_WRONG_TERMINAL: "The parcel is in another locker: use that locker's terminal.",
  QH_PORT_IN_USE:
    "Stop the other program on that port, or move this listener (the message says how: the config key, a flag or an environment variable).",
  QH_PORT_UNAVAILABLE:
    "Pick a port this user may open (1024 or above) on an address of this host: the message names the key and how to change it.",
  QH_GATEWAY_UNREACHABLE:
    'Start the gateway first (`npm start` or `quarterhour start`, with the same -c and port flags) and wait for "gateway started".',
  QH_GATEWAY_MISMATCH:
    "Another program answers on that port: pass this command the -c / --api-port / --uplink-port your gateway was started with.",
  QH_SIM_FAILED:
    "The simulated step did not complete (in time): check the gateway's log and `quarterhour locker compartments`.",
  QH_SIM_VEND_FAILED:
    "The simulated vend did not complete (in time): check the gateway's log and `quarterhour vend stock`; in emergency mode a phone payment must name its household (`sim vend phone --household ID`) and cashless sales are of the essentials only (vend.essentials).",
  QH_LOCKER_UNREACHABLE: "The lock board did not take the pulse: check its power and bus wiring, then retry.",
  // ---- cold chain (issue 9, domain half) ----
  QH_COLD_ZONE_ALARM:
    "This compartment's cold zone is in alarm (too warm, door left open, probe or controller fault): do not deposit chilled or frozen goods here; use another zone or locker and tell the site's operator.",
  QH_COLD_ZONE_UNKNOWN: "Use a zone id from the config's cold.zones (GET /api/v1/cold/zones lists them).",
  QH_COLD_INPUT_INVALID:
    "Fix the request as the message says: --from/--to (from, to) are ISO 8601 times with from before to, format is csv or json.",
  QH_COLD_SETPOINT_MISMATCH:
    "The controller read back another set-point than the one written: check its configuration lock and limits, then retry.",
  QH_COLD_CONTROLLER:
    "The temperature controller did not answer or refused: check its power, address and the RS-485 wiring, then retry.",
  // modbus-rtu (issue 9, wire half): controllers on Modbus RTU lines
  QH_MODBUS_EXCEPTION:
    "The controller refused the request (a Modbus exception reply): check the device model's register map (register, function, range) against the controller's manual.",
  QH_MODBUS_VALUE:
    "The value does not fit the register the device model maps it to (type, scale, sensor-fault values): send a value in range, or fix the model.",
  // ---- vending audit and stock (dex-ucs, planogram): one block ----
  QH_DEX_INVALID:
    "Pass the machine's DEX/EVA-DTS audit file (text from DXS to DXE); this one has no DXS line.",
  QH_DEX_INTEGRITY:
    "The audit file failed its integrity check (G85 wrong, cut short, or no G85): read it from the machine again; do not book its figures.",
  QH_DEX_FETCH_FAILED:
    "The machine did not hand over its DEX file through the bridge: check the bridge's DEX cable and that the machine is idle, then run the audit again.",
  QH_DEX_AUDIT_BUSY: "An audit of this machine is running: wait for its audit.dex event, then retry.",
  QH_PLANOGRAM_MACHINE_UNKNOWN: "Use a vending machine id from the config's planogram.machines.",
  QH_PLANOGRAM_SLOT_UNKNOWN: "Use a slot number from the machine's planogram (`quarterhour vend stock`).",
  QH_PLANOGRAM_INPUT_INVALID:
    "Fix the entries the message names: counts from 0 to the slot's capacity, prices in whole minor units, each slot once.",
  // ---- vending (issue 10, mdb helper) ----
  QH_VEND_MACHINE_UNKNOWN:
    "Use a vending machine's device id from the config (a device on an mdb-bridge-text bus).",
  QH_VEND_NOT_READY:
    "The machine's reader is not enabled, or a session is already open on it: wait for the open session to end (vend.session_ended) or check the machine and its bridge (GET /api/v1/vending/machines).",
  QH_VEND_REFUSED:
    "The MDB bridge refused the request (the machine moved on meanwhile): check the machine's state and start again with a new command id.",
  QH_VEND_NOT_PENDING:
    "No such vend request or session is waiting on that machine: it was answered, timed out (denied) or ended already; a late answer changes nothing.",
  QH_VEND_PAYMENT_REUSED:
    "That paymentRef already bought a session (each payment buys one): send the unspent credit of the first session for refund, or take a new payment with a new paymentRef.",
  QH_DEX_AUDIT_TIMEOUT:
    "The gateway did not answer the audit in time: look for its audit.dex event or GET /api/v1/vending/{device}/audits before running it again; check the bridge's DEX cable.",
  QH_VEND_BRIDGE_SILENT:
    "The MDB bridge does not answer: check its power, the serial cable and baud rate (115200 8N1); it is configured again as soon as it speaks (c,BOOT).",
  // ---- console and kiosk auth, provisioning (issue 12, p12api) ----
  QH_API_SCOPE:
    "This credential may not call this route: a kiosk terminal's credential works only on its own terminal's kiosk routes (/api/v1/kiosk/{terminal}/…); log in to the console with the API token for the rest.",
  QH_API_GUESSING:
    "Too many wrong tokens or pairing codes: wait until the time given (Retry-After), then retry with the right one; check api.token or create a new pairing code.",
  QH_KIOSK_UNPAIRED:
    "This screen is not paired with the terminal (or its credential was revoked or expired): create a pairing code with `quarterhour terminal pair TERMINAL` or in the console and enter it on the kiosk's pairing screen.",
  QH_KIOSK_PAIRING_CODE_WRONG:
    "The pairing code is wrong, used or expired: create a new one (`quarterhour terminal pair TERMINAL`) and enter it within its validity.",
  QH_KIOSK_PAIRING_CODE_SPENT:
    "This terminal's pairing code had too many wrong guesses (someone on the network may be guessing; the gateway log names the addresses): it no longer works. Create a fresh code (`quarterhour terminal pair TERMINAL` or the console) and enter it at once.",
  QH_CONFIG_WRITE:
    "The config file could not be saved (nothing changed): check that its directory is writable by the gateway's user and the disk is not full, then retry.",
  QH_CONFIG_NO_FILE:
    "This gateway was started without a config file it may write: start it with `quarterhour start -c FILE` to change its config from the console.",
  QH_VEND_REQUEST_UNSENT:
    "The uplink was not connected when the machine asked: the vend was decided offline (vending.offlineLimit); check the uplink (GET /health).",
  // ---- pages (issue 12, p12kiosk) ----
  QH_PAGES_NOT_BUILT:
    "Build the pages with `npm run build` (a package install ships them built in dist/web), then reload.",
  // ---- console review (issue 12, console12) ----
  QH_PAGES_NOT_FOUND:
    "Nothing is served at this path: open the console at / or a kiosk at /kiosk/{terminal}; /assets/ holds only the pages' own files (no folder listings).",
  QH_PAGES_PATH_REFUSED:
    "This path was refused: it has a '..' segment (plain or percent-encoded) or a hidden name (a segment starting with '.'). Ask for a file the pages link to, e.g. /assets/console/main.js.",
  QH_API_HOST:
    "Reach the gateway by a loopback address, its api.host, one of the box's own IP addresses, or a name listed in api.allowedHosts (docs/configuration.md); add the name you use there and restart.",
  QH_API_ORIGIN:
    "A page from another site may not change anything on the gateway: use the console served by the gateway itself (open it at its own address), or call the API without an Origin header (CLI, scripts).",
  // ---- commissioning: jobs, bus scan, door test, reports, live view (issue 12, p12ops) ----
  QH_JOB_BUSY:
    "That bus runs another long operation (the message names the job): wait for it to end (GET /api/v1/jobs/{job}) or cancel it (DELETE /api/v1/jobs/{job}), then start again.",
  QH_JOB_UNKNOWN: "Check the job id: jobs are kept in memory only, a restart forgets them.",
  QH_BUS_UNKNOWN: "Use a bus id from the config's buses (GET /api/v1/buses lists them).",
  QH_BANK_UNKNOWN: "Use a locker bank id from the config (a device on a lock-board bus).",
  QH_SCAN_UNSUPPORTED:
    "This line's protocol has no addresses to probe (a barcode scanner, an MDB bridge: one device per line): check it with POST /api/v1/buses/test-open or its device's own status instead.",
  QH_SCAN_RANGE_INVALID:
    "Give from and to inside the protocol's address range (the message says it), from not above to.",
  QH_DOOR_TEST_INVALID:
    "Give locks as the bank's lock numbers (1 to its compartment count, each once) and timeouts in whole seconds (open 1-60, close 1-600).",
  QH_REPORT_UNKNOWN: "Check the report id with GET /api/v1/reports.",
  // ---- compartment layout (issue 12, layout12) ----
  QH_LAYOUT_INVALID:
    "Send { compartments: [{ id, size?, zone?, enabled? }] }: size XS, S, M, L or XL, zone ambient, chilled or frozen, enabled true or false, each id once (the details name each key path).",
  QH_LAYOUT_COMPARTMENT_UNKNOWN:
    "Use a compartment id of this bank as GET /api/v1/locker/{bank}/layout lists them (the bank's model fixes the ids).",
  // ---- traceability (issue 11, trace11): GS1 element strings, lots, recalls ----
  QH_GS1_INVALID:
    "The scan is not a GS1 element string (or a part of it is malformed): scan the GS1-128/DataMatrix/QR label again, or type GTIN and lot; docs/traceability.md lists what is read.",
  QH_GS1_CHECK_DIGIT:
    "The GTIN's (or SSCC's) check digit is wrong: the label was misread or mistyped; scan it again.",
  QH_GS1_SEPARATOR:
    "The scanner dropped or rewrote the group separator: configure it to send GS (ASCII 29) and scan again. If it writes a stand-in character instead (the message names it), set trace.gs1.separator to that character; if it drops GS and this site's lots really end like the message says, set trace.gs1.runOnLots: record.",
  QH_GS1_DATE:
    "A GS1 date (YYMMDD) is not a real date (month 01-12, day 00 or within the month): scan the label again; a printing error needs the supplier.",
  QH_TRACE_INPUT_INVALID:
    "Give a GTIN (8, 12, 13 or 14 digits) and a lot (1-20 GS1 characters); see docs/traceability.md.",
  QH_TRACE_LOT_EXPIRED: "This lot is past its expiry date: do not load it; take it out and book it as waste.",
  QH_TRACE_LOT_RECALLED:
    "This lot is recalled (trace.recall): keep it out of sale and hand it back as the recall says; the platform lifts nothing by itself.",
  QH_TRACE_NO_LOADING:
    "A lot scan is recorded with a deposit whose door is assigned or open: scan the parcel's label, choose the size (and cold zone), then scan each pack as you put it in.",
  // ---- issue 11: site mode and rationed vending (src/domain/site/, src/domain/vending/ration*.ts)
  QH_SITE_UNTIL_PAST:
    "`until` must be in the future by the gateway's clock: send a later end time, or leave `until` out and end the emergency with `site.mode normal`.",
  QH_VEND_HOUSEHOLD_REQUIRED:
    "The site is in emergency mode: a pay-first session (vend.session) must name the buyer's `household` (a household id: 1-64 characters, a letter or digit then letters, digits, '.', '_', ':' or '-'; docs/emergency.md#household-ids), so that the daily ration can be counted.",
  QH_VEND_PRICE_CAP:
    "In emergency mode a price may not rise above its normal (pre-emergency) value: send the normal price or lower; raise it after `site.mode normal`.",
  // distribution rounds (issue 11, emergency supply: docs/emergency.md "Distribution rounds")
  QH_DIST_NOT_EMERGENCY:
    "Distribution rounds are loaded and their bundles put in only in emergency mode: the platform switches it with site.mode.",
  QH_DIST_ROUND_UNKNOWN: "Check the round id: the platform loads a round with distribution.load.",
  QH_DIST_ROUND_CLOSED: "This round is closed: its bundles not loaded are listed in distribution.unclaimed.",
  QH_DIST_BUNDLE_UNKNOWN:
    "Check the label: it is the bundle id of a round the platform loaded (distribution.load); ask the platform if it is missing.",
  QH_DIST_CONFLICT: "This bundle is already in a compartment or collected: scan the next label.",
  QH_DIST_SESSION: "Identify as a volunteer first (POST …/distribution/volunteer with your code).",
  QH_DIST_NOT_LOADED: "The bundle is not in the locker yet: come back once the volunteers have loaded it.",
  QH_DIST_OUTSIDE_SLOT:
    "Come back within your time slot (given in the answer) to avoid crowding at the lockers.",
  QH_DIST_NOT_RETRIEVABLE:
    "Volunteers take back only a bundle that is recalled, holds a product past its expiry date, or is left from a closed round: this one is still its resident's to collect.",
  QH_DIST_RETRIEVED:
    "This bundle was taken back out of the locker (recalled, expired, unclaimed, or by the operator): ask the community's volunteers or the platform.",
  QH_DIST_NO_COMPARTMENT_FITS:
    "No compartment of this site (of the bundle's zone, its size or larger) can hold this bundle: hand it out another way, or have the platform send it with a size and zone the site has.",
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** Codes that mean the store needs a person: the CLI exits 3 and systemd stops restarting. */
export const STORE_NEEDS_PERSON: ReadonlySet<ErrorCode> = new Set([
  "QH_STORE_MISSING",
  "QH_STORE_CORRUPT",
  "QH_STORE_READONLY",
  "QH_STORE_SEQ_UNKNOWN",
  "QH_STORE_READONLY_FS",
  "QH_LOCKER_KEY_MISSING",
]);

export class QhError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "QhError";
    this.code = code;
    this.hint = ERRORS[code];
    this.details = details;
  }

  toJSON(): { code: string; message: string; hint: string; details?: unknown } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

export function isQhError(e: unknown, code?: ErrorCode): e is QhError {
  return e instanceof QhError && (code === undefined || e.code === code);
}
