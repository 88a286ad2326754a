/** `Name <addr@host>` or `addr@host` → its parts. The address is lower-cased. */
export function parseMailbox(value: string): { name: string | null; address: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (m) {
    const name = m[1].replace(/^"(.*)"$/, '$1').trim();
    return { name: name || null, address: m[2].toLowerCase() };
  }
  return { name: null, address: value.trim().toLowerCase() };
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : 'localhost';
}
