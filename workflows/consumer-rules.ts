// Rules of consumer returns that both the workflow's update validators and the database check
// (DESIGN.md P3): pure functions, so the same words and numbers come back from either place.

/** goods that are not returnable by their nature, by the category code the storefront sends */
export const NON_RETURNABLE: Record<string, string> = {
  'made-to-order': 'made-to-order goods',
  perishable: 'fresh and perishable goods',
  'opened-software': 'opened downloads and software',
  periodical: 'newspapers and periodicals',
  'food-medicine': 'food, drink, medicine and health products',
  precious: 'precious goods (jewellery, precious metals, watches, luxury goods)',
  'personal-care': 'personal care and intimate goods',
  virtual: 'virtual goods (gift cards, top-ups, tickets, one-time services)',
  special: 'special goods (operator-contract phones, second-hand and processed goods)',
};

export interface Violation { code: string; message: string; details: Record<string, unknown> }

export function notReturnable(lineNo: number, category: string): Violation | null {
  const name = NON_RETURNABLE[category];
  if (!name) return null;
  return { code: 'not-returnable', message: `line ${lineNo} is ${name} (category ${category}), which cannot be returned`, details: { lineNo, category } };
}

export function tooManyReturned(lineNo: number, quantity: number, delivered: number, returned: number, pending: number): Violation | null {
  const left = delivered - returned - pending;
  if (quantity <= left) return null;
  return {
    code: 'return-exceeds-delivered',
    message: `line ${lineNo}: ${quantity} asked back, but ${delivered} delivered, ${returned} returned and ${pending} pending leave ${left}`,
    details: { lineNo, requested: quantity, delivered, returned, pending, left },
  };
}
