// Routers by name. Each router module registers its factory here; compare, train and
// the API look factories up by name.

import type { RouterFactory } from './types.js';

const factories = new Map<string, RouterFactory>();

export function registerRouter(f: RouterFactory): void {
  if (factories.has(f.name)) throw new Error(`router "${f.name}" is registered twice`);
  factories.set(f.name, f);
}

export function routerNames(): string[] {
  return [...factories.keys()];
}

export function hasRouter(name: string): boolean {
  return factories.has(name);
}

export function getRouterFactory(name: string): RouterFactory {
  const f = factories.get(name);
  if (!f) throw new RangeError(`Expected "method" to be one of ${routerNames().map((n) => `'${n}'`).join(', ')}, received ${JSON.stringify(name)}`);
  return f;
}
