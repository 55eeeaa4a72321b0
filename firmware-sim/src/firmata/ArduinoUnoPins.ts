import { type PinCapability, PinMode } from './FirmataProtocol.js';

/** PWM-capable pins of an ATmega328P Arduino Uno (Timer0/1/2 outputs). */
const UNO_PWM_PINS = new Set([3, 5, 6, 9, 10, 11]);

/**
 * The capabilities StandardFirmata reports for an Arduino Uno: 20 pins; 0 and 1 are the USB
 * serial line (no Firmata modes); 2–19 digital in/out with pull-up and servo; PWM on 3, 5, 6,
 * 9, 10, 11 (8 bits); 14–19 are A0–A5, 10-bit ADC channels 0–5
 * (StandardFirmata `capabilityQuery` / Boards.h `IS_PIN_DIGITAL`, `IS_PIN_ANALOG`, `IS_PIN_PWM`).
 */
export function arduinoUnoPins(): PinCapability[] {
  const pins: PinCapability[] = [];
  for (let pin = 0; pin < 20; pin++) {
    if (pin < 2) {
      pins.push({ modes: [] });
      continue;
    }
    const modes: PinCapability['modes'] = [
      { mode: PinMode.INPUT, resolutionBits: 1 },
      { mode: PinMode.OUTPUT, resolutionBits: 1 },
      { mode: PinMode.PULLUP, resolutionBits: 1 },
    ];
    if (pin >= 14) modes.push({ mode: PinMode.ANALOG, resolutionBits: 10 });
    if (UNO_PWM_PINS.has(pin)) modes.push({ mode: PinMode.PWM, resolutionBits: 8 });
    if (pin < 14) modes.push({ mode: PinMode.SERVO, resolutionBits: 14 });
    pins.push(pin >= 14 ? { modes, analogChannel: pin - 14 } : { modes });
  }
  return pins;
}
