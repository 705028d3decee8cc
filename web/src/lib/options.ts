/** Ollama options from the parameter fields: unset fields are left out so the model's defaults apply. */
export function cleanOptions(options: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(options)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}
