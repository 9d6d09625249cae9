import { describe, expect, it } from 'vitest';
import { colorClass, dayLabel, initials, plural } from '../../static/src/shared/dom';

describe('initials', () => {
  it('takes the first letters of the first and last names', () => {
    expect(initials('Ada King Lovelace')).toBe('AL');
    expect(initials('  grace  ')).toBe('G');
  });
  it('shows a question mark for an empty name', () => {
    expect(initials('')).toBe('?');
  });
});

describe('plural', () => {
  it('counts one and many', () => {
    expect(plural(1, 'reply', 'replies')).toBe('1 reply');
    expect(plural(3, 'reply', 'replies')).toBe('3 replies');
    expect(plural(0, 'file')).toBe('0 files');
  });
});

describe('dayLabel', () => {
  it('names today and yesterday', () => {
    const now = new Date();
    const yesterday = new Date(now);
    yesterday.setDate(now.getDate() - 1);
    expect(dayLabel(now)).toBe('Today');
    expect(dayLabel(yesterday)).toBe('Yesterday');
  });
});

describe('colorClass', () => {
  it('gives each id one of eight stable colours', () => {
    expect(colorClass(9)).toBe('c1');
    expect(colorClass(9)).toBe(colorClass(9));
  });
});
