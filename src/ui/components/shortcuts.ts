/**
 * Where the page's keyboard shortcuts (Space, ←, →) act: never while focus is in a form control
 * (a checkbox takes Space, a slider the arrows, a list or a text field everything), and on a
 * button or a link only for the keys it does not use itself (Space presses it; the arrows are
 * free, so → after clicking Step steps again). A shortcut there would both do the control's own
 * thing and steal the key. Pure over the few properties it reads, so it is unit-tested in Node.
 */

/** What the check reads of the focused element (an HTMLElement in the page). */
export interface FocusTarget {
  tagName?: string;
  isContentEditable?: boolean;
  getAttribute?(name: string): string | null;
}

/**
 * Marks a transport control whose keys are the shortcuts themselves: on the Timeline, ← and →
 * are a step back and a step (a step recomputes from the snapshot; the slider's own → would seek).
 */
export const TRANSPORT_KEYS_ATTRIBUTE = 'data-transport-keys';

/** Form controls: every key is theirs. */
const FORM_TAGS = new Set(['INPUT', 'SELECT', 'TEXTAREA', 'OPTION']);
const FORM_ROLES = new Set([
  'checkbox',
  'combobox',
  'listbox',
  'option',
  'radio',
  'slider',
  'spinbutton',
  'switch',
  'textbox',
]);
/** Pressables: Space and Enter are theirs. */
const PRESS_TAGS = new Set(['BUTTON', 'A', 'SUMMARY']);
const PRESS_ROLES = new Set(['button', 'link', 'menuitem', 'tab']);
const PRESS_KEYS = new Set([' ', 'Enter']);

/** True when the shortcut for `key` may act with focus on `target` (the body, a picture, …). */
export function shortcutsApply(target: FocusTarget | null | undefined, key: string): boolean {
  if (target === null || target === undefined) return true;
  const transportKeys = target.getAttribute?.(TRANSPORT_KEYS_ATTRIBUTE);
  if (transportKeys !== null && transportKeys !== undefined) return true;
  if (target.isContentEditable === true) return false;
  const tag = typeof target.tagName === 'string' ? target.tagName.toUpperCase() : '';
  const role = target.getAttribute?.('role') ?? '';
  if (FORM_TAGS.has(tag) || FORM_ROLES.has(role)) return false;
  if (PRESS_TAGS.has(tag) || PRESS_ROLES.has(role)) return !PRESS_KEYS.has(key);
  return true;
}
