import { getMetadataStorage } from 'class-validator';

type Lookup = ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas'];
type Metadatas = ReturnType<Lookup>;

let installed = false;

/**
 * class-validator works out a class's validators on every `validate()` call by scanning every
 * class that has any (typestack/class-validator#2686), so each request's validation grows with the
 * number of input types in the whole API. A class's validators are fixed once its module is
 * loaded, so the answer is remembered per class and options, and forgotten whenever a validator is
 * registered.
 */
export function memoizeValidationMetadata(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage();
  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const register = storage.addValidationMetadata.bind(storage);
  let byTarget = new WeakMap<object, Map<string, Metadatas>>();
  storage.addValidationMetadata = (metadata) => {
    byTarget = new WeakMap();
    register(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let memo = byTarget.get(target);
    if (!memo) byTarget.set(target, (memo = new Map()));
    let found = memo.get(key);
    if (!found) memo.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}
