/** ISO 4217 currencies the gateway settles in: alphabetic code, numeric code, minor units. */
export interface Currency {
  code: string;
  numeric: string;
  minorUnits: number;
}

const CURRENCIES: readonly Currency[] = [
  { code: 'CNY', numeric: '156', minorUnits: 2 },
  { code: 'USD', numeric: '840', minorUnits: 2 },
  { code: 'EUR', numeric: '978', minorUnits: 2 },
  { code: 'GBP', numeric: '826', minorUnits: 2 },
  { code: 'HKD', numeric: '344', minorUnits: 2 },
  { code: 'SGD', numeric: '702', minorUnits: 2 },
  { code: 'THB', numeric: '764', minorUnits: 2 },
  { code: 'MYR', numeric: '458', minorUnits: 2 },
  { code: 'KRW', numeric: '410', minorUnits: 0 },
  { code: 'JPY', numeric: '392', minorUnits: 0 },
  { code: 'BRL', numeric: '986', minorUnits: 2 },
  { code: 'AUD', numeric: '036', minorUnits: 2 },
];

const byCode = new Map(CURRENCIES.map((c) => [c.code, c]));
const byNumeric = new Map(CURRENCIES.map((c) => [c.numeric, c]));

export function currencyByCode(code: string): Currency | undefined {
  return byCode.get(code);
}

export function currencyByNumeric(numeric: string): Currency | undefined {
  return byNumeric.get(numeric);
}
