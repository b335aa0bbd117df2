/** A share as a percentage with one decimal (metrics); '-' when there is none. */
export const percent = (value?: number | null) => (value === undefined || value === null ? '-' : `${(value * 100).toFixed(1)} %`);

/** A small rate as a percentage with two significant digits (0.0001 is 0.01 %). */
export const rate = (value: number) => `${Number((value * 100).toPrecision(2))} %`;
