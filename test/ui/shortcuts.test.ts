import { describe, expect, it } from 'vitest';
import { shortcutsApply, type FocusTarget } from '../../src/ui/components/shortcuts';

const element = (
  tagName: string,
  attributes: Record<string, string> = {},
  editable = false,
): FocusTarget => ({
  tagName,
  isContentEditable: editable,
  getAttribute: (name) => attributes[name] ?? null,
});

describe('keyboard shortcuts act only where focus has no keys of its own', () => {
  const keys = [' ', 'ArrowLeft', 'ArrowRight'];

  it('on the page body, a canvas or a heading, Space and the arrows are shortcuts', () => {
    for (const target of [null, element('BODY'), element('CANVAS'), element('SECTION'), element('H1')])
      for (const key of keys) expect(shortcutsApply(target, key)).toBe(true);
  });

  it('in a form control no key is a shortcut: a checkbox keeps Space, a slider its arrows', () => {
    for (const type of ['checkbox', 'range', 'number', 'text'])
      for (const key of keys) expect(shortcutsApply(element('INPUT', { type }), key)).toBe(false);
    for (const tag of ['SELECT', 'TEXTAREA'])
      for (const key of keys) expect(shortcutsApply(element(tag), key)).toBe(false);
  });

  it('a focused button keeps Space (it presses the button); the arrows still step', () => {
    expect(shortcutsApply(element('BUTTON'), ' ')).toBe(false);
    expect(shortcutsApply(element('BUTTON'), 'Enter')).toBe(false);
    expect(shortcutsApply(element('BUTTON'), 'ArrowRight')).toBe(true);
    expect(shortcutsApply(element('SUMMARY'), ' ')).toBe(false);
  });

  it('the Timeline, a transport control, keeps the shortcuts: ← steps back, → steps', () => {
    const timeline = element('INPUT', { type: 'range', 'data-transport-keys': '' });
    for (const key of keys) expect(shortcutsApply(timeline, key)).toBe(true);
  });

  it('custom widgets by their role, and editable text', () => {
    expect(shortcutsApply(element('DIV', { role: 'radio' }), 'ArrowLeft')).toBe(false);
    expect(shortcutsApply(element('DIV', { role: 'slider' }), 'ArrowRight')).toBe(false);
    expect(shortcutsApply(element('DIV', { role: 'radiogroup' }), ' ')).toBe(true);
    expect(shortcutsApply(element('DIV', {}, true), ' ')).toBe(false);
  });
});
