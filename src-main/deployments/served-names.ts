// Served names (behaviour.md §2.2 step 4, §5.1): what clients address a deployment by at the
// gateway. Its primary aliases are its effective served name and its LoRA adapter names; among
// active deployments they are unique.

/** The name clients address: `engine_args.served_model_name`, else the model name. */
export function servedName(
  modelName: string,
  engineArgs: Record<string, unknown> | null | undefined,
): string {
  const s = engineArgs?.served_model_name;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : modelName;
}

/** The primary aliases of a deployment: its served name and every LoRA adapter name. */
export function primaryAliases(
  modelName: string,
  engineArgs: Record<string, unknown> | null | undefined,
  lora: readonly { name: string }[] | null | undefined,
): string[] {
  return [servedName(modelName, engineArgs), ...(lora ?? []).map((l) => l.name)];
}

export interface AliasOwner {
  id: number;
  model_name: string;
  aliases: readonly string[];
}

/** The first of `aliases` another active deployment already serves, with who serves it. */
export function aliasConflict(
  aliases: readonly string[],
  others: readonly AliasOwner[],
): { alias: string; owner: AliasOwner } | null {
  for (const alias of aliases)
    for (const owner of others) if (owner.aliases.includes(alias)) return { alias, owner };
  return null;
}

/** A free variant of `name`: `name-2`, `name-3`, … (the first not among `taken`). */
export function suggestName(name: string, taken: ReadonlySet<string>): string {
  for (let i = 2; ; i++) {
    const candidate = `${name}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}
