/** A whole-number setting with bounds (token lifetimes, page sizes), refused with a RangeError outside them. */

/** `value` when it is an integer from `min` to `max`; throws RangeError naming the setting otherwise. */
export function checkInt(name: string, value: unknown, min: number, max: number): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) {
    throw new RangeError(`${name} must be an integer between ${min} and ${max}; got ${String(value)}`);
  }
  return value;
}

export class IntSetting {
  private current: number;

  constructor(
    readonly name: string,
    initial: number,
    readonly min: number,
    readonly max: number,
  ) {
    this.current = checkInt(name, initial, min, max);
  }

  get value(): number {
    return this.current;
  }

  /** Throws RangeError outside [min, max]. */
  set value(v: number) {
    this.current = checkInt(this.name, v, this.min, this.max);
  }
}
