/**
 * A name made safe to print on a terminal line: control characters (newline, carriage return,
 * escape, DEL, C1 controls) are shown as escapes such as `\n` and `\x1b`, backslashes doubled, so a
 * file name cannot forge a second status line or send terminal control sequences.
 */
export function terminalSafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0x2028 || c === 0x2029)
      out += c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}
